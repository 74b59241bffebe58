"""Admin widgets for course pages."""

from __future__ import annotations

from django import forms

from cms.extensions import hour_categories


class HourCategorySelect(forms.Select):
    """A select of the ledger's hour categories (``cms.extensions.hour_categories``), read when the form is drawn.

    Administrators may add categories at run time, so the choices cannot be
    fixed on the model field; ``CoursePage.clean`` rejects unknown codes.
    """

    def get_context(self, name, value, attrs):
        self.choices = hour_categories()
        return super().get_context(name, value, attrs)
