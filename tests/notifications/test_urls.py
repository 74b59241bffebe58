"""The message pages keep the paths they had inside the learning app (and the settings page sits beside them)."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from notifications import urls as notifications_urls
from notifications.views import notifications as views

#: path (as published before the notifications app) → (URL name, view, kwargs)
PATHS = {
    "/learning/messages/": ("list", views.notification_list, {}),
    "/learning/messages/settings/": ("settings", views.notification_settings, {}),
    "/learning/messages/read-all/": ("read_all", views.notification_read_all, {}),
    "/learning/messages/7/open/": ("open", views.notification_open, {"pk": 7}),
}


@pytest.mark.parametrize("path", PATHS)
def test_every_published_message_path_resolves_to_the_same_view(path):
    name, view, kwargs = PATHS[path]
    match = resolve(path)
    assert (match.func, match.kwargs, match.namespace, match.url_name) == (view, kwargs, "notifications", name)
    assert reverse(f"notifications:{name}", kwargs=kwargs) == path


def test_the_app_has_no_other_message_paths():
    assert {pattern.name for pattern in notifications_urls.urlpatterns} == {
        name for name, _view, _kwargs in PATHS.values()
    }
