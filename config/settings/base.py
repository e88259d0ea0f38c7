"""Settings shared by every environment. Every knob comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from config.env import (
    BASE_DIR,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_zone,
)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "procrastinate.contrib.django",
    "core",
    "accounts",
    "audit",
    "historian",
    "ebr",
    "collectors",
    "lims_bridge",
    "reports",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files served by the application server itself (gunicorn has no file server):
    # from STATIC_ROOT after collectstatic, compressed and cached.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.NotFoundPageMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "portal.context_processors.navigation",
            ],
            "builtins": ["core.templatetags.times"],
        },
    }
]

# --- database -----------------------------------------------------------------
# DATABASE_URL is the runtime role. Commands that change the schema run as the
# migration role (MIGRATION_DATABASE_URL) with the owner role assumed, so every
# table belongs to the NOLOGIN owner and never to the role the app runs as.
DB_ROLE = env_str("LEDGERLINE_DB_ROLE", "runtime")
OWNER_ROLE = env_str("LEDGERLINE_OWNER_ROLE", "ledgerline_owner")
RUNTIME_ROLE = env_str("LEDGERLINE_RUNTIME_ROLE", "ledgerline_app")
TEMPLATE_DB = env_str("LEDGERLINE_TEMPLATE_DB", "")


def _database() -> dict[str, object]:
    if DB_ROLE == "migration":
        url = env_str("MIGRATION_DATABASE_URL") or env_str("DATABASE_URL")
    else:
        url = env_str("DATABASE_URL")
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set: run 'make db-start' (local cluster) or point "
            "DATABASE_URL at a PostgreSQL with TimescaleDB (see README)."
        )
    db = database_from_url(url)
    options = db["OPTIONS"]
    assert isinstance(options, dict)
    if DB_ROLE == "migration" and OWNER_ROLE:
        options.setdefault("assume_role", OWNER_ROLE)
    options.setdefault("application_name", f"ledgerline-{DB_ROLE}")
    db["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    db["CONN_HEALTH_CHECKS"] = True
    db["ATOMIC_REQUESTS"] = False
    if TEMPLATE_DB:
        db["TEST"] = {"TEMPLATE": TEMPLATE_DB, "NAME": env_str("LEDGERLINE_TEST_DB", "") or None}
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts (21 CFR 11.10(d), 11.300; NIST SP 800-63B) ------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutAwareBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("LEDGERLINE_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
LOCKOUT_THRESHOLD = env_int("LEDGERLINE_LOCKOUT_THRESHOLD", 5)
IDLE_TIMEOUT_SECONDS = env_int("LEDGERLINE_IDLE_TIMEOUT_SECONDS", 15 * 60)
API_TOKEN_TTL = timedelta(days=env_int("LEDGERLINE_API_TOKEN_TTL_DAYS", 90))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env_int("LEDGERLINE_SESSION_MAX_AGE_SECONDS", 12 * 3600)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- time -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# Stored and exchanged in UTC; shown in the site's zone with UTC beside it where it matters
# (signatures, events): Django renders and reads form input in TIME_ZONE.
USE_TZ = True
TIME_ZONE = env_zone("LEDGERLINE_SITE_TIME_ZONE", "UTC")
USE_I18N = True

# --- static files -----------------------------------------------------------------
STATIC_URL = "/static/"
# Front-end libraries come from the npm registry (package.json, installed by make).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/uplot", BASE_DIR / "node_modules" / "uplot" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise also finds files where they lie (apps, STATICFILES_DIRS) when they were not
# collected: a local production server works before `collectstatic`; production's hashed
# names exist only in STATIC_ROOT.
WHITENOISE_USE_FINDERS = True

# --- API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.CapabilityPermission"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.LedgerlineAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# --- audit -------------------------------------------------------------------------
# The application host's own state: the signing key and the witness journal. Never in the
# database, never under .data/ (the postgres OS user owns it); created mode 0700 by the
# application's OS user. Back it up apart from the database (README, "Keys and journal").
STATE_DIR = env_str("LEDGERLINE_STATE_DIR", str(BASE_DIR / ".state"))
SIGNING_KEY_DIR = env_str("LEDGERLINE_SIGNING_KEY_DIR", str(Path(STATE_DIR) / "keys"))
SIGNING_KEY_CREATE = env_bool("LEDGERLINE_SIGNING_KEY_CREATE", True)
WITNESS_DIR = env_str("LEDGERLINE_WITNESS_DIR", str(Path(STATE_DIR) / "witness"))
WITNESS_MIRROR_DIR = env_str("LEDGERLINE_WITNESS_MIRROR_DIR", "")
# Checkpoints every N minutes (a divisor of 60), plus on demand; overdue after 1.5 periods.
# Who checks a signer's password: a dotted path, so the audit app imports no account code.
SIGNING_AUTHENTICATOR = "accounts.services.authenticate_signer"
CHECKPOINT_MINUTES = env_int("LEDGERLINE_CHECKPOINT_MINUTES", 5)
CHECKPOINT_CRON = env_str("LEDGERLINE_CHECKPOINT_CRON", f"*/{CHECKPOINT_MINUTES} * * * *")
VERIFY_CRON = env_str("LEDGERLINE_VERIFY_CRON", "30 2 * * *")

# --- reports -------------------------------------------------------------------------
# The installation's own report-signing certificate and key (made once), unless the site
# configures its PKI (LEDGERLINE_REPORT_CERT, _KEY, _CHAIN; README, "Signed reports").
REPORT_SIGNING_DIR = env_str("LEDGERLINE_REPORT_SIGNING_DIR", str(Path(STATE_DIR) / "reports"))
REPORT_SIGNING_ORGANISATION = env_str("LEDGERLINE_SITE_NAME", "Ledgerline")

# simple-history's tables and API serve per-record history; its rows are written
# by the audit capture triggers in the database, so its own signal writes are off.
SIMPLE_HISTORY_ENABLED = False

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("LEDGERLINE_MAX_BODY_BYTES", 32 * 1024 * 1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "Ledgerline API",
    "DESCRIPTION": (
        "GxP historian and electronic batch record: the integration contract.\n\n"
        "[← Back to Ledgerline](/) · Machine clients send `Authorization: Token <key>`; the "
        "browser uses its session. Times are ISO 8601 with an offset, windows half-open "
        '`[start, end)`. Errors: `{"error", "detail", "fields", "items"}` with '
        "`error` one of `unauthenticated` (401), `forbidden` (403), `not_found` (404), "
        "`invalid` (400), `unprocessable` (422), `conflict` and `idempotency_mismatch` (409), "
        "`signature_failed` (403), `too_large` (413), `unavailable` (503, with `Retry-After`: the "
        "database is not answering; send the same request again). On any 4xx nothing is stored."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "LotStatusEnum": "ebr.models.LotStatus",
        "MasterStatusEnum": "ebr.models.MasterStatus",
        "BatchStatusEnum": "ebr.models.BatchStatus",
        "DeviationStatusEnum": "ebr.models.DeviationStatus",
        "ExceptionKindEnum": "ebr.models.ExceptionKind",
        "VerificationStatusEnum": "audit.models.VerificationRun.Status",
    },
}

# --- logging ------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LEDGERLINE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
    },
}
