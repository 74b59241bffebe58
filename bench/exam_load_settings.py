"""Settings for bench/exam_load.py: production-like (no debug, persistent DB connections, Celery
tasks sent to Redis rather than run inside the web request)."""

from config.settings.dev import *  # noqa: F403
from config.settings.dev import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = 60
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
