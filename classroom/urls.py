"""URLs of classroom sessions, included from ``config.urls`` under ``learning/sessions/``
(the paths they had inside the learning app: the QR check-in URL is printed on paper)."""

from django.urls import path

from classroom.views import sessions as views

app_name = "classroom"

urlpatterns = [
    path("", views.sessions_mine, name="sessions_mine"),
    path("checkin/<int:session_id>/<int:window>/<str:code>/", views.session_checkin, name="session_checkin"),
    path("checkin/resume/", views.session_checkin_resume, name="session_checkin_resume"),
    path("manage/", views.session_list, name="sessions_manage"),
    path("manage/new/", views.session_create, name="session_create"),
    path("manage/series/", views.series_schedule, name="series_schedule"),
    path("manage/import-template.xlsx", views.import_template, name="session_import_template"),
    path("manage/<int:pk>/", views.session_detail, name="session_detail"),
    path("manage/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("manage/<int:pk>/mark/", views.session_mark, name="session_mark"),
    path("manage/<int:pk>/held/", views.session_held, name="session_held"),
    path("manage/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path(
        "manage/<int:pk>/attendance/<int:attendance_id>/remove/",
        views.attendance_remove,
        name="session_attendance_remove",
    ),
    path("manage/<int:pk>/qr/", views.session_qr, name="session_qr"),
    path("manage/<int:pk>/qr.json", views.session_qr_code, name="session_qr_code"),
    path("manage/<int:pk>/import/", views.session_import, name="session_import"),
]
