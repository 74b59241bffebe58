"""Settings shared by every environment.

The environment is read here and only here (``environ.Env``). With nothing set,
the project runs in its embedded mode: SQLite file, Celery tasks executed
eagerly in-process, e-mail printed to the console, media on local disk.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
# True only in config.settings.production: the one place code asks "is this the live system?"
# (demo commands refuse to run there). Never derived from DJANGO_SETTINGS_MODULE.
IS_PRODUCTION = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A failed CSRF check shows the site's "页面已过期" page (JSON to fetch() clients).
CSRF_FAILURE_VIEW = "accounts.views.errors.csrf_failure"

# Public origin used in links that leave the site (certificate QR codes, e-mails).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Short code of the prefecture, used in certificate serial numbers (KS-2026-TR-000123).
ORG_CODE = env("ORG_CODE", default="KS")
# Directory of law texts (Markdown) that `manage.py import_laws` reads when given no DIR.
LAWS_DIR = env("LAWS_DIR", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # The org tree's admin (accounts.admin.OrgUnitAdmin is treebeard's TreeAdmin): its change-list
    # template, static files and the JavaScript catalogue it routes under the model (packages=["treebeard"]).
    "treebeard",
    # Sign-in
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Single sign-on with the prefecture's identity provider (accounts/sso.py; off unless OIDC_* is set)
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    # Jobs
    "django_celery_beat",
    "django_filters",
    # Content-Security-Policy header (policy below)
    "csp",
    # Ours
    "core",
    "jobs",
    "directory",
    "accounts",
    "notifications",
    "cms",
    "learning",
    "plans",
    "classroom",
    "certificates",
    "review",
    "exams",
    "demo",
]

MIDDLEWARE = [
    # First: the request id (X-Request-ID) is set before anything logs, and the request's
    # line (user, method, path without query, status, duration) covers the whole stack (core/logging.py).
    "core.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.csp.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.locale.ChineseFirstLocaleMiddleware",
    # Refuses NUL, over-deep and oversized input with a 400 before any view parses it (core/middleware.py).
    "core.middleware.HostileInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireSecondFactorMiddleware",
    "accounts.middleware.AuditActorMiddleware",
    # The sign-in page may send its single sign-on form on to the identity provider (CSP form-action).
    "accounts.sso.FormActionMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so its process_exception runs first: a CMS id its model cannot hold (``…/chosen/x/``)
    # is a 404, not a 500; tightly scoped, see cms/malformed_ids.py.
    "cms.malformed_ids.MalformedIdNotFoundMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the dev server and an eager task share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id at a cost chosen for exam day (accounts/hashers.py): new passwords and every
# sign-in with an older PBKDF2 hash get it; the PBKDF2 hashers stay to read the old hashes.
PASSWORD_HASHERS = [
    "accounts.hashers.ExamDayArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- allauth: provisioned accounts only, employee number or e-mail to sign in.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = "employee_no"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
# A reset asked for an address with no account sends nothing (the form answers the same either way):
# otherwise anyone could have the site mail any address.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Per client address (see TRUSTED_PROXIES below) and per account ("key": the
# 工号/e-mail typed, or the user). A whole county office behind one NAT still
# signs in; one address guessing passwords, or one account under attack, stops.
ACCOUNT_RATE_LIMITS = {
    "login": "120/m/ip",
    "login_failed": "30/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "manage_email": "10/m/user",
    # The activation page (accounts/views/activation.py): every attempt per address, and failed
    # attempts per address and per 工号 typed (whether or not it exists), as for the sign-in.
    "activate": "120/m/ip",
    "activate_failed": "30/m/ip,5/5m/key",
}
# Activation letters (开通通知书): a one-time code lets a person without an e-mail address choose
# a password. A code stops working at the end of the day this many days after it was issued, once
# used, or when a new letter is printed for the person.
ACTIVATION_CODE_DAYS = env.int("ACTIVATION_CODE_DAYS", default=14)
# Letters for more people than this are printed by a background job (a PDF to download when done).
ACTIVATION_LETTERS_JOB_PEOPLE = env.int("ACTIVATION_LETTERS_JOB_PEOPLE", default=300)
# E-mail change, password change and the MFA pages ask for the second factor again
# (an account with TOTP re-authenticates with its code, never the password alone).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# The client address behind the reverse proxy: X-Forwarded-For is believed only
# from these peers (IPs or CIDRs, e.g. "127.0.0.1" when nginx runs on the same
# machine), and only the last TRUSTED_PROXY_COUNT hops (how many of our proxies
# append to it: 1 for nginx alone). Empty/0: REMOTE_ADDR, the header is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="法治学堂")
MFA_RECOVERY_CODE_COUNT = 10

# --- Government single sign-on (政务统一身份认证) over OpenID Connect: accounts/sso.py, guide in
# docs/sso.md. Off unless OIDC_SERVER_URL and OIDC_CLIENT_ID are set (then the sign-in page shows
# its button). People are matched by the 工号 in OIDC_EMPLOYEE_NO_CLAIM to existing, active
# accounts; nobody is created. Privileged people still give their TOTP code unless the ID token's
# `amr` claim holds one of OIDC_MFA_AMR_VALUES (the provider checked a second factor itself).
# The issuer (https://; its /.well-known/openid-configuration is read), and our client there.
OIDC_SERVER_URL = env("OIDC_SERVER_URL", default="")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
# How the client authenticates at the token endpoint: client_secret_basic or client_secret_post.
OIDC_TOKEN_AUTH_METHOD = env("OIDC_TOKEN_AUTH_METHOD", default="client_secret_basic")
OIDC_PKCE = env.bool("OIDC_PKCE", default=True)
# Scopes asked for, separated by spaces or commas ("openid" must be one of them).
OIDC_SCOPES = env("OIDC_SCOPES", default="openid profile").replace(",", " ").split()
# The claim (ID token or userinfo) that holds the person's 工号.
OIDC_EMPLOYEE_NO_CLAIM = env("OIDC_EMPLOYEE_NO_CLAIM", default="employee_no")
# `amr` values (RFC 8176) that count as a second factor checked by the provider.
OIDC_MFA_AMR_VALUES = env("OIDC_MFA_AMR_VALUES", default="mfa otp hwk").replace(",", " ").split()
# Names on the sign-in page; empty: 政务统一身份认证 and 使用政务统一身份认证登录 (translated).
OIDC_DISPLAY_NAME = env("OIDC_DISPLAY_NAME", default="")
OIDC_LOGIN_LABEL = env("OIDC_LOGIN_LABEL", default="")
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
# Seconds to wait for each answer of the identity provider (discovery, token, keys, userinfo).
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Certificate PDFs, bulk ZIPs and the seal: never published, served by permission-checking views.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
# Behind nginx: the prefix of its `internal` location over PRIVATE_MEDIA_ROOT (e.g. "/_private/",
# deploy/nginx.conf). Certificate and job-result downloads then answer with X-Accel-Redirect after
# the permission check and nginx sends the bytes; empty: the view streams the file itself.
PRIVATE_MEDIA_ACCEL_REDIRECT = env("PRIVATE_MEDIA_ACCEL_REDIRECT", default="")
# Uploaded documents, videos and images (MEDIA_ROOT) are not published either: /media/… and
# /documents/… are answered by Django after the permission check (cms/views/media.py). Behind nginx
# this is the prefix of its `internal` location over MEDIA_ROOT (e.g. "/_media/", deploy/nginx.conf)
# and nginx sends the bytes (with ranges, for video seeking); empty: Django sends them itself.
MEDIA_ACCEL_REDIRECT = env("MEDIA_ACCEL_REDIRECT", default="")
# A TrueType font covering Chinese, Latin and digits (Debian: apt-get install fonts-wqy-microhei).
_CERTIFICATE_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
]
CERTIFICATE_FONT_PATH = env(
    "CERTIFICATE_FONT_PATH", default=next((p for p in _CERTIFICATE_FONTS if Path(p).is_file()), _CERTIFICATE_FONTS[0])
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads (staff files, question banks, attendance sheets) are capped.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_IMPORT_FILE_BYTES = env.int("MAX_IMPORT_FILE_BYTES", default=20 * 1024 * 1024)
# Imports are refused at the door, before parsing (accounts/xlsx.py, exams/formats/; guides in
# docs/staff_import.md and docs/question_bank.md): an .xlsx whose members unpack to more than
# MAX_IMPORT_UNZIPPED_BYTES (a zip bomb); a sheet or CSV with more rows below its header than
# the import's cap (blank rows count: a 64 KB file can hold a million of them); a question
# file with more questions than MAX_IMPORT_QUESTIONS. A province's staff list is ~52,000 rows.
MAX_IMPORT_UNZIPPED_BYTES = env.int("MAX_IMPORT_UNZIPPED_BYTES", default=100 * 1024 * 1024)
MAX_IMPORT_ROWS_STAFF = env.int("MAX_IMPORT_ROWS_STAFF", default=60_000)
MAX_IMPORT_ROWS_ATTENDANCE = env.int("MAX_IMPORT_ROWS_ATTENDANCE", default=10_000)
MAX_IMPORT_QUESTIONS = env.int("MAX_IMPORT_QUESTIONS", default=10_000)
# Files with more rows than these are imported by a background job with a progress page (checked
# whole, then written in one transaction) instead of inside the web request.
STAFF_IMPORT_JOB_ROWS = env.int("STAFF_IMPORT_JOB_ROWS", default=2000)
ATTENDANCE_IMPORT_JOB_ROWS = env.int("ATTENDANCE_IMPORT_JOB_ROWS", default=200)
QUESTION_IMPORT_JOB_QUESTIONS = env.int("QUESTION_IMPORT_JOB_QUESTIONS", default=500)
# Staff and compliance exports with more rows than this are built by a background job.
EXPORT_JOB_ROWS = env.int("EXPORT_JOB_ROWS", default=3000)
# A failed import keeps and shows this many problems and counts the rest ("另有 N 处问题未列出").
MAX_IMPORT_PROBLEMS_LISTED = env.int("MAX_IMPORT_PROBLEMS_LISTED", default=100)
# JSON bodies (answer saves, heartbeats) are small: larger or deeper ones are refused
# before parsing (core/middleware.py), as is any NUL in a path, query, form or JSON body.
MAX_JSON_BODY_BYTES = env.int("MAX_JSON_BODY_BYTES", default=256 * 1024)
MAX_JSON_DEPTH = 32
# Question and lesson HTML may not load anything from another site (a tracking pixel
# would tell that site who sits an exam); core/html.py. Inline data: images up to this size.
MAX_INLINE_IMAGE_BYTES = 2 * 1024 * 1024
# Origins whose video players a lesson may embed (Wagtail's EmbedBlock); empty: none.
EMBED_ORIGINS = env.list("CSP_EMBED_FRAME_ORIGINS", default=[])

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="法治学堂 <noreply@fazhi.local>")
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
# Seconds an SMTP connect, greeting or reply may take: a mail server that accepts and then
# hangs fails the reminder task (which leaves the unsent mails unsent) instead of holding a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Notifications (notifications/): in-site messages, their e-mail (the settings above) and SMS.
# The SMS backend (a dotted path): the console backend writes each message to the "fazhi.sms" log;
# notifications.sms.HttpSmsBackend POSTs it as JSON to the SMS gateway (政务短信平台) below.
NOTIFICATIONS_SMS_BACKEND = env("NOTIFICATIONS_SMS_BACKEND", default="notifications.sms.ConsoleSmsBackend")
NOTIFICATIONS_SMS_URL = env("NOTIFICATIONS_SMS_URL", default="")
NOTIFICATIONS_SMS_TOKEN = env("NOTIFICATIONS_SMS_TOKEN", default="")
# The signature the carrier requires at the start of every message.
NOTIFICATIONS_SMS_SIGN = env("NOTIFICATIONS_SMS_SIGN", default="【法治学堂】")
NOTIFICATIONS_SMS_TIMEOUT = env.int("NOTIFICATIONS_SMS_TIMEOUT", default=10)
# E-mail and SMS still pending this many hours after their message was left are given up
# (a reminder days late is worse than none; the in-site message stays).
NOTIFICATIONS_DELIVERY_WINDOW_HOURS = env.int("NOTIFICATIONS_DELIVERY_WINDOW_HOURS", default=72)
# HR's one-click reminder to the people at risk of failing the review (review/services/nudges.py):
# a person is reminded at most once in this many days, an HR officer may press it once an hour,
# and a list longer than this is sent by a background job.
REVIEW_NUDGE_PERSON_DAYS = env.int("REVIEW_NUDGE_PERSON_DAYS", default=7)
REVIEW_NUDGE_OFFICER_MINUTES = env.int("REVIEW_NUDGE_OFFICER_MINUTES", default=60)
REVIEW_NUDGE_JOB_PEOPLE = env.int("REVIEW_NUDGE_JOB_PEOPLE", default=300)

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # With Redis down, reads miss and writes are dropped instead of failing the request (core/cache.py).
    CACHES["default"]["BACKEND"] = "core.cache.ForgivingRedisCache"

# --- Celery: no broker configured means tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Two queues: "default" for what a learner or an exam waits on (closing overdue attempts, one
# certificate, identity-change mail, one person's review), "bulk" for everything that works
# through many people (background jobs: bulk certificates and their ZIP, imports, exports;
# reminders and digests, review runs, nightly sweeps). A worker per queue, so bulk work never
# delays the interactive kind (README: `celery worker -Q default`, `celery worker -Q bulk`).
# Every task of ours is routed here; tests/ops/test_celery_config.py fails for one that is not.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue("default"), Queue("bulk")]
_BULK = {"queue": "bulk"}
_INTERACTIVE = {"queue": "default"}
CELERY_TASK_ROUTES = {
    "accounts.tasks.send_identifier_change_notice": _INTERACTIVE,
    "accounts.tasks.deactivate_departed_staff": _BULK,
    "accounts.tasks.expire_credentials": _BULK,
    "directory.tasks.sync_directory": _BULK,
    "exams.tasks.finalise_overdue_attempts": _INTERACTIVE,
    "exams.tasks.issue_exam_certificate": _INTERACTIVE,
    "learning.tasks.send_monthly_reminders": _BULK,
    "learning.tasks_certificates.issue_annual_certificate": _INTERACTIVE,
    "learning.tasks_certificates.render_certificate": _INTERACTIVE,
    "learning.tasks_review.re_evaluate_person_review": _INTERACTIVE,
    "learning.tasks_review.run_annual_review_task": _BULK,
    "learning.tasks_review.re_evaluate_failing_outcomes": _BULK,
    "learning.tasks_review.send_review_reminders": _BULK,
    # The sending of e-mail and SMS, the daily digest and the scheduled reminders: notifications/tasks.py.
    "notifications.tasks.*": _BULK,
    # Background jobs (bulk certificates and their ZIP, imports, exports): jobs/tasks.py.
    "jobs.tasks.*": _BULK,
}
# Time limits (seconds): every task gets the default; long runs get more here. A task past its
# soft limit gets SoftTimeLimitExceeded (its transaction rolls back), past the hard one the worker
# process is killed. Our tasks are idempotent, so a rerun finishes what a killed one left.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
_LONG = {"soft_time_limit": 1740, "time_limit": 1800}
CELERY_TASK_ANNOTATIONS = {
    "learning.tasks.send_monthly_reminders": _LONG,
    "learning.tasks_review.send_review_reminders": _LONG,
    "learning.tasks_review.run_annual_review_task": _LONG,
    "learning.tasks_review.re_evaluate_failing_outcomes": _LONG,
    "jobs.tasks.run_job_chunk": {"soft_time_limit": 540, "time_limit": 600},
    "notifications.tasks.deliver_event": _LONG,
    "notifications.tasks.deliver_due": _LONG,
    "notifications.tasks.send_digests": _LONG,
    "notifications.tasks.run_reminder": _LONG,
    "jobs.tasks.finish_job": _LONG,
    "directory.tasks.sync_directory": _LONG,
}
# Redis hands an unacknowledged task (acks_late) to another worker after visibility_timeout:
# longer than the longest hard limit, so a running task is never delivered twice, and short
# enough that the task of a killed worker runs again within minutes (Celery's default: 1 hour).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(CELERY_TASK_TIME_LIMIT, *(a["time_limit"] for a in CELERY_TASK_ANNOTATIONS.values()))
    + 300,
}

# --- Directory sync (LDAP): `manage.py sync_directory` reads units and people from the
# organisation's directory and applies them as the staff import does (directory/sync/; the
# administrators' guide is docs/directory_sync.md). Off unless DIRECTORY_LDAP_URL is set.
# The server: ldaps://host:636, or ldap://host:389 with DIRECTORY_LDAP_START_TLS. A plain
# ldap:// connection carrying a bind password is refused unless the server is this machine
# or DIRECTORY_LDAP_ALLOW_PLAINTEXT is set. The certificate is always verified, against
# DIRECTORY_LDAP_CA_FILE (a PEM bundle) when set, else the system's CAs.
DIRECTORY_LDAP_URL = env("DIRECTORY_LDAP_URL", default="")
DIRECTORY_LDAP_BIND_DN = env("DIRECTORY_LDAP_BIND_DN", default="")
DIRECTORY_LDAP_BIND_PASSWORD = env("DIRECTORY_LDAP_BIND_PASSWORD", default="")
DIRECTORY_LDAP_START_TLS = env.bool("DIRECTORY_LDAP_START_TLS", default=False)
DIRECTORY_LDAP_CA_FILE = env("DIRECTORY_LDAP_CA_FILE", default="")
DIRECTORY_LDAP_ALLOW_PLAINTEXT = env.bool("DIRECTORY_LDAP_ALLOW_PLAINTEXT", default=False)
# Seconds to connect and to wait for each answer.
DIRECTORY_LDAP_TIMEOUT = env.int("DIRECTORY_LDAP_TIMEOUT", default=15)
# Where units and people are, and which entries count. Units form the tree their DNs form below
# the units base (the base entry itself is only their container).
DIRECTORY_LDAP_UNITS_BASE = env("DIRECTORY_LDAP_UNITS_BASE", default="")
DIRECTORY_LDAP_UNITS_FILTER = env("DIRECTORY_LDAP_UNITS_FILTER", default="(objectClass=organizationalUnit)")
DIRECTORY_LDAP_PEOPLE_BASE = env("DIRECTORY_LDAP_PEOPLE_BASE", default="")
DIRECTORY_LDAP_PEOPLE_FILTER = env("DIRECTORY_LDAP_PEOPLE_FILTER", default="(objectClass=inetOrgPerson)")
# Which attribute holds what. A person's unit is the unit whose code their unit-code attribute
# holds, else the nearest unit above their entry. Empty: not read (category: new people get
# DIRECTORY_SYNC_DEFAULT_CATEGORY, existing people keep theirs; 执法证号: left as it is).
DIRECTORY_LDAP_PERSON_ATTRIBUTES = {
    "employee_no": env("DIRECTORY_LDAP_ATTR_EMPLOYEE_NO", default="employeeNumber"),
    "full_name": env("DIRECTORY_LDAP_ATTR_NAME", default="cn"),
    "unit_code": env("DIRECTORY_LDAP_ATTR_PERSON_UNIT", default="departmentNumber"),
    "email": env("DIRECTORY_LDAP_ATTR_EMAIL", default="mail"),
    "phone": env("DIRECTORY_LDAP_ATTR_MOBILE", default="mobile"),
    "position": env("DIRECTORY_LDAP_ATTR_POSITION", default="title"),
    "category": env("DIRECTORY_LDAP_ATTR_CATEGORY", default=""),
    "credential_no": env("DIRECTORY_LDAP_ATTR_CREDENTIAL_NO", default=""),
}
DIRECTORY_LDAP_UNIT_ATTRIBUTES = {
    "code": env("DIRECTORY_LDAP_ATTR_UNIT_CODE", default="businessCategory"),
    "name": env("DIRECTORY_LDAP_ATTR_UNIT_NAME", default="ou"),
}
# An entry's stable id, so that a person whose 工号 changes stays the same person
# (OpenLDAP: entryUUID; Active Directory: objectGUID). Empty: people are matched by 工号 only.
DIRECTORY_LDAP_UUID_ATTRIBUTE = env("DIRECTORY_LDAP_UUID_ATTRIBUTE", default="entryUUID")
# The category of people the directory creates when it holds none (执法人员, 领导干部 or 其他).
DIRECTORY_SYNC_DEFAULT_CATEGORY = env("DIRECTORY_SYNC_DEFAULT_CATEGORY", default="执法人员")
# A run that would switch off more people than this is refused (a wrong filter or a half-empty
# directory must not lock everyone out); `sync_directory --allow-mass-deactivation` overrides it.
DIRECTORY_SYNC_MAX_DEACTIVATIONS = env.int("DIRECTORY_SYNC_MAX_DEACTIVATIONS", default=200)
DIRECTORY_SYNC_MAX_UNITS = env.int("DIRECTORY_SYNC_MAX_UNITS", default=10_000)
# When Celery beat runs the sync: five crontab fields in Asia/Shanghai ("minute hour day month
# weekday", e.g. "30 2 * * *"). Empty: never (a schedule registered before is switched off).
DIRECTORY_SYNC_SCHEDULE = env("DIRECTORY_SYNC_SCHEDULE", default="")

# --- Wagtail
WAGTAIL_SITE_NAME = "法治学堂"
WAGTAILADMIN_BASE_URL = SITE_URL
# One way in: every Wagtail sign-in, page-privacy sign-in and password page leads
# to allauth's (config/urls.py redirects the routes Wagtail still registers).
# (accounts/views/signin.py: a visitor goes on to allauth's sign-in; a signed-in
# person without access gets the 403 page instead of a redirect loop).
WAGTAILADMIN_LOGIN_URL = "/cms/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/_util/login/"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Documents always through Wagtail's view and its before_serve_document hook (never a redirect to a storage URL).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "mp4", "webm"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAIL_USER_EDIT_FORM = "accounts.forms.WagtailUserEditForm"
WAGTAIL_USER_CREATION_FORM = "accounts.forms.WagtailUserCreationForm"
WAGTAIL_USER_CUSTOM_FIELDS = ["full_name", "employee_no"]
WAGTAILUSERS_PASSWORD_ENABLED = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Content-Security-Policy (django-csp). The same policy in every environment, so the
# browser tests exercise exactly what production sends. Our templates have no inline
# scripts, style attributes or on*= handlers; an inline <script> would need
# nonce="{{ request.csp_nonce }}". The Wagtail admin under /cms/ needs a relaxed
# script/style policy: see core/csp.py, which also owns the path rule.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        # Lesson videos embedded from a video site (Wagtail's EmbedBlock) play in that site's iframe.
        "frame-src": [SELF, *EMBED_ORIGINS],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Platform
# Year-end figures: the annual requirement defaults used when an administrator
# has not configured a year yet.
DEFAULT_REQUIRED_HOURS = 60
STUDY_MINUTES_PER_HOUR = 45

# --- Logs go to stdout (journald or the container runtime keeps them), one line per record:
# LOG_FORMAT "text" (key=value, for people) or "json" (one object per line, production's default).
# Every request writes a "fazhi.request" line, at WARNING when slower than SLOW_REQUEST_MS;
# every failed Celery task a "fazhi.task" line (core/logging.py, config/celery.py).
LOG_FORMATS = ("text", "json")
LOG_FORMAT = env("LOG_FORMAT", default="text")
SLOW_REQUEST_MS = env.int("SLOW_REQUEST_MS", default=1000)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"()": "core.logging.KeyValueFormatter"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    "loggers": {"fazhi": {"level": "INFO"}},
}
