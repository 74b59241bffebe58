"""Settings for bench/heartbeat.py: production's connection settings (persistent, health-checked
database connections; the shared Redis cache that bench/heartbeat.py points CACHE_URL at), no
debug, plus the bench-only bare JSON endpoint the heartbeat is compared with."""

from config.settings.dev import *  # noqa: F403
from config.settings.dev import CACHES, DATABASES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CACHES["default"]["KEY_PREFIX"] = "fazhi-bench-heartbeat"
BENCH_VIEWS_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
