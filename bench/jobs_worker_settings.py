"""Settings of bench/jobs.py's two-worker roster run: tasks through Redis to real Celery workers, files in one
folder the bench and its workers share (the test settings give each process a temporary folder of its own)."""

from config.settings.test import *  # noqa: F403
from config.settings.test import env

CELERY_TASK_ALWAYS_EAGER = False
PRIVATE_MEDIA_ROOT = env("BENCH_PRIVATE_MEDIA_ROOT")
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
