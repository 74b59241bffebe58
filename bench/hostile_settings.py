"""Settings for bench/hostile.py: the test settings (mail kept in memory so it can be counted, tasks
run in-process, throw-away media folders) with what the test settings switch off put back as in
production: the sign-in rate limits and the password hasher of config/settings/base.py, the client
address taken from X-Forwarded-For only behind one trusted proxy (nginx on 127.0.0.1), and a shared
Redis cache (database 11) that the limits count in."""

from config.settings.base import ACCOUNT_RATE_LIMITS as BASE_RATE_LIMITS
from config.settings.base import PASSWORD_HASHERS as BASE_HASHERS
from config.settings.test import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ACCOUNT_RATE_LIMITS = BASE_RATE_LIMITS
PASSWORD_HASHERS = BASE_HASHERS
TRUSTED_PROXIES = ["127.0.0.1"]
TRUSTED_PROXY_COUNT = 1
CACHES = {
    "default": {
        "BACKEND": "core.cache.ForgivingRedisCache",
        "LOCATION": "redis://127.0.0.1:6379/11",
        "KEY_PREFIX": "fazhi-bench-hostile",
    }
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "CRITICAL"}}
