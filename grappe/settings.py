"""Grappe settings: one file, configured by environment variables (see .env.example).

Every variable is read through a small helper that fails loudly on a bad value.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

_PLACEHOLDER_SECRET = "dev-only-insecure-secret-key-change-me"  # noqa: S105


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no)")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", _PLACEHOLDER_SECRET)
# Django's own deploy check (security.W009) asks for the same: 50 characters, 5 distinct.
SECRET_KEY_MIN_LENGTH = 50
_KEY_ADVICE = "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(64))'"
if not DEBUG and SECRET_KEY == _PLACEHOLDER_SECRET:
    raise ImproperlyConfigured(
        f"DEBUG is false but SECRET_KEY is the placeholder: set SECRET_KEY ({_KEY_ADVICE})."
    )
if not DEBUG and len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"DEBUG is false but SECRET_KEY is {len(SECRET_KEY)} characters long: it needs at least "
        f"{SECRET_KEY_MIN_LENGTH} ({_KEY_ADVICE})."
    )
if not DEBUG and len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        f"DEBUG is false but SECRET_KEY has {len(set(SECRET_KEY))} distinct characters: it needs "
        f"at least 5 ({_KEY_ADVICE})."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # First, so that its `createsuperuser` (which audits the new account) and `flush` (which may
    # empty the append-only audit log) replace Django's. Its only static files are under grappe/
    # (the site stylesheet and icon), so it shadows none of the admin's.
    "grappe.core",
    "grappe.core.backoffice_config.BackOfficeAdminConfig",  # the admin, asking the role table
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI and Redoc from its own static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "django_filters",  # the lists' FilterSets (its French messages come with it)
    "axes",  # failed logins recorded, lockout (the web hygiene block at the end)
    "grappe.notifications",  # inbox and e-mails, just above core: every app may notify
    "grappe.registry",
    "grappe.funding",
    "grappe.projects",
    "grappe.attestations",
    "grappe.labelling",
    "grappe.grants",
    "grappe.matchmaking",
    "grappe.evaluation",
    "grappe.interop",
    "grappe.decisions",
    "grappe.demo",  # the top layer: `load_demo` and the demo banner
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "grappe.core.limits.BodySizeLimitMiddleware",  # 413 before CSRF reads a form
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "grappe.urls"
WSGI_APPLICATION = "grappe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grappe.core.context_processors.site",
                "grappe.notifications.context_processors.unread",
            ],
        },
    },
]

_DEFAULT_SQLITE = f"sqlite:///{PROJECT_DIR / 'grappe.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(env_str("DATABASE_URL", _DEFAULT_SQLITE), conn_max_age=60)
    }
except ValueError as exc:  # an unknown scheme or malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
# SQLite for concurrent web use (several workers and threads writing): every transaction takes
# the write lock when it begins (IMMEDIATE), so a transaction that has read never has to upgrade
# to a write lock another writer holds (SQLite's immediate "database is locked"); a writer waits
# up to `timeout` seconds for the lock instead of failing; WAL lets readers go on while one
# writes. Proved by `core/tests/test_sqlite_concurrency.py`; figures: benchmarks/sqlite_writers.py.
SQLITE_BUSY_TIMEOUT_SECONDS = 20
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS

# PostgreSQL: the API's compiled statements (`core/compiled.py`) run as prepared statements,
# parsed and planned once per connection. Off behind a pooler that cannot keep them (pgbouncer
# in transaction mode before 1.21); every other query binds in the client, Django's default.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(PROJECT_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# In development static files come from the apps (finders); STATIC_ROOT exists after collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

# Mail (the e-mails of notifications, grappe.notifications): printed on the console in development.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Grappe <noreply@localhost>")
# Reminders (`grappe notifications remind`, hourly from cron; docs/notifications.md): a committee
# member who has not scored is reminded this many days before the session's meeting; an
# invitation still unanswered after this many days is recalled to the invited organisation; a
# grant report is recalled this many days before it is due (then once when overdue).
REMINDER_SCORE_DAYS_BEFORE = env_int("REMINDER_SCORE_DAYS_BEFORE", 3)
REMINDER_INVITATION_PENDING_DAYS = env_int("REMINDER_INVITATION_PENDING_DAYS", 7)
REMINDER_REPORT_DAYS_BEFORE = env_int("REMINDER_REPORT_DAYS_BEFORE", 14)
# The site's address as users reach it, for links in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Label attestations (docs/attestations.md): the PEM file holding the Ed25519 private key that
# signs them (never in the database), and whether a missing one may be generated (by default in
# development and tests only; in production create it with `grappe attestation keygen`).
# A relative path is read from the project folder.
ATTESTATION_SIGNING_KEY_FILE = PROJECT_DIR / env_str(
    "ATTESTATION_SIGNING_KEY_FILE", "var/attestation-signing-key.pem"
)
ATTESTATION_SIGNING_KEY_AUTOCREATE = env_bool("ATTESTATION_SIGNING_KEY_AUTOCREATE", DEBUG)
# The issuer named in every attestation.
ATTESTATION_ISSUER_NAME = env_str("ATTESTATION_ISSUER_NAME", "Grappe")
# Uploaded import files of runs that failed, were refused or were abandoned (previewed and never
# imported) are deleted after this many days by `grappe purge_uploads` (docs/imports.md).
IMPORT_UPLOAD_RETENTION_DAYS = env_int("IMPORT_UPLOAD_RETENTION_DAYS", 7, minimum=1)

# The funder whose programme the home page sums up ("N M€ since YEAR, P projects, S start-ups"),
# computed from its granted funding lines (docs/operations.md).
HOME_PROGRAMME_FUNDER = env_str("HOME_PROGRAMME_FUNDER", "city-of-paris")
# --- bounded work (docs/operations.md, "Limits") ---
# Request bodies: a larger one is refused with 413 before it is read. Uploads (CORDIS/ANR files,
# member sheets) have their own, larger limit, on their views only.
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 256 * 1024, minimum=1024)
UPLOAD_MAX_BODY_BYTES = env_int("UPLOAD_MAX_BODY_BYTES", 51 * 1024 * 1024, minimum=1024)
# Django's own bound on the non-file part of a form (and on request.body, which ninja reads).
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
# The aid simulation: the most work one request may ask for (funding/simulation.py).
AID_SIMULATION_MAX_COST_LINES = env_int("AID_SIMULATION_MAX_COST_LINES", 1000, minimum=1)
AID_SIMULATION_MAX_OTHER_AID = env_int("AID_SIMULATION_MAX_OTHER_AID", 200, minimum=0)
AID_SIMULATION_MAX_ITEMS = env_int("AID_SIMULATION_MAX_ITEMS", 4000, minimum=1)
# Fields (GET or POST) in one request: the "what if" form of the largest simulation the limits
# accept sends two per cost line, so the default stays above that.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int(
    "DATA_UPLOAD_MAX_NUMBER_FIELDS", 2 * AID_SIMULATION_MAX_COST_LINES + 1000, minimum=10
)

# Rate limits per client (user, else IP address): "count/seconds" per bucket (core/ratelimit.py).
RATE_LIMITS = {
    "aid_simulation": env_str("RATE_LIMIT_AID_SIMULATION", "30/60"),
    "search": env_str("RATE_LIMIT_SEARCH", "120/60"),
    "attestation_verify": env_str("RATE_LIMIT_ATTESTATION_VERIFY", "60/60"),
}
# The client's address behind a proxy: LOGIN_CLIENT_IP_HEADER (the web hygiene block).
# The counters live in the default cache, shared by every process: a file cache by default,
# the database (`CACHE_BACKEND=database`, then `grappe createcachetable`), or memory (tests).
CACHE_BACKEND = env_str("CACHE_BACKEND", "file")
_CACHE_BACKENDS = {
    "file": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("CACHE_DIR", str(PROJECT_DIR / ".cache" / "django")),
    },
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "grappe_cache",
    },
    "memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if CACHE_BACKEND not in _CACHE_BACKENDS:
    raise ImproperlyConfigured(
        f"CACHE_BACKEND={CACHE_BACKEND!r} is not one of {', '.join(sorted(_CACHE_BACKENDS))}"
    )
CACHES = {"default": _CACHE_BACKENDS[CACHE_BACKEND]}

# Public pages list this many rows; the API caps its page size at API_MAX_PAGE_SIZE.
PAGE_SIZE = 25
API_MAX_PAGE_SIZE = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Web hygiene: logins, Content-Security-Policy, HTTPS, cookies, password reset ------------
# (docs/operations.md "Deployment security settings"). Kept in one block; MIDDLEWARE is
# extended here rather than edited above.

# CSP: right after SecurityMiddleware, so every answer (pages, API, admin, errors) carries it.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "grappe.core.csp.SitePolicyCSPMiddleware",  # django-csp's, the site policy built once
)
# Axes: last, as its documentation asks; it turns a locked-out login into the lockout page.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")

# Logins: django-axes records every failed login (database handler, `axes_accessattempt`,
# readable in the back office) and refuses a login, right password or not, after
# LOGIN_FAILURE_LIMIT failures until LOGIN_COOLOFF_MINUTES have passed since the last one.
# The site's login and the admin's both go through `authenticate()`, so both are covered.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out clients
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_COOLOFF_MINUTES)


def _lockout_parameters(raw: str) -> list[str | list[str]]:
    """`username+ip_address` locks the pair; `username,ip_address` locks either one."""
    allowed = {"username", "ip_address", "user_agent"}
    parameters: list[str | list[str]] = []
    for item in (part.strip() for part in raw.split(",")):
        names = [name.strip() for name in item.split("+") if name.strip()]
        if not names or not set(names) <= allowed:
            raise ImproperlyConfigured(
                f"LOGIN_LOCKOUT_BY={raw!r}: use username, ip_address or user_agent, joined by "
                "'+' (all together) or ',' (each alone)"
            )
        parameters.append(names[0] if len(names) == 1 else names)
    return parameters


# Default: a username from one address. One client guessing is stopped; nobody elsewhere can
# lock a user out. `username` alone locks the account for everyone (stops guessing spread
# over many addresses, at the price of letting anyone lock an account for the cool-off).
AXES_LOCKOUT_PARAMETERS = _lockout_parameters(env_str("LOGIN_LOCKOUT_BY", "username+ip_address"))
AXES_RESET_ON_SUCCESS = True  # a successful login forgets the failures before it
AXES_LOCKOUT_CALLABLE = "grappe.core.lockout.lockout_response"  # translated, says when to retry
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The client address is REMOTE_ADDR: behind a reverse proxy, set LOGIN_CLIENT_IP_HEADER to the
# request.META key the proxy sets and that clients cannot forge (e.g. HTTP_X_REAL_IP).
LOGIN_CLIENT_IP_HEADER = env_str("LOGIN_CLIENT_IP_HEADER", "")
AXES_CLIENT_IP_CALLABLE = "grappe.core.lockout.client_ip"

# Content-Security-Policy (django-csp): no inline script or style anywhere, no other origin.
# Swagger UI (/api/v1/docs) runs from ninja's own static files and passes this policy too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Password reset by e-mail only when mail really leaves the server: an explicit
# PASSWORD_RESET_ENABLED wins; otherwise any backend but the console, dummy, locmem and file
# ones. When off, the reset pages answer 404 and the login page offers no link.
_MAIL_GOES_NOWHERE = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
PASSWORD_RESET_ENABLED = env_bool("PASSWORD_RESET_ENABLED", EMAIL_BACKEND not in _MAIL_GOES_NOWHERE)

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # HTTPS only. Behind a proxy that terminates TLS, either keep the redirect and set
    # SECURE_PROXY_SSL_HEADER (the proxy must set it and strip it from clients), or let the proxy
    # redirect and set SECURE_SSL_REDIRECT=false.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    _proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "")
    if _proxy_header:
        _name, _equals, _value = _proxy_header.partition("=")
        if not _name.strip() or not _value.strip():
            raise ImproperlyConfigured(
                f"SECURE_PROXY_SSL_HEADER={_proxy_header!r}: use HEADER=value, e.g. "
                "HTTP_X_FORWARDED_PROTO=https"
            )
        SECURE_PROXY_SSL_HEADER = (_name.strip(), _value.strip())
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)  # one year
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
