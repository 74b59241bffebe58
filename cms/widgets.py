"""Admin widgets for course pages."""

from __future__ import annotations

from django import forms


class HourCategorySelect(forms.Select):
    """A select of the ledger's hour categories, read when the form is drawn.

    Administrators may add categories at run time, so the choices cannot be
    fixed on the model field; ``CoursePage.clean`` rejects unknown codes.
    """

    def get_context(self, name, value, attrs):
        from learning.models import HourCategory

        self.choices = [(c.code, c.name) for c in HourCategory.objects.order_by("order", "code")]
        return super().get_context(name, value, attrs)
