"""Lesson progress endpoints (included by ``learning.urls``)."""

from django.conf import settings
from django.urls import path

from learning.views import progress

urlpatterns = [
    path("progress/heartbeat/", progress.heartbeat, name="lesson_heartbeat"),
    path("progress/check/", progress.check_answer, name="lesson_check"),
]

if getattr(settings, "BENCH_VIEWS_ENABLED", False):
    urlpatterns.append(path("progress/bench-ping/", progress.bench_ping, name="bench_ping"))
