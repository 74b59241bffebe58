import os

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
# The browser tests drive Chromium through Playwright's sync API, which runs an event loop in the
# test's thread; Django must still allow the tests' ORM calls there (Django reads this variable itself).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFICATIONS_SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
# Tests run tasks in-process; the real-worker test starts a worker whose
# environment turns eager mode off and points at the real broker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False
# Browser tests drive the system's Chromium (never a downloaded browser).
CHROMIUM_PATH = env("CHROMIUM_PATH", default="/usr/bin/chromium")
# In CI (`.ci/run` sets CI=true) a test whose real server (slapd, the OIDC provider) is missing fails instead of skipping.
CI = env.bool("CI", default=False)
# The production stack deploy/stack.sh started (its tests are skipped without it) and its log folder.
STACK_URL = env("FAZHI_STACK_URL", default="").rstrip("/")
STACK_LOGS = env("FAZHI_STACK_LOGS", default="")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].pop("OPTIONS", None)
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
else:
    # Transactional tests empty every table with TRUNCATE, which the ledger refuses (learning/db.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c fazhi.allow_ledger_truncate=on"

# Uploaded and generated files of a test run go to a throw-away directory.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="fazhi-test-media-")
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="fazhi-test-private-"))
