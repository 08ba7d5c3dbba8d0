"""Settings for Zairyu Back Office, driven by environment variables.

With no variables set the app runs embedded: SQLite in ``var/``, a Celery broker on
the filesystem (no Redis), mail written to ``var/mail``. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and the EMAIL_* variables.
"""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from backoffice.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ZAIRYU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
_INSECURE_DEFAULT_KEY = "embedded-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_DEFAULT_KEY)
PRODUCTION = env_bool("PRODUCTION", False)
if PRODUCTION and SECRET_KEY == _INSECURE_DEFAULT_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when PRODUCTION=1")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "backoffice.accounts",
    "backoffice.access",
    "backoffice.audit",
    "backoffice.workbench",
    "institutions",
    "reviews",
    "usage_requests",
    "individuals",
    "applications",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "backoffice.access.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "backoffice.audit.middleware.RequestIdMiddleware",
    "usage_requests.middleware.AuthIdSessionMiddleware",
    "backoffice.access.middleware.AccessPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "backoffice.access.context.navigation",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "zairyu.sqlite3",
            # IMMEDIATE takes the write lock at BEGIN, so two writers appending to an
            # audit chain queue up instead of failing half-way with "database is locked".
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "backoffice.access.backends.PasswordBackend",
    "usage_requests.backends.AuthenticationIdBackend",
    "applications.backends.CardholderFallbackBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "access:login"

# Lockout: five failures for one username from one address lock that pair for 30 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "access/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Zairyu Back Office"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [Path(env_str("ZAIRYU_LOCALE_DIR", str(BASE_DIR / "locale")))]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Celery -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
_celery_dir = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    # Embedded default: a broker that needs no server, so long jobs still run in a
    # real background worker with progress (never eager mode).
    for _sub in ("queue", "processed", "control", "results"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_celery_dir / "control"),
        "polling_interval": 0.2,
    }
    CELERY_RESULT_BACKEND = "file://" + str(_celery_dir / "results")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "workbench.outbox_deliver": {"queue": "mail"},
    "workbench.outbox_flush": {"queue": "mail"},
    "workbench.export_run": {"queue": "reports"},
}
CELERY_BEAT_SCHEDULE = {
    "outbox-flush": {"task": "workbench.outbox_flush", "schedule": 60.0},
    "exports-expire": {"task": "workbench.exports_expire", "schedule": crontab(minute=15)},
    "audit-verify-nightly": {"task": "audit.verify_all", "schedule": 24 * 3600.0},
    "auth-ids-daily": {"task": "usage_requests.daily", "schedule": crontab(hour=1, minute=30)},
    "jpki-crls": {"task": "individuals.crls_import", "schedule": crontab(minute=15)},
    # §7.3: receipt numbers reach filers the day after filing at about 02:10 (CELERY_TIMEZONE is Japan time).
    "application-receipts": {"task": "applications.receipts_assign", "schedule": crontab(hour=2, minute=10)},
    # Daily; acts only on the first business day of a month: last month's statistics reports.
    "monthly-reports": {
        "task": "reporting.monthly_reports",
        "schedule": crontab(hour=6, minute=30),
        "options": {"queue": "reports"},
    },
}
CELERY_TIMEZONE = TIME_ZONE

# --- Mail -------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@zairyu-backoffice.example")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- Eligibility rules --------------------------------------------------------
# R2026's facts come from secondary sources (§13 D1): an administrator can switch it off,
# and R2022 then stays in force.
RULESET_R2026_ENABLED = env_bool("RULESET_R2026_ENABLED", True)

# --- My Number Card (JPKI, §13 D6) ---------------------------------------------
# SHA-256 fingerprints of the J-LIS roots an administrator may load (check them against
# J-LIS's published list before pinning; jpki.md §2.1). Nothing else is trusted.
JPKI_PINNED_FINGERPRINTS = env_list("JPKI_PINNED_FINGERPRINTS", [])
# Production requires a fresh CRL for every verification; without one a signature is refused
# with "revocation not checked". Off by default only so that a demo runs without CRLs.
JPKI_REQUIRE_REVOCATION_CHECK = env_bool("JPKI_REQUIRE_REVOCATION_CHECK", False)
# A signed application through the API (§13 D10) is a legal act: refused unless the signature
# certificate's revocation was checked against a current CRL. Only a demo without CRLs turns it off.
JPKI_API_REQUIRE_REVOCATION_CHECK = env_bool("JPKI_API_REQUIRE_REVOCATION_CHECK", True)
JPKI_NONCE_SECONDS = env_int("JPKI_NONCE_SECONDS", 300)
# Where the operator's fetch job drops J-LIS CRLs; the beat task imports them hourly.
JPKI_CRL_DIR = env_str("JPKI_CRL_DIR", str(VAR_DIR / "crls"))

# --- Workbench --------------------------------------------------------------
WORKBENCH_PAGE_SIZE = env_int("WORKBENCH_PAGE_SIZE", 50)
# Counting stops here: "10,000+" is as useful to a reader as an exact figure and
# keeps a list over a million rows from scanning them all for a number.
WORKBENCH_COUNT_CAP = env_int("WORKBENCH_COUNT_CAP", 10_000)
# An export holds at most this many rows: a worksheet holds 1,048,576, and both formats stream.
WORKBENCH_EXPORT_MAX_ROWS = env_int("WORKBENCH_EXPORT_MAX_ROWS", 1_000_000)
# On PostgreSQL the database writes the export cells it can, and a UTF-8 CSV whole by COPY
# (workbench/export_plan.py); off: Python renders every cell, as on SQLite.
WORKBENCH_EXPORT_COPY = env_bool("WORKBENCH_EXPORT_COPY", True)
# Uploads to a public /verify/<number>/ page per address and hour (reporting/verify_views.py).
VERIFY_UPLOADS_PER_HOUR = env_int("VERIFY_UPLOADS_PER_HOUR", 60)
# An export this small is written in the request and downloaded at once; larger ones go to the worker.
WORKBENCH_EXPORT_INLINE_ROWS = env_int("WORKBENCH_EXPORT_INLINE_ROWS", 2_000)
# A finished export's download link works this long; the hourly task then deletes the file.
WORKBENCH_EXPORT_LINK_HOURS = env_int("WORKBENCH_EXPORT_LINK_HOURS", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The application API (applications/api): operators authenticate themselves; errors are problem details.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "applications.api.framework.problem_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zairyu application API (申請情報連携API)",
    "DESCRIPTION": "For private services on the Mynaportal route: see docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Browsable docs from packaged assets, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}
# Per-operator rate limits are counted where every web worker sees them.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
    ),
}
