"""Löfte's one settings module. Every value comes from the environment; see docs/configuration.md."""

from __future__ import annotations

from datetime import timedelta
from importlib.metadata import version as _package_version
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lofte.accounts.providers import allauth_apps, parse_oidc_providers
from lofte.lib.env import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    local_secret_key,
    private_dir,
    private_file,
)
from lofte.lib.links import served_site_url
from lofte.operations.observe.logs import logging_config
from lofte.operations.observe.sentry import init_sentry

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(env_str("LOFTE_VAR_DIR", str(BASE_DIR / "var")))

LOFTE_ENV = env_str("LOFTE_ENV", "development")
if LOFTE_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"LOFTE_ENV must be development, test or production, not {LOFTE_ENV!r}")
PRODUCTION = LOFTE_ENV == "production"

# Off unless asked for (DEBUG=true), in development too: `make run` serves what a kommun would see, with Löfte's
# own error pages, never Django's list of URL patterns or a traceback.
DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_secret("SECRET_KEY") or ""
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when LOFTE_ENV=production")
    SECRET_KEY = local_secret_key(VAR_DIR)

# Where the site is served: the base of every link in an e-mail (lofte.lib.links). Without SITE_URL, the address
# `lofte serve` binds (HOST and PORT), which the command also sets when given --host/--port.
SITE_URL = env_str("SITE_URL") or served_site_url(env_str("HOST", "127.0.0.1"), env_int("PORT", 8000))
_SITE_HOST = urlsplit(SITE_URL).hostname or "127.0.0.1"
_SITE_HOST = f"[{_SITE_HOST}]" if ":" in _SITE_HOST else _SITE_HOST  # as Django compares an IPv6 host
# In development the site answers on this machine's names and on the name it is served under.
_LOCAL_HOSTS = list(dict.fromkeys(["127.0.0.1", "localhost", "[::1]", _SITE_HOST]))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else _LOCAL_HOSTS)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "lofte.core",
    "lofte.audit",
    "lofte.accounts",
    "lofte.areas",
    "lofte.partnerships",
    "lofte.public",
    "lofte.statistics",
    "lofte.situation",
    "lofte.promises",
    "lofte.est",
    "lofte.citizens",
    "lofte.operations",
    "lofte.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching): no-store on members' pages, accounts, admin, downloads.
    "lofte.core.middleware.NoStoreMiddleware",
    # A write that fails because var/ or the database's disk is full or read-only: a 503 page, not a 500.
    "lofte.core.storage.StorageFailureMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Two factors: who must use one sees only the pages that set it up until this session passed one.
    "lofte.accounts.middleware.MfaRequiredMiddleware",
    # Before anything reads the body (CsrfViewMiddleware's process_view reads the form): see lofte/lib/requestlimits.py.
    "lofte.lib.requestlimits.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages (the sign-in page says why): idle timeout and absolute lifetime (lofte/accounts/sessions.py).
    "lofte.accounts.sessions.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lofte.lib.clients.ForwardingMiddleware",
    "lofte.audit.middleware.AuditContextMiddleware",
    # Axes must come last: it turns a lockout into the response the user sees.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lofte.urls"
WSGI_APPLICATION = "lofte.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "lofte.partnerships.context_processors.navigation",
            ],
            "string_if_invalid": "",
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'lofte.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_secret("DATABASE_URL") or DEFAULT_SQLITE, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the one writer work at the same time; IMMEDIATE avoids
    # "database is locked" when a read transaction later wants to write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        _database = Path(DATABASES["default"]["NAME"])
        private_dir(_database.parent)  # a new database file is private through the umask (lofte.cli, lofte.wsgi)
        for _file in (
            _database,
            _database.with_name(f"{_database.name}-wal"),
            _database.with_name(f"{_database.name}-shm"),
        ):
            private_file(_file)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "partnerships:home"
