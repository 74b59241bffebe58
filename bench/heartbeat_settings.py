"""Settings for bench/heartbeat.py: production-like (persistent DB connections, no debug)
plus the bench-only bare JSON endpoint the heartbeat is compared with."""

from config.settings.dev import *  # noqa: F403
from config.settings.dev import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = 60
BENCH_VIEWS_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
