"""Settings for bench/exam_load.py: production-like (no debug; persistent, health-checked database
connections as config/settings/production.py sets them; the shared Redis cache, which holds the
sign-in rate limits, that bench/exam_load.py points CACHE_URL at; Celery tasks sent to Redis rather
than run inside the web request; the client address taken from X-Forwarded-For behind one trusted
proxy on loopback, as behind the README's nginx, so that each examinee's office is its own address)."""

from config.settings.dev import *  # noqa: F403
from config.settings.dev import CACHES, DATABASES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CACHES["default"]["KEY_PREFIX"] = "fazhi-bench-exam"
TRUSTED_PROXIES = ["127.0.0.1"]
TRUSTED_PROXY_COUNT = 1
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
