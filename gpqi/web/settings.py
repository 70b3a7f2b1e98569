"""Django settings, read from the environment so one code base serves any workspace.

GPQI_WORKSPACE   the workspace folder (default ./gpqi-workspace)
DATABASE_URL     app database (PostgreSQL in production/CI); default SQLite in <workspace>/app/
GPQI_SECRET_KEY  session signing key; default a random key kept in <workspace>/app/secret_key
GPQI_DEBUG       "1" for Django's debug pages (never set by `gpqi serve`)
GPQI_ALLOWED_HOSTS  comma-separated host names (default 127.0.0.1,localhost)
GPQI_SECURE_COOKIES "1" when served over HTTPS: secure session and CSRF cookies, HSTS
GPQI_TRUSTED_PROXY  the TLS proxy's address (set by `gpqi serve --trusted-proxy`): as above, and
                    plain-HTTP requests are redirected to HTTPS
GPQI_LOGIN_FAILURE_LIMIT, GPQI_LOGIN_COOLOFF_MINUTES  login throttling (default 5 failures, 15 min)
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
WORKSPACE = Path(os.environ.get("GPQI_WORKSPACE", "gpqi-workspace")).resolve()
APP_DIR = WORKSPACE / "app"


TESTING = "pytest" in sys.modules or os.environ.get("GPQI_TESTING") == "1"


def _secret_key() -> str:
    if key := os.environ.get("GPQI_SECRET_KEY"):
        return key
    if TESTING:
        return secrets.token_urlsafe(50)
    path = APP_DIR / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    APP_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key, encoding="utf-8")
    tmp.chmod(0o600)
    os.replace(tmp, path)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("GPQI_DEBUG") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("GPQI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
if TESTING:
    ALLOWED_HOSTS.append("testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "gpqi.web.accounts",
    "gpqi.web.governance",
    "gpqi.web.dashboard",
    "gpqi.web.campaigns",
    "gpqi.web.worklists",
    "gpqi.web.audit",
    "gpqi.web.editor",
    "gpqi.web.api",
    "axes",
    "gpqi.web.projects",
    "gpqi.web.alerts",
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
    "gpqi.web.middleware.SecurityHeadersMiddleware",
    "gpqi.web.middleware.AccessErrorsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a lock-out into the login page's answer
]

ROOT_URLCONF = "gpqi.web.urls"
WSGI_APPLICATION = "gpqi.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "gpqi.web.jinja.environment",
            "context_processors": ["gpqi.web.navigation.context"],
        },
    },
    {  # Django's admin uses Django templates
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    if not TESTING:
        APP_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("GPQI_APP_DB", str(APP_DIR / "gpqi.sqlite3")),
            # each server thread keeps its connection: opening one (and its WAL pragma) cost
            # 1.4 ms, on every request
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes; gpqi.web.accounts.lockout): GPQI_LOGIN_FAILURE_LIMIT failed
# log-ins for one account, or from one client address, pause log-in there for
# GPQI_LOGIN_COOLOFF_MINUTES. The address is REMOTE_ADDR: behind `gpqi serve --trusted-proxy`
# waitress sets it from the proxy's X-Forwarded-For, and from nothing a client can forge otherwise.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("GPQI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GPQI_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: an account, an address
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "gpqi.web.accounts.lockout.locked_out"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: server-side, HTTP-only cookies, expire after 8 idle hours and at browser close.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "gpqi.web.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a TLS proxy (`gpqi serve --trusted-proxy ADDR` sets GPQI_TRUSTED_PROXY): waitress takes
# the scheme and client address from that proxy's X-Forwarded-Proto/-For (and from no one else),
# so Django sees HTTPS requests as secure. Then cookies are Secure, HSTS is sent, and a request
# that reached the proxy over plain HTTP is redirected to HTTPS. GPQI_SECURE_COOKIES=1 alone
# (HTTPS ended somewhere gpqi cannot see) sets the cookies and HSTS but cannot redirect.
TRUSTED_PROXY = os.environ.get("GPQI_TRUSTED_PROXY", "")
if TRUSTED_PROXY or os.environ.get("GPQI_SECURE_COOKIES") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000  # a year
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("GPQI_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("GPQI_HSTS_PRELOAD", "1") == "1"
    SESSION_COOKIE_NAME = "__Host-sessionid"  # Secure, host-only, path / (browsers enforce it)
    CSRF_COOKIE_NAME = "__Host-csrftoken"
if TRUSTED_PROXY:
    SECURE_SSL_REDIRECT = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = None  # nothing is collected: whitenoise serves gpqi/web/static through the finders
STATICFILES_DIRS: list[Path] = [BASE_DIR / "static"]
# Serve straight from the package's static folders (no collectstatic step needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Log requests' failures without their bodies or query strings: those could carry identifiers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "gpqi.web.middleware.ScrubFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["scrub"]}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "gpqi": {"handlers": ["console"], "level": "INFO"},
    },
}

# Email (the campaign newsletter): the workspace's gpqi.toml [email], overridden by GPQI_EMAIL_*.
from gpqi.web.mail import django_email_settings  # noqa: E402

globals().update(django_email_settings(WORKSPACE))
