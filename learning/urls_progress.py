"""Lesson progress endpoints and study-plan pages (included by ``learning.urls``)."""

from django.conf import settings
from django.urls import path

from learning.views import plans, progress

urlpatterns = [
    path("progress/heartbeat/", progress.heartbeat, name="lesson_heartbeat"),
    path("progress/check/", progress.check_answer, name="lesson_check"),
    path("plans/mine/", plans.my_plan_list, name="my_plans"),
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_report_view, name="plan_report"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/delete/", plans.plan_delete, name="plan_delete"),
]

if getattr(settings, "BENCH_VIEWS_ENABLED", False):
    urlpatterns.append(path("progress/bench-ping/", progress.bench_ping, name="bench_ping"))
