"""Hark settings: one env-driven module with embedded defaults.

A fresh machine needs no variables at all (SQLite under var/, local media, the ORM broker,
the local engine). Every setting that matters at scale is an environment variable listed
in the README's configuration table.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_decimal, env_decimal_map, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HARK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("HARK_DEBUG", True)
SECRET_KEY = env_str("HARK_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set HARK_SECRET_KEY when HARK_DEBUG is off.")
    # Development only: a stable key per checkout so sessions survive restarts.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env_list("HARK_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("HARK_CSRF_TRUSTED_ORIGINS", "")
# The public base URL shown in API examples; empty means "the host the request came to".
HARK_PUBLIC_URL = env_str("HARK_PUBLIC_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "allauth",
    "allauth.account",
    "accounts",
    "billing",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.organization",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hark.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so the web process and the
    # worker queue for it instead of failing with "database is locked" on upgrade.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so worker processes started by the tests share it; one per
    # test run, so concurrent runs on one machine do not trample each other.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-hark-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("HARK_EMAIL_VERIFICATION", "none")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

EMAIL_BACKEND = env_str("HARK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("HARK_FROM_EMAIL", "Hark <noreply@localhost>")

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(env_str("HARK_MEDIA_ROOT", str(VAR_DIR / "media")))
_s3_bucket = env_str("HARK_S3_BUCKET", "")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _s3_bucket,
                "endpoint_url": env_str("HARK_S3_ENDPOINT_URL", "") or None,
                "default_acl": None,
                "querystring_auth": True,
            },
        }
        if _s3_bucket
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(MEDIA_ROOT)},
        }
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads always go to a temporary file, so a large upload never sits in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "uploads")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Hark -----------------------------------------------------------------------------
HARK_MAX_UPLOAD_MB = env_int("HARK_MAX_UPLOAD_MB", 500)
HARK_MAX_DURATION_SECONDS = env_int("HARK_MAX_DURATION_SECONDS", 4 * 3600)
HARK_SIGNUP_GRANT = env_decimal("HARK_SIGNUP_GRANT", "60")
HARK_PRICE_PER_MINUTE = env_decimal("HARK_PRICE_PER_MINUTE", "1")
# Per-engine prices override HARK_PRICE_PER_MINUTE, e.g. "local=1,openai=3".
HARK_ENGINE_PRICES = env_decimal_map("HARK_ENGINE_PRICES", "")
HARK_ENGINES = env_list("HARK_ENGINES", "local")
HARK_DEFAULT_ENGINE = env_str("HARK_DEFAULT_ENGINE", HARK_ENGINES[0] if HARK_ENGINES else "local")
# A claimed job whose worker has not reported for this long is considered abandoned.
HARK_JOB_LEASE_SECONDS = env_int("HARK_JOB_LEASE_SECONDS", 300)
HARK_JOB_MAX_ATTEMPTS = env_int("HARK_JOB_MAX_ATTEMPTS", 3)
# How long an OpenAI-compatible request waits for its job before answering 504 (the job
# goes on and can be fetched from the native API).
HARK_SYNC_TIMEOUT_SECONDS = env_int("HARK_SYNC_TIMEOUT_SECONDS", 600)
# Requests per organization, e.g. "600/min" (DRF rate syntax).
HARK_API_RATE = env_str("HARK_API_RATE", "600/min")

# --- Worker (django-q2, ORM broker on the same database) ------------------------------
HARK_WORKERS = env_int("HARK_WORKERS", 2)
Q_CLUSTER = {
    "name": "hark",
    "orm": "default",
    "workers": HARK_WORKERS,
    # Recycle workers so a leak in a native library cannot grow without bound.
    "recycle": 200,
    "timeout": env_int("HARK_TASK_TIMEOUT_SECONDS", 4 * 3600),
    # Must exceed timeout; the lease sweeper recovers abandoned jobs much sooner.
    "retry": env_int("HARK_TASK_TIMEOUT_SECONDS", 4 * 3600) + 60,
    "max_attempts": 0,
    "poll": 0.2,
    "catch_up": False,
    "save_limit": 1000,
    "ack_failures": True,
    "label": "Worker tasks",
}

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "config.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.OrganizationRateThrottle"],
    "UNAUTHENTICATED_USER": None,
    # ``?format=`` selects a transcript export (srt, vtt…), as AudioToTextAI's API does;
    # DRF's own use of it for renderer negotiation would turn those into 404s.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hark API",
    "DESCRIPTION": (
        "Speech-to-text for your applications. Authenticate with "
        "`Authorization: Bearer <key>` (or `Token <key>`). Errors are always "
        '`{"error": "<code>", "message": "<sentence>"}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HARK_LOG_LEVEL", "INFO")},
}
