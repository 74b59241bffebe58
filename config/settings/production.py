"""Production: PostgreSQL, Redis broker, WhiteNoise, HTTPS only.

Refuses to start without SECRET_KEY and ALLOWED_HOSTS, or with DEBUG switched on.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG, MIDDLEWARE, env

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

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
assert "whitenoise.middleware.WhiteNoiseMiddleware" in MIDDLEWARE

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
LOGGING["root"]["level"] = env("LOG_LEVEL", default="INFO")  # noqa: F405
