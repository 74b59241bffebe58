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

# Each chunk waits a little before it runs, so the test can kill the worker mid-run however fast
# this machine renders certificates (a test-only hook: this module is the test worker's settings).
_CHUNK_DELAY = env.float("TEST_CHUNK_DELAY_SECONDS", default=0.0)
if _CHUNK_DELAY:
    import time

    from celery.signals import task_prerun

    @task_prerun.connect(weak=False)
    def _slow_chunks(sender=None, **kwargs):
        if sender is not None and sender.name == "jobs.tasks.run_job_chunk":
            time.sleep(_CHUNK_DELAY)