LOGOUT_REDIRECT_URL = "public:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# How long an invitation's link works (lofte.accounts.people), in days.
LOFTE_INVITATION_DAYS = env_int("LOFTE_INVITATION_DAYS", 7)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Swedish words and names and a breached list, also as "S0mmar2024!" (lofte/accounts/passwords.py).
    {"NAME": "lofte.accounts.passwords.GuessablePasswordValidator"},
]
# A session ends this long after sign-in whatever happens (the absolute lifetime, a working day; the variable keeps
# its old name), and after LOFTE_SESSION_IDLE_MINUTES without a request (lofte/accounts/sessions.py). Django's
# cookie and stored session last the idle time longer, so the request after the limit can say why it ended.
LOFTE_SESSION_MAX_SECONDS = env_int("SESSION_COOKIE_AGE", 60 * 60 * 10)
LOFTE_SESSION_IDLE_MINUTES = env_int("LOFTE_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = LOFTE_SESSION_MAX_SECONDS + LOFTE_SESSION_IDLE_MINUTES * 60

# Login throttling (django-axes): lock a username from one address after repeated failures.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOFTE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOFTE_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "lofte.accounts.throttle.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_HTTP_RESPONSE_CODE = 429
# The client's address behind LOFTE_PROXY_COUNT trusted reverse proxies (lofte/lib/clients.py), for axes too.
LOFTE_PROXY_COUNT = env_int("LOFTE_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "lofte.lib.clients.client_ip"
AXES_VERBOSE = False
# The account alone is never locked: sign-ins for it wait longer after each failure, at most this (throttle.py).
LOFTE_LOGIN_DELAY_MAX_SECONDS = env_int("LOFTE_LOGIN_DELAY_MAX_SECONDS", 10)
# Password-reset mails an hour for one e-mail address, and requests an hour from one client address.
LOFTE_RESET_PER_ACCOUNT = env_int("LOFTE_RESET_PER_ACCOUNT", 3)
LOFTE_RESET_PER_CLIENT = env_int("LOFTE_RESET_PER_CLIENT", 10)
# The longest a personal access token for the API may be valid, in days (lofte/accounts/tokens.py).
LOFTE_TOKEN_MAX_DAYS = env_int("LOFTE_TOKEN_MAX_DAYS", 365)

# django-allauth: sign-in by e-mail address, two factors and single sign-on (docs/accounts.md). Nobody signs up:
# people are invited into an organisation of a partnership, so the invitation proves the address.
ACCOUNT_ADAPTER = "lofte.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "lofte.accounts.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "lofte.accounts.forms.SignInForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# The password again (or the second factor) before changing the password or a second factor, within this long
# of the last time it was given. The e-mail address is not changed by its owner (lofte/accounts/urls.py).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
MFA_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("LOFTE_REAUTHENTICATION_SECONDS", 300)
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
# Wrong passwords are counted by django-axes and the account's progressive delay (lofte/accounts/throttle.py).
ACCOUNT_RATE_LIMITS = {"login_failed": False}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# A second factor for the roles that see restricted or personal information (lofte/accounts/factors.py); false only
# where the installation enforces one elsewhere (a proxy, the identity provider for every sign-in).
LOFTE_MFA_REQUIRED = env_bool("LOFTE_MFA_REQUIRED", True)
MFA_TOTP_ISSUER = "Löfte"
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("LOFTE_WEBAUTHN_ALLOW_INSECURE_ORIGIN", False)
SOCIALACCOUNT_ONLY = False
# Single sign-on (OpenID Connect): providers from the admin (SocialApp, provider "openid_connect") and from
# LOFTE_OIDC_PROVIDERS (JSON, or LOFTE_OIDC_PROVIDERS_FILE). Löfte's adapter matches the verified address to a member
# or an open invitation itself (lofte/accounts/sso.py); allauth's own e-mail matching stays off, as it would wipe the
# password of a user whose address has no verified EmailAddress row, and nobody signs up.
LOFTE_OIDC_PROVIDERS = parse_oidc_providers(env_secret("LOFTE_OIDC_PROVIDERS"), secret=env_secret)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"APPS": allauth_apps(LOFTE_OIDC_PROVIDERS), "OAUTH_PKCE_ENABLED": True},
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False
# A row per signed-in session (made at sign-in) lists it and lets it be ended; a GET never writes, so no tracking.
USERSESSIONS_TRACK_ACTIVITY = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    # Django's file system storage, writing each file whole or not at all (lofte/lib/files.py).
    "default": {"BACKEND": "lofte.lib.files.WholeFileStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads (photos of reports, imported files) are readable by the service user only, whatever its umask.
FILE_UPLOAD_PERMISSIONS = PRIVATE_FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = PRIVATE_DIR_MODE
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest request body (lofte/lib/requestlimits.py): from anonymous visitors (the public forms, Open311), from a
# signed-in member, and a signed-in member's file upload (a statistics file of 50 MB, an EST report's photos).
LOFTE_PUBLIC_BODY_MAX_BYTES = env_int("LOFTE_PUBLIC_BODY_MAX_BYTES", 64 * 1024)
LOFTE_BODY_MAX_BYTES = env_int("LOFTE_BODY_MAX_BYTES", 2 * 1024 * 1024)
LOFTE_UPLOAD_BODY_MAX_BYTES = env_int("LOFTE_UPLOAD_BODY_MAX_BYTES", 100 * 1024 * 1024)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Löfte <noreply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Admin", addr) for addr in env_list("ADMINS")]

# --- Background work (django-tasks) ---------------------------------------------------------
# Tasks wait in the database until `lofte db_worker` runs them; `lofte serve` starts one alongside the web server.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# `lofte prune-tasks` deletes finished tasks (their arguments: who was mailed what) older than this.
LOFTE_TASK_RETENTION_DAYS = env_int("LOFTE_TASK_RETENTION_DAYS", 7)
# Web uploads larger than this are checked and imported by the worker, with progress on the page.
LOFTE_IMPORT_BACKGROUND_BYTES = env_int("LOFTE_IMPORT_BACKGROUND_BYTES", 1024 * 1024)

# --- Follow-up (uppföljning) ------------------------------------------------------------------
# A round is due this many days after its period ends: time for Brå's preliminary figures and the report.
LOFTE_FOLLOWUP_DUE_DAYS = env_int("LOFTE_FOLLOWUP_DUE_DAYS", 45)
# `lofte remind-followups` reminds the responsible parties this many days before a round is due (and after).
LOFTE_FOLLOWUP_REMIND_DAYS = env_int("LOFTE_FOLLOWUP_REMIND_DAYS", 14)

# --- Cache: shared by the web processes and the worker (import progress) ---------------------
CACHES = {
    "default": {
        "BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": env_str("CACHE_LOCATION", str(VAR_DIR / "cache")),
        # The public pages are cached per kommun, language and day; the default of 300 entries would churn them.
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 5000)},
    }
}

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("LOFTE_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The map shows boundaries on a blank background unless a tile server is configured.
LOFTE_MAP_TILES_URL = env_str("LOFTE_MAP_TILES_URL")
LOFTE_MAP_TILES_ATTRIBUTION = env_str("LOFTE_MAP_TILES_ATTRIBUTION")


def _tile_origin(url: str) -> list[str]:
    if not url:
        return []
    scheme, _sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return [f"{scheme}://{host}"]


# A strict Content-Security-Policy: only our own origin, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_tile_origin(LOFTE_MAP_TILES_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# EST: the largest photo accepted with a report (before it is re-encoded), and its longest side after.
LOFTE_EST_PHOTO_MAX_BYTES = env_int("LOFTE_EST_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
LOFTE_EST_PHOTO_MAX_SIDE = env_int("LOFTE_EST_PHOTO_MAX_SIDE", 1600)
# Open311: requests a minute with one API key (from any address), and from one client address (with any keys).
LOFTE_OPEN311_PER_MINUTE = env_int("LOFTE_OPEN311_PER_MINUTE", 120)
LOFTE_OPEN311_ADDRESS_PER_MINUTE = env_int("LOFTE_OPEN311_ADDRESS_PER_MINUTE", 60)

# Citizens: e-mails sent per minute by the background sending (warnings, follow-ups), and subscription
# requests accepted per client address and hour.
LOFTE_MAIL_PER_MINUTE = env_int("LOFTE_MAIL_PER_MINUTE", 120)
LOFTE_SUBSCRIBE_PER_HOUR = env_int("LOFTE_SUBSCRIBE_PER_HOUR", 10)

# --- Scheduled jobs (lofte scheduler; lofte/operations/schedule/) ------------------------------
# Jobs not to run, by name, comma-separated: polisen, reminders, gallring, prune-tasks, prune-signins, prune-runs,
# backup. The backup job (`lofte backup` into LOFTE_BACKUP_DIR) runs nightly when LOFTE_BACKUP_NIGHTLY is on, which it
# is by default when LOFTE_BACKUP_DIR is set.
LOFTE_JOBS_DISABLED = env_str("LOFTE_JOBS_DISABLED", "")
LOFTE_BACKUP_NIGHTLY = env_bool("LOFTE_BACKUP_NIGHTLY", bool(env_str("LOFTE_BACKUP_DIR")))
# Days the rows of scheduled runs are kept (the prune-runs job), and the sign-in records (django-axes' logs).
LOFTE_JOB_RUN_RETENTION_DAYS = env_int("LOFTE_JOB_RUN_RETENTION_DAYS", 90)
LOFTE_SIGNIN_LOG_DAYS = env_int("LOFTE_SIGNIN_LOG_DAYS", 30)

# --- Mail ---
# Every SMTP connection gives up after this many seconds (Django's smtp backend); a slow server never holds a sending
# task for long, and dispatch never holds a database transaction while it waits (lofte/citizens/dispatch.py).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# OAuth2 for SMTP (EMAIL_BACKEND=lofte.lib.mail.OAuth2EmailBackend; Microsoft 365): the client-credentials flow.
EMAIL_OAUTH2_TOKEN_URL = env_str("EMAIL_OAUTH2_TOKEN_URL")
EMAIL_OAUTH2_CLIENT_ID = env_str("EMAIL_OAUTH2_CLIENT_ID")
EMAIL_OAUTH2_CLIENT_SECRET = env_secret("EMAIL_OAUTH2_CLIENT_SECRET") or ""
EMAIL_OAUTH2_SCOPE = env_str("EMAIL_OAUTH2_SCOPE", "https://outlook.office365.com/.default")
# A message being sent whose sender has not finished after this many seconds is a dead sender's: sent again (with
# the same Message-ID). Passing errors are tried this many times in all, the waits growing from the first.
LOFTE_MAIL_LEASE_SECONDS = env_int("LOFTE_MAIL_LEASE_SECONDS", 600)
LOFTE_MAIL_MAX_ATTEMPTS = env_int("LOFTE_MAIL_MAX_ATTEMPTS", 5)
LOFTE_MAIL_RETRY_SECONDS = env_int("LOFTE_MAIL_RETRY_SECONDS", 300)
# An address the server refuses for good this many times (once for "no such user", 550/551/553) gets no more mail.
LOFTE_MAIL_SUSPEND_AFTER = env_int("LOFTE_MAIL_SUSPEND_AFTER", 3)
# --- Long work in short transactions (lofte.statistics.staging) ---
# Rows an import compares and stages per short transaction before its one quick swap.
LOFTE_IMPORT_BATCH_ROWS = env_int("LOFTE_IMPORT_BATCH_ROWS", 5000)
# --- Backup and restore ---------------------------------------------------------------------
# `lofte backup` writes its dated archives here (the scheduler runs it nightly when the variable is set); with a key
# file the archives are encrypted (`lofte backup --new-key-file PATH` makes one). After each backup, archives beyond
# the newest of so many days, weeks and months are deleted (0 in all three keeps everything). docs/operations.md.
LOFTE_BACKUP_DIR = Path(env_str("LOFTE_BACKUP_DIR") or str(VAR_DIR / "backups"))
LOFTE_BACKUP_KEY_FILE = env_str("LOFTE_BACKUP_KEY_FILE")
LOFTE_BACKUP_KEEP_DAILY = env_int("LOFTE_BACKUP_KEEP_DAILY", 7)
LOFTE_BACKUP_KEEP_WEEKLY = env_int("LOFTE_BACKUP_KEEP_WEEKLY", 4)
LOFTE_BACKUP_KEEP_MONTHLY = env_int("LOFTE_BACKUP_KEEP_MONTHLY", 12)
# --- Gallring (retention) ---
# Days each kind of data is kept before `lofte gallring` deletes or anonymises it: (least, default, most) per kind,
# each from LOFTE_RETENTION_<KIND>_MIN_DAYS, _DAYS and _MAX_DAYS. A partnership's samordnare may choose within the
# limits for the kinds a partnership owns (est_text, tip_text, tip_email, dialogue_text). docs/operations.md gives
# the reason for each default; the kommun's own gallringsbeslut decides.
_RETENTION_DEFAULTS = {
    "est_text": (90, 365, 1825),
    "tip_text": (30, 365, 1825),
    "tip_email": (7, 90, 365),
    "dialogue_text": (180, 1095, 3650),
    "unsubscribed": (0, 30, 365),
    "unconfirmed": (1, 7, 90),
    "delivery_email": (0, 30, 365),
    "audit_ip": (30, 183, 730),
    "signins": (7, 90, 365),
}


def _retention_limits(kind: str, least: int, default: int, most: int) -> tuple[int, int, int]:
    name = f"LOFTE_RETENTION_{kind.upper()}"
    limits = (env_int(f"{name}_MIN_DAYS", least), env_int(f"{name}_DAYS", default), env_int(f"{name}_MAX_DAYS", most))
    if not 0 <= limits[0] <= limits[1] <= limits[2]:
        raise ImproperlyConfigured(f"{name}_MIN_DAYS <= {name}_DAYS <= {name}_MAX_DAYS must hold, got {limits}.")
    return limits


LOFTE_RETENTION = {kind: _retention_limits(kind, *limits) for kind, limits in _RETENTION_DEFAULTS.items()}
# --- Worker (lofte worker: supervised task workers, heartbeats, the reaper) ---------------------------------
# Task worker processes `lofte worker` starts (and restarts) when not given --processes.
LOFTE_WORKER_PROCESSES = env_int("LOFTE_WORKER_PROCESSES", 1)
# `lofte worker` also runs the periodic jobs' scheduler (`lofte scheduler`) as one of its children, unless off.
LOFTE_WORKER_SCHEDULER = env_bool("LOFTE_WORKER_SCHEDULER", True)
# Each worker writes its heartbeat this often (seconds); a running task whose worker has not been seen for
# LOFTE_WORKER_DEAD_AFTER seconds is re-queued (when safe to repeat) or marked failed.
LOFTE_WORKER_BEAT_SECONDS = env_int("LOFTE_WORKER_BEAT_SECONDS", 5)
LOFTE_WORKER_DEAD_AFTER = env_int("LOFTE_WORKER_DEAD_AFTER", 90)
# How many times a task is started in all before a dead worker's task is marked failed instead of re-queued.
LOFTE_WORKER_MAX_ATTEMPTS = env_int("LOFTE_WORKER_MAX_ATTEMPTS", 3)
# The supervisor looks for dead workers' tasks this often (seconds).
LOFTE_WORKER_REAP_SECONDS = env_int("LOFTE_WORKER_REAP_SECONDS", 60)
# A restarted child waits 1, 2, 4 … seconds, at most this long, when it keeps dying.
LOFTE_WORKER_RESTART_MAX_SECONDS = env_int("LOFTE_WORKER_RESTART_MAX_SECONDS", 60)
# /healthz answers "degraded" when tasks wait and no worker was seen for this many minutes, or the oldest
# waiting task is older than that.
LOFTE_HEALTH_WORKER_MINUTES = env_int("LOFTE_HEALTH_WORKER_MINUTES", 5)
# --- Observability (lofte/operations/observe, docs/operations.md "Logs, metrics and error reports") ---------------
# Log lines as JSON (LOG_FORMAT=json, set by the container and the systemd units) or text, each with the request id
# and with personal data and query strings removed (lofte/operations/observe/logs.py).
LOGGING = logging_config(log_format=env_str("LOG_FORMAT", "text"), level=env_str("LOG_LEVEL", "INFO"))
INSTALLED_APPS.append("django_guid")
# First: every request is counted and timed, and has its id before anything logs (observe/metrics.py, requestid.py).
MIDDLEWARE = [
    "lofte.operations.observe.metrics.MetricsMiddleware",
    "lofte.operations.observe.requestid.RequestIdMiddleware",
    *MIDDLEWARE,
]
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "RETURN_HEADER": True, "EXPOSE_HEADER": False}
# /metrics answers 404 until a token is set; Prometheus sends it as "Authorization: Bearer <token>".
LOFTE_METRICS_TOKEN = env_secret("LOFTE_METRICS_TOKEN") or ""
# Error reports to Sentry or GlitchTip, only when a DSN is set.
SENTRY_DSN = env_secret("SENTRY_DSN") or ""
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", LOFTE_ENV)
SENTRY_RELEASE = env_str("SENTRY_RELEASE") or f"lofte@{_package_version('lofte')}"
SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)
init_sentry(
    dsn=SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)
