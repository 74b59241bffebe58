"""Old Django-admin addresses of models that moved out of an app keep working.

A model handed to another app keeps its table (``db_table`` names the app it came
from, e.g. ``learning_trainingsession``), but its admin pages move with the app label
(``/admin/learning/trainingsession/`` → ``/admin/classroom/trainingsession/``).
Bookmarks of the old pages redirect to the new ones. The moved models are found from
the app registry — any model whose table is named after another installed app — so a
later move needs nothing here.
"""

from __future__ import annotations

from django.apps import apps
from django.http import HttpResponsePermanentRedirect
from django.urls import URLPattern, re_path


def moved_models() -> dict[tuple[str, str], str]:
    """``(old app label, model name) → new app label`` for every model living in another app's table."""
    labels = {config.label for config in apps.get_app_configs()}
    moved = {}
    for model in apps.get_models():
        meta = model._meta
        old_label, _sep, table_model = meta.db_table.partition("_")
        if old_label in labels and old_label != meta.app_label and table_model == meta.model_name:
            moved[(old_label, meta.model_name)] = meta.app_label
    return moved


def _redirect(request, old_label: str, model: str, rest: str):
    new_label = moved_models()[(old_label, model)]
    query = request.META.get("QUERY_STRING", "")
    target = f"/admin/{new_label}/{model}/{rest}" + (f"?{query}" if query else "")
    return HttpResponsePermanentRedirect(target)


def urlpatterns() -> list[URLPattern]:
    """One pattern per moved model, to go before the admin's own (``/admin/<old>/<model>/…``)."""
    return [
        re_path(
            rf"^admin/(?P<old_label>{old})/(?P<model>{model})/(?P<rest>.*)$",
            _redirect,
            name=f"moved_admin_{old}_{model}",
        )
        for (old, model) in sorted(moved_models())
    ]
