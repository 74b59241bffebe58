"""The Celery application. Tasks are autodiscovered in each app's ``tasks.py``."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("fazhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_failure.connect
def log_failed_task(sender=None, task_id=None, exception=None, args=None, kwargs=None, traceback=None, **_):
    """One structured line per failed task: name, id, arguments by type, the exception (core/logging.py)."""
    from core.logging import log_task_failure

    log_task_failure(
        task_name=getattr(sender, "name", str(sender)),
        task_id=task_id,
        args=args,
        kwargs=kwargs,
        exception=exception,
        traceback=traceback,
    )


@signals.setup_logging.connect
def keep_django_logging(**_):
    """A worker keeps Django's LOGGING (JSON lines on stdout in production) instead of Celery's own format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
