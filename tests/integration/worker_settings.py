"""Settings of the worker the kill test starts: the test's queue, files and a short stale threshold.

Only the test worker reads these variables (set by ``test_job_kill.py``); production settings are untouched.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import env

_QUEUE = env("TEST_CELERY_QUEUE")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = _QUEUE
CELERY_TASK_ROUTES = {"jobs.tasks.*": {"queue": _QUEUE}, "learning.*": {"queue": _QUEUE}}
# Longer than the stale threshold, so the job's own resume (not the broker's redelivery) is what is tested.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("TEST_VISIBILITY_TIMEOUT", default=120)}
PRIVATE_MEDIA_ROOT = env("TEST_PRIVATE_MEDIA_ROOT")
JOBS_STALE_AFTER_SECONDS = env.int("TEST_JOBS_STALE_AFTER_SECONDS", default=10)
