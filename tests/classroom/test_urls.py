"""The session pages keep the paths they had inside the learning app (the QR check-in URL is printed on paper)."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from classroom import urls as classroom_urls
from classroom.views import sessions as views

#: path (as published before the classroom app) → (URL name, view, kwargs)
PATHS = {
    "/learning/sessions/": ("sessions_mine", views.sessions_mine, {}),
    "/learning/sessions/checkin/12/29012345/0123456789abcdef0123/": (
        "session_checkin",
        views.session_checkin,
        {"session_id": 12, "window": 29012345, "code": "0123456789abcdef0123"},
    ),
    "/learning/sessions/checkin/resume/": ("session_checkin_resume", views.session_checkin_resume, {}),
    "/learning/sessions/manage/": ("sessions_manage", views.session_list, {}),
    "/learning/sessions/manage/new/": ("session_create", views.session_create, {}),
    "/learning/sessions/manage/series/": ("series_schedule", views.series_schedule, {}),
    "/learning/sessions/manage/import-template.xlsx": ("session_import_template", views.import_template, {}),
    "/learning/sessions/manage/7/": ("session_detail", views.session_detail, {"pk": 7}),
    "/learning/sessions/manage/7/edit/": ("session_edit", views.session_edit, {"pk": 7}),
    "/learning/sessions/manage/7/mark/": ("session_mark", views.session_mark, {"pk": 7}),
    "/learning/sessions/manage/7/held/": ("session_held", views.session_held, {"pk": 7}),
    "/learning/sessions/manage/7/cancel/": ("session_cancel", views.session_cancel, {"pk": 7}),
    "/learning/sessions/manage/7/attendance/3/remove/": (
        "session_attendance_remove",
        views.attendance_remove,
        {"pk": 7, "attendance_id": 3},
    ),
    "/learning/sessions/manage/7/qr/": ("session_qr", views.session_qr, {"pk": 7}),
    "/learning/sessions/manage/7/qr.json": ("session_qr_code", views.session_qr_code, {"pk": 7}),
    "/learning/sessions/manage/7/import/": ("session_import", views.session_import, {"pk": 7}),
}


@pytest.mark.parametrize("path", PATHS)
def test_every_published_session_path_resolves_to_the_same_view(path):
    name, view, kwargs = PATHS[path]
    match = resolve(path)
    assert (match.func, match.kwargs, match.namespace, match.url_name) == (view, kwargs, "classroom", name)
    assert reverse(f"classroom:{name}", kwargs=kwargs) == path


def test_the_app_has_no_other_session_paths():
    assert {pattern.name for pattern in classroom_urls.urlpatterns} == {name for name, _view, _kwargs in PATHS.values()}
