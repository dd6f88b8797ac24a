"""Settings for every environment, read from environment variables.

With nothing set but a SECRET_KEY, the project runs on its embedded defaults (SQLite, the
in-memory channel layer, the embedded MQTT broker) with DEBUG off. Production sets the
variables listed in docs/configuration.md; `manage.py check --deploy` then passes.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.cache import redis_cache
from config.env import env_bool, env_decimal, env_int, env_list, env_rate, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))

DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production-instrument-commons"
# Off unless asked for: a forgotten variable must not show tracebacks and settings to the
# world. The demo and the tests set what they need without it (config/demo/environment.py).
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (DEBUG=1 for development on this machine; "
        "`make demo` brings its own key)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes={"http", "https"})

INSTALLED_APPS = [
    "daphne",
    # Before the admin, whose registration/ templates would otherwise replace ours.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "schedule",
    "config",
    "instruments",
    "telemetry",
    "booking",
    "billing",
    "openness",
]

MIDDLEWARE = [
    # Probes and /metrics first: answered for any host, over plain http (config/health.py).
    "config.health.ProbesMiddleware",
    "config.logs.RequestIdMiddleware",
    "config.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy, set below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The database away: 503 with Retry-After rather than a 500 (config/unavailable.py).
    "config.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

# Database: PostgreSQL from DATABASE_URL, otherwise an SQLite file. SQLite runs in WAL
# mode with IMMEDIATE transactions so that writers queue on the busy timeout instead
# of failing half-way through a read-check-write.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = env_url("DATABASE_URL", "", schemes={"postgres", "postgresql", "sqlite"})
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
    if DATABASE_URL.startswith("sqlite"):
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    elif env_bool("DB_POOL", True):
        # Under ASGI each request runs in a thread of its own, so a persistent connection
        # (DB_CONN_MAX_AGE) stays behind with a finished thread and leaks. The pool takes each
        # connection back when its request ends and lends it to the next one; it needs
        # CONN_MAX_AGE 0. DB_POOL=0 connects anew per request (or keeps connections, with
        # DB_CONN_MAX_AGE, for processes without ASGI).
        DB_POOL_MIN = env_int("DB_POOL_MIN", 2, minimum=0)
        DB_POOL_MAX = env_int("DB_POOL_MAX", 10, minimum=1)
        if DB_POOL_MIN > DB_POOL_MAX:
            raise ImproperlyConfigured(f"DB_POOL_MIN={DB_POOL_MIN} is above DB_POOL_MAX={DB_POOL_MAX}.")
        if DATABASES["default"]["CONN_MAX_AGE"]:
            raise ImproperlyConfigured("DB_CONN_MAX_AGE must be 0 with the connection pool (DB_POOL=0 turns it off).")
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": DB_POOL_MIN, "max_size": DB_POOL_MAX}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
            # A file, not memory: tests that run servers in other threads or processes
            # must see the same test database.
            "TEST": {"NAME": str(DATA_DIR / "test-db.sqlite3")},
        }
    }
# The database away (a restart, a fail-over): the pool tests a connection before lending it,
# a request waits at most DB_POOL_TIMEOUT seconds for one (then answers 503,
# config/unavailable.py), and a failed reconnection starts afresh after a few seconds instead
# of backing off for minutes, so that requests succeed again soon after the database is back.
if "pool" in DATABASES["default"].get("OPTIONS", {}):
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # with the pool: ConnectionPool.check_connection
    DATABASES["default"]["OPTIONS"]["pool"].update(
        timeout=env_int("DB_POOL_TIMEOUT", 10, minimum=1), reconnect_timeout=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", "", schemes={"redis", "rediss", "unix"})
if REDIS_URL:
    # channels-redis waits 5 s at a time for a consumer's next message; redis-py 8 gives up
    # reading after 5 s by default, which would end every idle WebSocket: read for longer.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# MQTT broker the ingest worker and the demo gateways talk to; empty means the
# embedded broker that `make demo` starts on loopback. The URL carries the ingest
# worker's user name and password: mqtt://ingest:secret@mosquitto:1883
MQTT_URL = env_url("MQTT_URL", "", schemes={"mqtt", "mqtts"})
MQTT_INGEST_USER = "ingest"
MQTT_INGEST_PASSWORD = env_str("MQTT_INGEST_PASSWORD", "ingest-demo-password")  # used when MQTT_URL has none
EMBEDDED_BROKER_PORT = env_int("EMBEDDED_BROKER_PORT", 18830, minimum=1)
MQTT_CA_FILE = env_str("MQTT_CA_FILE")
# The broker address lab gateways use, written into the gateway.toml a manager receives:
# mqtts://mqtt.commons.example.cn:8883. Empty: the host of SITE_URL with MQTT_URL's scheme
# and port (the embedded broker's loopback address when MQTT_URL is empty too).
MQTT_PUBLIC_URL = env_url("MQTT_PUBLIC_URL", "", schemes={"mqtt", "mqtts"})
# Where the broker's password and ACL files are written, and the pid to signal (SIGHUP).
BROKER_AUTH_DIR = env_str("BROKER_AUTH_DIR", str(DATA_DIR / "broker"))
BROKER_PID_FILE = env_str("BROKER_PID_FILE", str(DATA_DIR / "broker" / "broker.pid"))
# Telemetry events outside these bounds are rejected (MQTT v1 contract).
TELEMETRY_MAX_FUTURE_SECONDS = env_int("TELEMETRY_MAX_FUTURE_SECONDS", 300, minimum=0)
TELEMETRY_MAX_AGE_DAYS = env_int("TELEMETRY_MAX_AGE_DAYS", 7, minimum=1)
# Days older than this have settled (no live event can reach them, bookings have settled):
# reports read their figures precomputed per day, and compute later days from the facts.
FIGURES_SETTLED_AFTER_DAYS = env_int("FIGURES_SETTLED_AFTER_DAYS", TELEMETRY_MAX_AGE_DAYS + 1, minimum=1)
# Raw telemetry events are kept this many whole months (0: for ever), and dropped a month at a
# time once settled; sessions, gaps and daily figures are kept. On PostgreSQL each month is a
# partition, made this many months ahead by the jobs worker.
TELEMETRY_RETENTION_MONTHS = env_int("TELEMETRY_RETENTION_MONTHS", 0, minimum=0)
TELEMETRY_PARTITIONS_AHEAD = env_int("TELEMETRY_PARTITIONS_AHEAD", 2, minimum=1)
# Dashboards poll the database for status changes this often (seconds) when the
# channel layer cannot carry the ingest worker's hints (in-memory, one process); 0: off.
TELEMETRY_POLL_SECONDS = float(env_decimal("TELEMETRY_POLL_SECONDS", "0" if REDIS_URL else "1"))
# An approved booking with no running time this long after its start is a no-show.
NO_SHOW_MINUTES = env_int("NO_SHOW_MINUTES", 30, minimum=1)
# Bookings are settled from measured usage this long after their end (late events arrive).
SETTLE_AFTER_MINUTES = env_int("SETTLE_AFTER_MINUTES", 120, minimum=0)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))

# Backups (`manage.py backup`, daily in the jobs worker; docs/configuration.md "Backups"):
# where they go, and how many of the newest are kept.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(DATA_DIR / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14, minimum=1)

# On: static files are served from STATIC_ROOT as `collectstatic` left them (hashed names,
# compressed); off: from the apps' folders as they are (development, tests).
STATIC_COLLECTED = env_bool("STATIC_COLLECTED", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_COLLECTED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))  # for the file-based backend
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Instrument Commons <noreply@instrument-commons.local>")

# Uploads: photos larger than this are refused before Pillow opens them.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = PHOTO_MAX_BYTES + 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# Results of a sample order (委托测试): PDF, XLSX, CSV, ZIP, PNG or JPEG up to this size.
SAMPLE_RESULTS_MAX_BYTES = env_int("SAMPLE_RESULTS_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)

# Instruments worth at least this much (CNY) must be open and are scored.
OPENNESS_THRESHOLD_CNY: Decimal = env_decimal("OPENNESS_THRESHOLD_CNY", "500000")
# Reference (定额) machine hours a year, pro-rated for shorter periods: the Ministry of
# Education's figures for general-purpose (通用) and special-purpose (专用) instruments.
OPENNESS_REFERENCE_HOURS_GENERAL = env_int("OPENNESS_REFERENCE_HOURS_GENERAL", 1400, minimum=1)
OPENNESS_REFERENCE_HOURS_SPECIAL = env_int("OPENNESS_REFERENCE_HOURS_SPECIAL", 800, minimum=1)
# Anomaly flags (openness/flags.py): thresholds of each rule; docs/configuration.md gives
# the reason for each default. Below OPENNESS_FLAG_MIN_COVERAGE (share of the period with
# the gateway reporting) the gateway flag fires and the rules on measured hours stay
# silent, because their evidence would be incomplete.
OPENNESS_FLAG_MIN_COVERAGE: Decimal = env_decimal("OPENNESS_FLAG_MIN_COVERAGE", "0.9")
OPENNESS_FLAG_IDLE_UTILIZATION: Decimal = env_decimal("OPENNESS_FLAG_IDLE_UTILIZATION", "0.25")
OPENNESS_FLAG_IDLE_DAYS = env_int("OPENNESS_FLAG_IDLE_DAYS", 30, minimum=1)
OPENNESS_FLAG_SHARING_RATE: Decimal = env_decimal("OPENNESS_FLAG_SHARING_RATE", "0.07")
OPENNESS_FLAG_DECLARED_RATIO: Decimal = env_decimal("OPENNESS_FLAG_DECLARED_RATIO", "2")
OPENNESS_FLAG_DECLARED_MIN_HOURS: Decimal = env_decimal("OPENNESS_FLAG_DECLARED_MIN_HOURS", "8")
OPENNESS_FLAG_LATE_REGISTRATION_DAYS = env_int("OPENNESS_FLAG_LATE_REGISTRATION_DAYS", 90, minimum=0)
# Instruments catalogued before this date (a province's history imported at once) are not
# judged for late registration: their catalogue date is the import's, not a registration.
try:
    OPENNESS_FLAG_REGISTRATION_FROM = dt.date.fromisoformat(env_str("OPENNESS_FLAG_REGISTRATION_FROM") or "0001-01-01")
except ValueError:
    raise ImproperlyConfigured("OPENNESS_FLAG_REGISTRATION_FROM is not a date like 2026-01-01.") from None
OPENNESS_FLAG_NO_SHOWS = env_int("OPENNESS_FLAG_NO_SHOWS", 3, minimum=1)
OPENNESS_FLAG_BILLED_UNMEASURED = env_int("OPENNESS_FLAG_BILLED_UNMEASURED", 1, minimum=1)

# Billing (billing/pricing.py): VAT on every charge, the payment term, and when a
# requester's cancellation of an approved booking counts as late (fee and credit).
BILLING_VAT_RATE: Decimal = env_decimal("BILLING_VAT_RATE", "0.06")
BILLING_PAYMENT_TERM_DAYS = env_int("BILLING_PAYMENT_TERM_DAYS", 30, minimum=1)
BILLING_INVOICE_PREFIX = env_str("BILLING_INVOICE_PREFIX", "INV")
LATE_CANCEL_HOURS = env_int("LATE_CANCEL_HOURS", 24, minimum=0)
# User credit (booking/credit.py): marks (no-shows, late cancellations, invoices overdue by
# more than CREDIT_OVERDUE_DAYS) counted over CREDIT_WINDOW_DAYS. From CREDIT_APPROVAL_MARKS
# on, a user's new bookings need approval; from CREDIT_SUSPEND_MARKS on, they may not book
# for CREDIT_SUSPEND_DAYS after the last mark.
CREDIT_WINDOW_DAYS = env_int("CREDIT_WINDOW_DAYS", 180, minimum=1)
CREDIT_OVERDUE_DAYS = env_int("CREDIT_OVERDUE_DAYS", 30, minimum=0)
CREDIT_APPROVAL_MARKS = env_int("CREDIT_APPROVAL_MARKS", 2, minimum=1)
CREDIT_SUSPEND_MARKS = env_int("CREDIT_SUSPEND_MARKS", 4, minimum=1)
CREDIT_SUSPEND_DAYS = env_int("CREDIT_SUSPEND_DAYS", 30, minimum=1)
# An organization counts its members' marks and its own (overdue invoices): its thresholds
# are the user's times this factor, since it has many people booking.
CREDIT_ORGANIZATION_FACTOR = env_int("CREDIT_ORGANIZATION_FACTOR", 3, minimum=1)

# Booking: the rules object (swappable) and when reminders go out.
BOOKING_RULES = env_str("BOOKING_RULES", "booking.policy.BookingRules")
BOOKING_REMINDER_HOURS = env_int("BOOKING_REMINDER_HOURS", 24, minimum=1)

# Throttling and sign-in lockout (config/throttle.py, accounts/lockout.py). Counters live in
# the cache: Redis when REDIS_URL is set, so that all web processes count together; else
# each process's memory. Each rate holds per client address and per signed-in user.
CACHES = {
    "default": redis_cache(REDIS_URL) if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Reverse proxies in front of the app that append to X-Forwarded-For; 0: the client address
# is REMOTE_ADDR, and X-Forwarded-For (anyone can write it) is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
THROTTLE_LOGIN = env_rate("THROTTLE_LOGIN", "10/min")
THROTTLE_TOKEN = env_rate("THROTTLE_TOKEN", "10/min")
THROTTLE_SIGNUP = env_rate("THROTTLE_SIGNUP", "5/hour")
THROTTLE_PASSWORD_RESET = env_rate("THROTTLE_PASSWORD_RESET", "5/hour")
THROTTLE_BOOKING = env_rate("THROTTLE_BOOKING", "30/min")
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_WINDOW_MINUTES = env_int("LOGIN_LOCKOUT_WINDOW_MINUTES", 15, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["config.api.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Instrument Commons API",
    "DESCRIPTION": "Catalog, booking and openness of shared research instruments (仪器共享网).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InstrumentStatusEnum": "instruments.models.Instrument.Status",
        "ReservationStatusEnum": "booking.models.Reservation.Status",
    },
}
# The schema documents every operation's error answers too (config/openapi.py).
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "config.openapi.error_responses",
]

# Production hardening, on whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp; docs/configuration.md, "Security headers"): scripts
# and style sheets only from the site's own files, so no inline script, event handler
# attribute or javascript: URL runs. Style attributes stay allowed: the calendars place
# their blocks with computed top/height, and ECharts writes its tooltips with them.
# connect-src 'self' covers same-origin ws:/wss: in CSP Level 3 browsers; the site's own
# socket origin is named for the older ones.
_SITE = urlsplit(SITE_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "style-src-attr": [csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF, f"{'wss' if _SITE.scheme == 'https' else 'ws'}://{_SITE.netloc}"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

# Health, metrics and logs (docs/configuration.md). /metrics answers only requests with
# "Authorization: Bearer <METRICS_TOKEN>", and nothing at all while it is empty. Workers
# serve their own figures on METRICS_PORT when it is set (config/metrics.py).
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_PORT = env_int("METRICS_PORT", 0, minimum=0)
# One JSON object a line for log collectors in production; "text" for people at a terminal
# (the demo and the tests set it).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is neither json nor text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}

SITE_NAME = _("Instrument Commons")
