"""Midas settings: one module, driven by environment variables (see docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from midas.config import (
    ConfigError,
    development_secret_key,
    env_bool,
    env_float,
    env_fx_rates,
    env_int,
    env_list,
    env_optional_bool,
    env_rate_limits,
    env_str,
    var_dir,
)
from midas.notifications.email_url import parse_email_url

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = var_dir()

MIDAS_ENV = env_str("MIDAS_ENV", "development")
if MIDAS_ENV not in {"development", "production"}:
    raise ConfigError(f"MIDAS_ENV must be 'development' or 'production', got {MIDAS_ENV!r}")
PRODUCTION = MIDAS_ENV == "production"

SECRET_KEY = env_str("SECRET_KEY") or ("" if PRODUCTION else development_secret_key(VAR_DIR))
if PRODUCTION and not SECRET_KEY:
    raise ConfigError("SECRET_KEY is required when MIDAS_ENV=production (40+ random characters)")
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The concierge's public details, shown on every page. The defaults are placeholders the
# business must replace before launch (docs/configuration.md).
CONCIERGE_PHONE = env_str("CONCIERGE_PHONE", "+1 (202) 555-0188")
CONCIERGE_PHONE_DUBAI = env_str("CONCIERGE_PHONE_DUBAI", "+971 4 555 0188")
CONCIERGE_EMAIL = env_str("CONCIERGE_EMAIL", "concierge@midasthelifestyle.com")
CONCIERGE_HOURS = env_str("CONCIERGE_HOURS", "Every day, around the clock")

# Support tickets (docs/explanation/concierge.md). Targets the staff inbox times each ticket
# against; the reply address whose +<ticket>.<token> tag threads e-mail answers back into a
# ticket (its domain must receive mail: SendGrid Inbound Parse or `midas mail-in`); the
# password SendGrid sends by basic auth to POST /api/v1/email/inbound (unset: that door is
# closed, 404); limits on attachments; the contact form's minimum fill time.
CONCIERGE_FIRST_RESPONSE_MINUTES = env_int("CONCIERGE_FIRST_RESPONSE_MINUTES", 60)
CONCIERGE_RESOLUTION_HOURS = env_int("CONCIERGE_RESOLUTION_HOURS", 24)
CONCIERGE_REPLY_ADDRESS = env_str(
    "CONCIERGE_REPLY_ADDRESS", "support@" + CONCIERGE_EMAIL.rpartition("@")[2]
)
CONCIERGE_INBOUND_SECRET = env_str("CONCIERGE_INBOUND_SECRET")
CONCIERGE_ATTACHMENT_MAX_BYTES = env_int("CONCIERGE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
CONCIERGE_ATTACHMENTS_PER_MESSAGE = env_int("CONCIERGE_ATTACHMENTS_PER_MESSAGE", 5)
CONCIERGE_CONTACT_MIN_SECONDS = env_int("CONCIERGE_CONTACT_MIN_SECONDS", 3)
CONCIERGE_MAIL_IN_HOST = env_str("CONCIERGE_MAIL_IN_HOST", "127.0.0.1")  # `midas mail-in`
CONCIERGE_MAIL_IN_PORT = env_int("CONCIERGE_MAIL_IN_PORT", 2525)
# Customers of bookings returned this many days ago at most are invited to review them.
CONCIERGE_REVIEW_INVITE_DAYS = env_int("CONCIERGE_REVIEW_INVITE_DAYS", 30)

# Live chat (docs/explanation/chat.md). The bus that wakes open streams: auto = redis with
# REDIS_URL, postgres on PostgreSQL, else poll (the messages table every CHAT_POLL_SECONDS).
CHAT_BUS = env_str("CHAT_BUS", "auto")
CHAT_BUS_PREFIX = env_str("CHAT_BUS_PREFIX", "midas")  # Redis channels <prefix>:chat:<id>
CHAT_REDIS_URL = env_str("CHAT_REDIS_URL")  # the bus on another Redis than REDIS_URL
CHAT_POLL_SECONDS = env_float("CHAT_POLL_SECONDS", 0.25)
# `midas serve` starts the stream process (`midas chat-stream`, uvicorn) on this port for the
# reverse proxy's /chat/events/; 0: the WSGI server serves the streams itself (a thread each).
CHAT_STREAM_PORT = env_int("CHAT_STREAM_PORT", 0)
# With CHAT_STREAM_PORT=0, each WSGI process holds at most this many streams open (a thread
# each); past it a stream answers what is new and the browser comes back 3 s later.
CHAT_WSGI_STREAMS = env_int("CHAT_WSGI_STREAMS", 2)
CHAT_STREAM_MAX_SECONDS = env_int("CHAT_STREAM_MAX_SECONDS", 300)  # then the browser reconnects
CHAT_HEARTBEAT_SECONDS = env_float("CHAT_HEARTBEAT_SECONDS", 15.0)
CHAT_DUTY_SECONDS = env_int("CHAT_DUTY_SECONDS", 90)  # on duty this long after a heartbeat
CHAT_ANSWER_TARGET_SECONDS = env_int("CHAT_ANSWER_TARGET_SECONDS", 120)  # a person answers by

# The go-live control plane is the top layer: with MIDAS_LAUNCH=false the site serves, books
# and pays without it (docs/architecture.md; CI runs the core's tests so).
LAUNCH_INSTALLED = env_bool("MIDAS_LAUNCH", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "ninja",  # its bundled Swagger UI files, so the API docs page needs no CDN
    "django_tasks",
    "django_tasks_db",
    "midas.accounts",
    "midas.catalog",
    "midas.bookings",
    "midas.payments",
    "midas.notifications",
    "midas.concierge",
    "midas.concierge.chat",
    "midas.insights",
    "midas.ops",
    "midas.slo",
    "midas.status",
    "midas.jobs",
    "midas.backups",
    "midas.flags",
    "midas.legacy",
    *(["midas.launch"] if LAUNCH_INSTALLED else []),
    "midas.web",
]

MIDDLEWARE = [
    "midas.slo.middleware.RequestMetricsMiddleware",  # first: times all below it
    "midas.ops.middleware.RequestLogMiddleware",  # request id, one log line each
    "midas.core.compression.CompressionMiddleware",  # br/gzip: after all that edits bodies
    "django.middleware.security.SecurityMiddleware",
    "midas.ops.middleware.SecurityHeadersMiddleware",  # Permissions-Policy, CSP
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "midas.insights.middleware.PageViewMiddleware",  # after auth (signed-in return visitors)
    "midas.ops.middleware.MaintenanceMiddleware",  # after auth: staff pass
    *(["midas.launch.middleware.AccessGateMiddleware"] if LAUNCH_INSTALLED else []),  # gate
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "midas.urls"
WSGI_APPLICATION = "midas.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "midas.web.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_DEFAULT_URL = f"sqlite:///{VAR_DIR / 'midas.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", SQLITE_DEFAULT_URL)
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
    # BEGIN, so check-then-insert (reserve) is serialised; busy timeout waits, not fails.
    # Connections are kept (DB_CONN_MAX_AGE), as on PostgreSQL: a new one costs ~3-4 ms
    # before its first query, as the last one to close takes the -wal and -shm files with it
    # (measured; benchmarks/README.md), more than a cached page costs in all.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    _db["TEST"] = {"NAME": str(VAR_DIR / "test-midas.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
    _db["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
    # its search lookups and type handlers; on SQLite it (and psycopg with it, ~15 MB a
    # process) stays out
    INSTALLED_APPS.insert(INSTALLED_APPS.index("ninja"), "django.contrib.postgres")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Backups (docs/explanation/backups.md) -------------------------------------------------
BACKUP_DIR = Path(env_str("BACKUP_DIR") or VAR_DIR / "backups")
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12)
BACKUP_BEFORE_MIGRATE = env_bool("BACKUP_BEFORE_MIGRATE", default=PRODUCTION)
# Off-site copies: s3://bucket/prefix (empty: none). Credentials come from boto3's own chain
# (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE, an instance role),
# never from a setting of ours, so they are in no settings dump or log line.
BACKUP_S3_URL = env_str("BACKUP_S3_URL")
BACKUP_S3_ENDPOINT_URL = env_str("BACKUP_S3_ENDPOINT_URL")  # MinIO, R2, ...; empty: AWS
BACKUP_S3_REGION = env_str("BACKUP_S3_REGION")  # empty: boto3's (AWS_DEFAULT_REGION, profile)
BACKUP_S3_PATH_STYLE = env_bool("BACKUP_S3_PATH_STYLE", default=False)  # MinIO usually needs it

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# With Redis unreachable the cache answers from each process's memory (midas.core.cache): a
# connect or a command gives up after CACHE_REDIS_TIMEOUT_SECONDS, then Redis is left alone
# for CACHE_REDIS_RETRY_SECONDS before one operation tries it again.
CACHE_REDIS_TIMEOUT_SECONDS = env_float("CACHE_REDIS_TIMEOUT_SECONDS", 0.25)
CACHE_REDIS_RETRY_SECONDS = env_float("CACHE_REDIS_RETRY_SECONDS", 5.0)
if CACHE_REDIS_TIMEOUT_SECONDS <= 0 or CACHE_REDIS_RETRY_SECONDS < 0:
    raise ConfigError("CACHE_REDIS_TIMEOUT_SECONDS must be > 0, CACHE_REDIS_RETRY_SECONDS >= 0")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "midas.core.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "midas"),
            "OPTIONS": {
                "socket_connect_timeout": CACHE_REDIS_TIMEOUT_SECONDS,
                "socket_timeout": CACHE_REDIS_TIMEOUT_SECONDS,
                "RETRY_SECONDS": CACHE_REDIS_RETRY_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Public pages served to anonymous visitors from the cache for at most this long; 0 turns
# the page cache off (docs/explanation/page-cache.md).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
# A gunicorn worker above this resident memory (MB) is restarted after its request; 0: never.
WORKER_MAX_RSS_MB = env_int("WORKER_MAX_RSS_MB", 512)

# --- Background jobs (django-tasks, database backend: no extra server) ---------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Email and the outbox worker (docs/explanation/outbox.md) -----------------------------
_email = parse_email_url(env_str("EMAIL_URL", "mailbox://"))
EMAIL_BACKEND = _email.backend
EMAIL_HOST, EMAIL_PORT, EMAIL_TIMEOUT = _email.host, _email.port, _email.timeout
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email.user, _email.password
EMAIL_USE_TLS, EMAIL_USE_SSL = _email.use_tls, _email.use_ssl
EMAIL_DISPLAY = _email.display  # the URL without its password, for logs
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", f"Midas The Lifestyle <{CONCIERGE_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAILBOX_ECHO = env_bool("MAILBOX_ECHO", default=True)  # mailbox:// also prints each message
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 30)  # first retry; doubles each time
OUTBOX_BACKOFF_MAX_SECONDS = env_int("OUTBOX_BACKOFF_MAX_SECONDS", 3600)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)  # a claimed row is due again after
OUTBOX_BATCH = env_int("OUTBOX_BATCH", 50)  # rows one send_outbox run claims at a time
WORKER_INTERVAL = env_int("WORKER_INTERVAL", 1)  # seconds the worker sleeps when idle

# --- Payments -------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")  # a local stand-in in tests; Stripe's by default
PAYMENT_PROVIDER = "stripe" if STRIPE_SECRET_KEY else "sandbox"
# The sandbox provider's SQLite file; empty: payments-sandbox.sqlite3 in MIDAS_VAR_DIR.
PAYMENT_SANDBOX_PATH = env_str("PAYMENT_SANDBOX_PATH")
HOLD_MINUTES = env_int("HOLD_MINUTES", 15)
REQUEST_HOLD_HOURS = env_int("REQUEST_HOLD_HOURS", 24)  # a request-to-book keeps its slot
APPROVED_HOLD_HOURS = env_int("APPROVED_HOLD_HOURS", 24)  # to pay once staff approve
# Staff are reminded this long before an unanswered request-to-book lapses (0: never).
BOOKING_APPROVAL_REMINDER_MINUTES = env_int("BOOKING_APPROVAL_REMINDER_MINUTES", 120)
PAYMENT_GRACE_MINUTES = env_int("PAYMENT_GRACE_MINUTES", 10)  # a hold mid-payment, past expiry
DEPOSIT_HOLD_LEAD_DAYS = env_int("DEPOSIT_HOLD_LEAD_DAYS", 5)  # deposit hold before the start
DEPOSIT_HOLD_ATTEMPTS = env_int("DEPOSIT_HOLD_ATTEMPTS", 3)
DEPOSIT_RELEASE_DAYS = env_int("DEPOSIT_RELEASE_DAYS", 2)  # deposit released after the return
# The rental terms' version, shown on /terms/ and recorded on each booking whose customer
# accepted them at checkout. Change it with the terms' text (web/terms.html).
TERMS_VERSION = "2026-12-07"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's default first (new hashes, and old ones upgraded on sign-in); bcrypt last, for the
# accounts brought over from the old site (bcryptjs "$2a$" hashes stored as "bcrypt$...").
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
LOGIN_URL = "accounts:login"
# Behind N reverse proxies the client address is the Nth from the right in X-Forwarded-For;
# 0 trusts REMOTE_ADDR only. Rate limits and lockouts key on it (docs/accounts.md).
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", default=True)
# Per-scope overrides of the built-in limits, {scope: (limit, window seconds)}, e.g.
# {"login": (20, 60)}; from RATE_LIMITS="login=20/60,booking_create=5/60". Empty: none.
RATE_LIMITS = env_rate_limits("RATE_LIMITS")

# --- I18n / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600
# Uploaded files (support tickets' attachments) in Django's default storage, under
# MEDIA_ROOT; never served as public files: the pages that may show one stream it.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
# Asset photos (docs/how-to/photos.md): Django's "photos" storage, the filesystem under
# MEDIA_ROOT/photos served at PHOTOS_URL by midas.catalog.photos.views (immutable names,
# cached for a year), or an S3-compatible bucket when PHOTOS_S3_BUCKET is set (credentials
# from boto3's own chain, as for backups). PHOTOS_URL may then be a CDN in front of it.
PHOTOS_S3_BUCKET = env_str("PHOTOS_S3_BUCKET")
PHOTOS_S3_ENDPOINT_URL = env_str("PHOTOS_S3_ENDPOINT_URL")  # MinIO, R2, ...; empty: AWS
PHOTOS_S3_REGION = env_str("PHOTOS_S3_REGION")
PHOTOS_S3_PATH_STYLE = env_bool("PHOTOS_S3_PATH_STYLE", default=False)  # MinIO usually needs it
PHOTOS_URL = env_str("PHOTOS_URL", "" if PHOTOS_S3_BUCKET else "/media/photos/")
STORAGES["photos"] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PHOTOS_S3_BUCKET,
            "endpoint_url": PHOTOS_S3_ENDPOINT_URL or None,
            "region_name": PHOTOS_S3_REGION or None,
            "addressing_style": "path" if PHOTOS_S3_PATH_STYLE else None,
            "custom_domain": PHOTOS_URL.split("://", 1)[-1].rstrip("/") or None,
            "querystring_auth": False,  # variants are public; originals are never linked
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    if PHOTOS_S3_BUCKET
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "photos", "base_url": PHOTOS_URL},
    }
)
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 25 * 1024 * 1024)  # one upload
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 60_000_000)  # past it: a decompression bomb
PHOTO_WIDTHS = [int(w) for w in env_list("PHOTO_WIDTHS", ["480", "800", "1200", "1600", "2000"])]

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
# Off by design behind the proxy, which redirects port 80 (Django would redirect the proxy's
# health checks too: docs/deploy.md); so check --deploy's reminder about it is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_SSL_REDIRECT else ["security.W008"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
# Every subdomain HTTPS-only too, and eligible for the browsers' preload list: on by default
# in production (turn off only for a domain with plain-HTTP subdomains).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Powerful browser features no page of Midas uses, switched off for every response
# (ops.middleware.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), usb=()"
)
# Content-Security-Policy of every response (ops.middleware.SecurityHeadersMiddleware, built by
# midas.ops.csp; docs/explanation/security-headers.md). Scripts and styles come from our own
# static files only: no inline code, no eval, no plugins, no framing, no <base>, forms post
# here. A view that needs another policy sets the header itself.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # data: for the status page's empty favicon and Swagger UI's icons; CSP_IMAGE_HOSTS for
    # asset images given as absolute URLs (AssetImage.src) on another host, e.g. a media CDN
    "img-src": ["'self'", "data:", *env_list("CSP_IMAGE_HOSTS", [])],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# Added while STRIPE_PUBLISHABLE_KEY is set (the payment pages then load Stripe.js): Stripe's
# documented sources (docs.stripe.com/security/guide), and its 3-D Secure page, which a card
# payment's POST may redirect to.
SECURE_CSP_STRIPE = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
    "form-action": ["https://hooks.stripe.com"],
}
# Templates whose inline <style>/<script> blocks are allowed by their sha256 hash: the pages
# that must stand alone (no static file), and the one block Django's admin writes inline (a
# change list without actions).
SECURE_CSP_HASHED_TEMPLATES = [
    "500.html",
    "ops/maintenance.html",
    "status/_base.html",
    "admin/change_list.html",
]

# Retry-After (seconds) on the 503 answered while the database cannot be reached.
UNAVAILABLE_RETRY_AFTER = env_int("UNAVAILABLE_RETRY_AFTER", 30)

# --- Readiness thresholds (docs/explanation/health.md): warn, and fail (0: never fails) -------
HEALTH_WORKER_WARN_SECONDS = env_int("HEALTH_WORKER_WARN_SECONDS", 120)
HEALTH_WORKER_FAIL_SECONDS = env_int("HEALTH_WORKER_FAIL_SECONDS", 0)
HEALTH_OUTBOX_WARN = env_int("HEALTH_OUTBOX_WARN", 100)
HEALTH_OUTBOX_FAIL = env_int("HEALTH_OUTBOX_FAIL", 0)
HEALTH_OUTBOX_WARN_AGE_SECONDS = env_int("HEALTH_OUTBOX_WARN_AGE_SECONDS", 600)
HEALTH_DISK_WARN_MB = env_int("HEALTH_DISK_WARN_MB", 1024)
HEALTH_DISK_FAIL_MB = env_int("HEALTH_DISK_FAIL_MB", 100)
HEALTH_BACKUP_WARN_HOURS = env_int("HEALTH_BACKUP_WARN_HOURS", 26)  # newest verified backup

# --- Metrics and SLO (docs/explanation/slo.md) ----------------------------------------------
METRICS_TOKEN = env_str("METRICS_TOKEN")  # bearer token for /metrics; unset: loopback only
SLO_UPTIME_TARGET = env_float("SLO_UPTIME_TARGET", 99.9)  # percent
SLO_AVG_MS_TARGET = env_int("SLO_AVG_MS_TARGET", 2500)  # average response time below
SLO_ERROR_RATE_TARGET = env_float("SLO_ERROR_RATE_TARGET", 0.1)  # percent, below
SLO_DEGRADED_MS = env_int("SLO_DEGRADED_MS", 2500)  # a probe slower than this: degraded
SLO_FLUSH_SECONDS = env_int("SLO_FLUSH_SECONDS", 5)  # request aggregates written this often
# Flush them from the request path? Unset (None): yes, except under Django's test runner.
SLO_AUTO_FLUSH = env_optional_bool("SLO_AUTO_FLUSH")
SLO_REQUEST_RETENTION_DAYS = env_int("SLO_REQUEST_RETENTION_DAYS", 35)
SLO_PROBE_RETENTION_DAYS = env_int("SLO_PROBE_RETENTION_DAYS", 92)
SLO_PROBE_MODE = env_str("SLO_PROBE_MODE", "client")  # client (in-process) | http (SITE_URL)
SLO_PROBE_TIMEOUT = env_int("SLO_PROBE_TIMEOUT", 10)
# Where http probes go (the public URL through the proxy); empty: SITE_URL.
SLO_PROBE_URL = env_str("SLO_PROBE_URL")

# --- First-party analytics (docs/explanation/insights.md) ----------------------------------
INSIGHTS_ENABLED = env_bool("INSIGHTS_ENABLED", default=True)  # record page views at all
INSIGHTS_RETENTION_DAYS = env_int("INSIGHTS_RETENTION_DAYS", 90)  # raw views; rollups kept
INSIGHTS_FLUSH_SECONDS = env_int("INSIGHTS_FLUSH_SECONDS", 10)  # buffered views written this often
INSIGHTS_FLUSH_SIZE = env_int("INSIGHTS_FLUSH_SIZE", 500)  # ... or once this many wait
# Flush from the request path? Unset (None): yes, except under Django's test runner.
INSIGHTS_AUTO_FLUSH = env_optional_bool("INSIGHTS_AUTO_FLUSH")

# --- The launch (docs/launch.md) ------------------------------------------------------------
RELEASE = env_str("MIDAS_RELEASE", "dev")  # the deployed release id; a new one in a freeze alerts
SLACK_WEBHOOK_URL = env_str("SLACK_WEBHOOK_URL")  # #launch-ops incoming webhook; unset: no Slack
SLACK_CHANNEL = env_str("SLACK_CHANNEL")  # the webhook's channel's name; empty: #launch-ops
SLACK_TIMEOUT = env_int("SLACK_TIMEOUT", 10)  # seconds per webhook POST
LAUNCH_TEAM_EMAIL = env_list("LAUNCH_TEAM_EMAIL", [])  # the team's second channel
LAUNCH_ROLLBACK_HOOK = env_str(
    "LAUNCH_ROLLBACK_HOOK"
)  # command that activates the previous release
LAUNCH_ROLLBACK_HOOK_TIMEOUT = env_int("LAUNCH_ROLLBACK_HOOK_TIMEOUT", 300)  # seconds
# The downtime trigger: a probe failing in each of this many minutes (the plan's 5).
LAUNCH_DOWNTIME_MINUTES = env_int("LAUNCH_DOWNTIME_MINUTES", 5)
LAUNCH_P95_MS = env_float("LAUNCH_P95_MS", 2500.0)  # go/no-go: p95 over the last hour below
LAUNCH_BURN_RATE_MAX = env_float("LAUNCH_BURN_RATE_MAX", 2.0)  # go/no-go: 6 h burn rate below
# The security trigger: this many sign-in lockouts within the window is a burst.
LAUNCH_SECURITY_LOCKOUTS = env_int("LAUNCH_SECURITY_LOCKOUTS", 5)
LAUNCH_SECURITY_WINDOW_MINUTES = env_int("LAUNCH_SECURITY_WINDOW_MINUTES", 10)
LAUNCH_VISITOR_COOKIE = env_str("LAUNCH_VISITOR_COOKIE", "midas_visitor")
# The launch report's revenue: every currency converted into LAUNCH_REPORT_CURRENCY at these
# rates ("CODE=rate": 1 CODE = rate of the report currency). AED is pegged at 3.6725 per USD.
LAUNCH_REPORT_CURRENCY = env_str("LAUNCH_REPORT_CURRENCY", "USD").upper()
LAUNCH_FX_RATES = env_fx_rates("LAUNCH_FX_RATES", "AED=0.2723")
SMOKE_TOKEN = env_str("SMOKE_TOKEN")  # lets `midas smoke` read its own test email back
SMOKE_EMAIL_DOMAIN = env_str("SMOKE_EMAIL_DOMAIN")  # smoke accounts' domain; empty: example.com
SMOKE_HOME_MAX_MS = env_int("SMOKE_HOME_MAX_MS", 2500)  # the smoke's home page step's limit
# The worker's smoke keeps running this long after "launched" (the plan's launch week).
LAUNCH_SMOKE_AFTER_LAUNCH_HOURS = env_int("LAUNCH_SMOKE_AFTER_LAUNCH_HOURS", 168)
# PagerDuty Events API v2: the service integration's routing key (a secret); unset: no paging.
PAGERDUTY_ROUTING_KEY = env_str("PAGERDUTY_ROUTING_KEY")
PAGERDUTY_API_URL = env_str("PAGERDUTY_API_URL", "https://events.pagerduty.com/v2/enqueue")
PAGERDUTY_TIMEOUT = env_int("PAGERDUTY_TIMEOUT", 10)  # seconds per event POST
# PagerDuty telling us back (Webhooks V3): the webhook subscription's signing secret; several,
# comma-separated, while rotating. Unset: /launch/pagerduty/webhook answers 404.
PAGERDUTY_WEBHOOK_SECRET = env_str("PAGERDUTY_WEBHOOK_SECRET")
# SMS through Twilio's Messages API (pages to the launch team's phones): the account, its
# auth token (a secret: added at delivery, never stored nor logged), and the sender, a Twilio
# number (E.164) or a Messaging Service (MG…, preferred when both are set). Unset: no SMS.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM = env_str("TWILIO_FROM")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_API_URL = env_str("TWILIO_API_URL", "https://api.twilio.com")
TWILIO_TIMEOUT = env_int("TWILIO_TIMEOUT", 10)  # seconds per message POST

# --- Logging --------------------------------------------------------------------------------
# One JSON object per line in production, a readable line in development (LOG_FORMAT);
# every line carries the request id and has its secrets masked (docs/explanation/logs.md).
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ConfigError(f"LOG_FORMAT must be 'json' or 'plain', got {LOG_FORMAT!r}")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
_SDK_LOG_LEVEL = "INFO" if LOG_LEVEL in {"DEBUG", "NOTSET"} else LOG_LEVEL
# Django's dictConfig, then Python's warnings as log lines too (py.warnings).
LOGGING_CONFIG = "midas.ops.logs.config.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "midas.ops.logs.formatters.PlainFormatter"},
        "json": {"()": "midas.ops.logs.formatters.JsonFormatter", "release": RELEASE},
    },
    "filters": {
        "request": {"()": "midas.ops.logs.context.RequestContext"},
        "redact": {"()": "midas.ops.logs.redaction.RedactSecrets"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # the AWS SDK's DEBUG lines carry request headers (a session token): never below INFO
        **{sdk: {"level": _SDK_LOG_LEVEL} for sdk in ("boto3", "botocore", "s3transfer")},
    },
}

ALLOW_SQLITE = env_bool("ALLOW_SQLITE", default=False)
