"""Production: PostgreSQL, Redis broker, WhiteNoise, HTTPS only.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS and a shared cache (CACHE_URL), or with DEBUG switched on.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, DEBUG, MIDDLEWARE, env

IS_PRODUCTION = True
# DEBUG=true in a production environment is a mistake to stop at, not to paper over:
# debug pages would show settings and code to anyone.
if DEBUG:
    raise ImproperlyConfigured("生产环境不允许开启 DEBUG：请删除环境变量 DEBUG 或将其设为 false")
try:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
except ImproperlyConfigured as exc:  # pragma: no cover - exercised by a subprocess test
    raise ImproperlyConfigured(f"生产环境必须设置环境变量 SECRET_KEY 和 ALLOWED_HOSTS: {exc}") from exc
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("生产环境必须设置环境变量 ALLOWED_HOSTS")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-insecure"):
    raise ImproperlyConfigured("SECRET_KEY 必须是至少 50 个字符的随机字符串")

# Every process must share the cache: sign-in rate limits, TOTP code reuse and the lesson
# heartbeat's access grants (cms/access_cache.py) are kept there; a per-process cache would let
# each gunicorn worker count, and forget, on its own.
if CACHES["default"]["BACKEND"] != "core.cache.ForgivingRedisCache":  # noqa: F405
    raise ImproperlyConfigured(
        "生产环境必须设置环境变量 CACHE_URL（Redis，例如 redis://127.0.0.1:6379/1），供所有进程共享"
    )

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
assert "whitenoise.middleware.WhiteNoiseMiddleware" in MIDDLEWARE
# Where collectstatic writes (and the web server's /static/ location reads).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Persistent database connections (Django reads these per database, not at the top level).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Monitors poll /health/ on the app server directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
LOGGING["root"]["level"] = env("LOG_LEVEL", default="INFO")  # noqa: F405
# One JSON object per line on stdout unless LOG_FORMAT=text (core/logging.py).
LOG_FORMAT = env("LOG_FORMAT", default="json")
if LOG_FORMAT not in LOG_FORMATS:  # noqa: F405
    raise ImproperlyConfigured(f"LOG_FORMAT 只能是 {' 或 '.join(LOG_FORMATS)}：{LOG_FORMAT!r}")  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405

# Error reports to Sentry, only when SENTRY_DSN is set. No personal data leaves: no user
# details, IP addresses, cookies, query strings or request bodies (core.logging.sentry_before_send).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    from core.logging import sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        before_send=sentry_before_send,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
    # The Celery integration reports a failed task with its traceback; its log line would be a second event.
    ignore_logger("fazhi.task")
