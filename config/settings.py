"""Settings, read from the environment.

Two modes:
- the embedded default (nothing set): SQLite, local files, e-mails printed on the console,
  a per-process cache. For trying the portal on one machine.
- production (``ESPACE_PRODUCTION=1``): every secret and engine comes from the environment;
  a missing or malformed variable stops start-up with a message naming it.
"""

import ipaddress
import logging
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def _env(name, cast=str, default=environ.Env.NOTSET):
    """Read one variable; a malformed value raises ImproperlyConfigured naming it."""
    if default is environ.Env.NOTSET and name not in env:
        raise ImproperlyConfigured(f"La variable d'environnement {name} est obligatoire.")
    try:
        return env.get_value(name, cast=cast, default=default)
    except ImproperlyConfigured:
        raise
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"La variable d'environnement {name} est invalide : {exc}") from exc


PRODUCTION = _env("ESPACE_PRODUCTION", bool, False)


def _required_in_production(name, default):
    if PRODUCTION and name not in env:
        raise ImproperlyConfigured(
            f"La variable d'environnement {name} est obligatoire en production (ESPACE_PRODUCTION=1)."
        )
    return _env(name, str, default)


SECRET_KEY = _required_in_production("SECRET_KEY", "embedded-default-not-secret-" + "x" * 40)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("La variable d'environnement SECRET_KEY doit compter au moins 50 caractères.")

DEBUG = _env("DEBUG", bool, False)
ALLOWED_HOSTS = _env("ALLOWED_HOSTS", list, ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = _env("CSRF_TRUSTED_ORIGINS", list, [])

# --- Behind the reverse proxy (core/network.py) -------------------------------------------
# The addresses or networks of the proxies whose X-Forwarded-For is believed (the connection's
# address must be one of them), and how many proxies each append one entry (nginx alone: 1).
# Empty: no proxy is trusted, every client is known by its own connection.
TRUSTED_PROXIES = _env("TRUSTED_PROXIES", list, [])
PROXY_COUNT = _env("PROXY_COUNT", int, 1)
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"La variable d'environnement TRUSTED_PROXIES est invalide : {_proxy!r} n'est ni une adresse IP ni un réseau."
        ) from None
if PROXY_COUNT < 0:
    raise ImproperlyConfigured("La variable d'environnement PROXY_COUNT doit être un entier positif ou nul.")

# --- Vendor identity -------------------------------------------------------------------
VENDOR_NAME = _env("VENDOR_NAME", str, "CEGAPE")
VENDOR_SITE_URL = _env("VENDOR_SITE_URL", str, "https://www.cegape.fr")
VENDOR_LOGO = _env("VENDOR_LOGO", str, "portal/logo.svg")  # a static path
SITE_URL = _env("SITE_URL", str, "http://127.0.0.1:8000").rstrip("/")

# --- Applications ----------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_altcha",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "audit",
    "accounts",
    "establishments",
    "notifications",
    "news",
    "portal",
    "servicelevels",
    "support",
    "reports",
    "downloads",
    "knowledge",
    "trainings",
    "collaborators",
    "inbound",
    "twofactor",  # after django_otp's plugins: replaces their back-office pages
    "ops",
    "demo",
    "webhooks",
    "referential",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API's documentation page, served from the portal (no CDN)
    "api",
]

MIDDLEWARE = [
    "core.observability.RequestLogMiddleware",
    # Work queued during the request runs once the response is sent (core/deferred.py).
    "core.deferred.AfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that may answer early (a 400 for a foreign host from CommonMiddleware,
    # a static file): every response carries the CSP and the frame refusal.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.CSPMiddleware",  # django-csp's, the policy built once (core/middleware.py)
    "core.middleware.FrenchMiddleware",  # LANGUAGE_CODE activated (no negotiation: French only)
    "core.middleware.RequestGuardMiddleware",  # the French 405 and 400 (NUL byte) answered early
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.LegacyCookieNamesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, the user read with the session in one round trip to the cache (accounts/sessions.py).
    "accounts.middleware.AuthenticationMiddleware",
    # django-otp's, the verifying device taken from those cached with the user, and the two-factor
    # policy before each view (twofactor/middleware.py).
    "twofactor.middleware.OTPMiddleware",
    "core.middleware.MessageMiddleware",  # Django's, the storage made when first used
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
    "axes.middleware.AxesMiddleware",
    "audit.middleware.AuditMiddleware",
    "core.resilience.ServiceUnavailableMiddleware",
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
                "portal.context_processors.portal",
            ],
            # ``{% url %}`` with its reversals remembered per process (core/reversal.py); ``{% form_field %}``
            # (core/templatetags/fields.py), one form field as every form writes it.
            "builtins": ["core.templatetags.reversal", "core.templatetags.fields", "core.templatetags.kept"],
        },
    },
    # Jinja2, for the hot fragments only (the DI lists' rows, a DI's thread: docs/performance.md):
    # its templates live in the apps' own ``jinja2/`` folders, apart from the Django templates.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "core.jinja_env.environment", "autoescape": True},
    },
]
# Django's form renderer, with the plain inputs and text areas written in Python (same markup).
FORM_RENDERER = "core.renderers.PortalRenderer"

# --- Database and cache ----------------------------------------------------------------
_required_in_production("DATABASE_URL", "")
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, its timestamps parsed by psycopg's compiled loader (core/postgresql).
        DATABASES["default"]["ENGINE"] = "core.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = _env("CONN_MAX_AGE", int, 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis serves the cache (captcha replay store, lockout counters, sessions' cache) and the
# Celery broker in production. CACHE_URL and CELERY_BROKER_URL may point elsewhere.
REDIS_URL = _required_in_production("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "La variable d'environnement REDIS_URL doit commencer par redis://, rediss:// ou unix://."
    )
if "CACHE_URL" in env:
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that does not answer fails fast (pages then degrade, see core/resilience.py).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "espace-clients"}}
if PRODUCTION and not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured(
        "La variable d'environnement DATABASE_URL doit désigner PostgreSQL (postgres://…) en production."
    )

# --- Authentication --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that tries a password only within the lockout budget (no race past axes).
    "accounts.auth.LoginBudgetBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = _env("PASSWORD_RESET_TIMEOUT", int, 60 * 60 * 2)
# The link that confirms a new e-mail address (sent to it) stays valid this many seconds.
EMAIL_CHANGE_TIMEOUT = _env("EMAIL_CHANGE_TIMEOUT", int, 60 * 60 * 24)
# Links e-mailed to new accounts stay valid longer than a reset link.
ACCOUNT_INVITATION_TIMEOUT = _env("ACCOUNT_INVITATION_TIMEOUT", int, 60 * 60 * 24 * 7)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = _env("SESSION_COOKIE_AGE", int, 60 * 60 * 10)
# The signed-in user, their establishment and their two-factor enrolment are kept this many
# seconds at most in the shared cache (accounts/signed_in.py: forgotten at each change of those rows).
SIGNED_IN_USER_CACHE_SECONDS = _env("SIGNED_IN_USER_CACHE_SECONDS", int, 300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout: the e-mail + IP pair is locked after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = _env("AXES_FAILURE_LIMIT", int, 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env("AXES_COOLOFF_MINUTES", int, 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# The client's address is core.network.client_address's answer, for axes as for everything else.
AXES_CLIENT_IP_CALLABLE = "core.network.client_address"
AXES_VERBOSE = False

# Guessing slowed per account and per address (accounts/throttle.py), on top of the lockout above.
# Failures are counted over LOGIN_THROTTLE_WINDOW seconds since the last one. Past DELAY_AFTER
# failures each new try must wait (1 s, doubling up to LOGIN_THROTTLE_MAX_DELAY); past
# HARD_CAPTCHA_AFTER the captcha costs LOGIN_HARD_CAPTCHA_FACTOR times more; past
# ACCOUNT_LOCK_AFTER the account is locked LOGIN_ACCOUNT_LOCK_SECONDS (a password reset lifts it).
# A browser where the account signed in before (the known-device cookie) is not slowed.
LOGIN_THROTTLE_ENABLED = _env("LOGIN_THROTTLE_ENABLED", bool, True)
LOGIN_THROTTLE_WINDOW = _env("LOGIN_THROTTLE_WINDOW", int, 15 * 60)
LOGIN_THROTTLE_MAX_DELAY = _env("LOGIN_THROTTLE_MAX_DELAY", int, 5 * 60)
LOGIN_ACCOUNT_DELAY_AFTER = _env("LOGIN_ACCOUNT_DELAY_AFTER", int, 5)
LOGIN_ACCOUNT_HARD_CAPTCHA_AFTER = _env("LOGIN_ACCOUNT_HARD_CAPTCHA_AFTER", int, 8)
LOGIN_ACCOUNT_LOCK_AFTER = _env("LOGIN_ACCOUNT_LOCK_AFTER", int, 12)
LOGIN_ACCOUNT_LOCK_SECONDS = _env("LOGIN_ACCOUNT_LOCK_SECONDS", int, 15 * 60)
# One address (a hospital's NAT may hold hundreds of people): slowed, never locked.
LOGIN_ADDRESS_DELAY_AFTER = _env("LOGIN_ADDRESS_DELAY_AFTER", int, 10)
LOGIN_ADDRESS_HARD_CAPTCHA_AFTER = _env("LOGIN_ADDRESS_HARD_CAPTCHA_AFTER", int, 20)
LOGIN_HARD_CAPTCHA_FACTOR = _env("LOGIN_HARD_CAPTCHA_FACTOR", int, 10)
KNOWN_DEVICE_COOKIE_AGE = _env("KNOWN_DEVICE_COOKIE_AGE", int, 60 * 60 * 24 * 180)
KNOWN_DEVICE_COOKIE_NAME = "appareil"  # "__Host-appareil" in production

# Public forms (core/ratelimit.py): {rule: (at most this many, per this many seconds)}; over it,
# a French 429 page with Retry-After.
RATE_LIMITS_ENABLED = _env("RATE_LIMITS_ENABLED", bool, True)
RATE_LIMITS = {
    # Pages that hand out a captcha challenge (login, forgotten password, account request), per address.
    "challenge_address": (_env("RATE_LIMIT_CHALLENGES", int, 300), 10 * 60),
    # « Mot de passe oublié » sent, per address and per address typed (each may send an e-mail).
    "password_reset_address": (_env("RATE_LIMIT_RESET_PER_ADDRESS", int, 20), 60 * 60),
    "password_reset_email": (_env("RATE_LIMIT_RESET_PER_EMAIL", int, 3), 60 * 60),
    # Account requests sent, per address and per address typed.
    "account_request_address": (_env("RATE_LIMIT_ACCOUNT_REQUESTS_PER_ADDRESS", int, 10), 60 * 60),
    "account_request_email": (_env("RATE_LIMIT_ACCOUNT_REQUESTS_PER_EMAIL", int, 3), 60 * 60),
    # « Nouvelle demande de compte » e-mails to one vendor administrator (beyond: listed in the back office only).
    "account_request_notice": (_env("RATE_LIMIT_ACCOUNT_REQUEST_NOTICES", int, 5), 60 * 60),
    # Confirmation links of « Mon profil »'s address changes sent to one address.
    "email_change_email": (_env("RATE_LIMIT_EMAIL_CHANGES_PER_EMAIL", int, 3), 60 * 60),
}

# Two-factor authentication (TOTP + recovery codes, django-otp). Required for the vendor's staff;
# client administrators may enrol, or must when TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS is set; any
# other client profile may enrol. TWO_FACTOR_ENFORCED is turned off only by the test settings.
TWO_FACTOR_ENFORCED = True
TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS = _env("TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS", bool, False)
TWO_FACTOR_MAX_ATTEMPTS = 5  # wrong codes per account and AXES_COOLOFF_TIME
TWO_FACTOR_PENDING_SECONDS = 300  # time to type the code after the password
OTP_TOTP_ISSUER = f"Espace Clients {VENDOR_NAME}"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Captcha (ALTCHA, self-hosted proof of work). The cost is the largest number the browser
# may have to try; 100,000 takes well under a second in a current browser.
ALTCHA_HMAC_KEY = _env("ALTCHA_HMAC_KEY", str, "") or SECRET_KEY
ALTCHA_MAX_NUMBER = _env("ALTCHA_MAX_NUMBER", int, 100_000)
ALTCHA_CHALLENGE_EXPIRE = 20 * 60 * 1000
ALTCHA_JS_URL = "altcha/altcha.min.js"

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "fr"
# French only: no LocaleMiddleware (nothing to negotiate; it cost every request a path and header
# parse and a « Vary: Accept-Language »), every request is served in LANGUAGE_CODE, activated by
# core.middleware.FrenchMiddleware.
LANGUAGES = [("fr", _("Français"))]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and uploaded files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = _env("STATIC_ROOT", str, str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = _env("MEDIA_ROOT", str, str(VAR_DIR / "files"))
# Uploaded files (attachments, downloads) are private: never served from a public URL, only
# through views that check the right. "local": MEDIA_ROOT; "s3": an S3-compatible bucket.
FILE_STORAGE = _env("FILE_STORAGE", str, "local")
if FILE_STORAGE == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FILE_STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _env("S3_BUCKET", str),
            "endpoint_url": _env("S3_ENDPOINT_URL", str, None),
            "region_name": _env("S3_REGION", str, None),
            "access_key": _env("S3_ACCESS_KEY_ID", str),
            "secret_key": _env("S3_SECRET_ACCESS_KEY", str),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": _env("FILE_URL_EXPIRE", int, 60),
            "file_overwrite": False,
            "addressing_style": _env("S3_ADDRESSING_STYLE", str, "path"),
        },
    }
else:
    raise ImproperlyConfigured("La variable d'environnement FILE_STORAGE vaut « local » ou « s3 ».")
# The address browsers reach the bucket at, when it differs from the one the portal uses
# (S3_ENDPOINT_URL, often an internal name such as http://objects:9000): signed download URLs are
# made for this one. Empty: S3_ENDPOINT_URL serves both.
S3_PUBLIC_ENDPOINT_URL = _env("S3_PUBLIC_ENDPOINT_URL", str, "").rstrip("/")
if S3_PUBLIC_ENDPOINT_URL and not S3_PUBLIC_ENDPOINT_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("La variable d'environnement S3_PUBLIC_ENDPOINT_URL doit commencer par https://.")
# How a checked private file reaches the browser (core.serving): "django" streams it,
# "x-accel" hands it to nginx, "s3" redirects to a short-lived signed URL of the bucket.
FILE_SERVE_MODE = _env("FILE_SERVE_MODE", str, "s3" if FILE_STORAGE == "s3" else "django")
if FILE_SERVE_MODE not in ("django", "x-accel", "s3"):
    raise ImproperlyConfigured("La variable d'environnement FILE_SERVE_MODE vaut « django », « x-accel » ou « s3 ».")
FILE_X_ACCEL_PREFIX = _env("FILE_X_ACCEL_PREFIX", str, "/fichiers-proteges")
FILE_URL_EXPIRE = _env("FILE_URL_EXPIRE", int, 60)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        # whitenoise's compressed manifest storage, its URLs remembered per process.
        "BACKEND": "core.staticfiles.RememberedStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The embedded default serves static files straight from the apps (no collectstatic step).
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- E-mail ----------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    if PRODUCTION:
        raise ImproperlyConfigured(
            "La variable d'environnement EMAIL_URL est obligatoire en production (par exemple smtp+tls://user:pass@smtp.example:587)."
        )
# Seconds a mail server may take to answer (connection, each command) before the attempt is given
# up and retried later; a claim older than EMAIL_CLAIM_EXPIRES belongs to a worker that died.
EMAIL_TIMEOUT = _env("EMAIL_TIMEOUT", int, 20)
EMAIL_CLAIM_EXPIRES = _env("EMAIL_CLAIM_EXPIRES", int, 15 * 60)
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", str, f"Espace Clients {VENDOR_NAME} <noreply@espaceclients.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# In production, e-mails are sent by the Celery worker; in the embedded default, right after
# the commit, in the same process.
EMAIL_DELIVERY = _env("EMAIL_DELIVERY", str, "celery" if PRODUCTION else "inline")
if EMAIL_DELIVERY not in ("celery", "inline"):
    raise ImproperlyConfigured("La variable d'environnement EMAIL_DELIVERY vaut « celery » ou « inline ».")
CELERY_BROKER_URL = _env("CELERY_BROKER_URL", str, REDIS_URL or "redis://127.0.0.1:6379/0")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Security headers ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every other method (TRACE, PUT, DELETE…) is answered 405 by core.middleware.RequestGuardMiddleware.
ALLOWED_HTTP_METHODS = ["GET", "HEAD", "POST", "OPTIONS"]
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The captcha solves its proof of work in a Web Worker built from a blob.
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env("SECURE_SSL_REDIRECT", bool, True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The health checks answer over plain HTTP too (container healthchecks, load balancers).
    SECURE_REDIRECT_EXEMPT = [r"^sante/"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # ASVS 3.3.1: a __Host- cookie is Secure, Path=/ and has no Domain, so no sub-domain can set or
    # shadow it. Browsers that still hold the old names are carried over by
    # core.middleware.LegacyCookieNamesMiddleware.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    KNOWN_DEVICE_COOKIE_NAME = "__Host-appareil"
    SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
    SECURE_HSTS_SECONDS = _env("SECURE_HSTS_SECONDS", int, 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env("SECURE_HSTS_PRELOAD", bool, True)
    # cached_db that falls back to the database when Redis is down (core/sessions.py), bringing
    # the signed-in user's cached copy in the same round trip (accounts/sessions.py).
    SESSION_ENGINE = "accounts.sessions"

# --- Logging ---------------------------------------------------------------------------
# Production: one JSON line per request and per background job (request id, user and
# establishment ids, never a secret). The embedded default prints readable lines.
LOG_FORMAT = _env("LOG_FORMAT", str, "json" if PRODUCTION else "text")
# No log line of the portal prints the thread or the process (the JSON lines carry the request
# id): the logging HOWTO's « Optimization » switches spare every record (one per request) looking
# them up.
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", str, "INFO")},
    "loggers": {
        "django_altcha": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # Requests are logged once, by core.observability.RequestLogMiddleware.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

# --- The REST API (SPEC M15.1, M15.2) -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopes"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Paths whose early refusals (core.middleware) answer in the API's JSON shape, not as a page.
JSON_ERROR_PATHS = ["/api/"]
# Requests per token (or per signed-in person) and per minute; beyond: 429 with Retry-After.
API_RATE_PER_MINUTE = _env("API_RATE_PER_MINUTE", int, 300)
# How long a response stays replayable under its Idempotency-Key (hours).
API_IDEMPOTENCY_HOURS = _env("API_IDEMPOTENCY_HOURS", int, 24)
SPECTACULAR_SETTINGS = {
    "TITLE": "Espace Clients — API",
    "DESCRIPTION": (
        "L'API REST de l'Espace Clients : les mêmes règles que les pages (mêmes droits, mêmes actions). "
        "Authentification : « Authorization: Bearer <jeton> » (jetons créés dans « Mon profil »)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- Webhooks (SPEC M15.4) -----------------------------------------------------------------
# Sent by the Celery worker in production, right after the commit in the embedded default.
WEBHOOKS_DELIVERY = _env("WEBHOOKS_DELIVERY", str, "celery" if PRODUCTION else "inline")
if WEBHOOKS_DELIVERY not in ("celery", "inline"):
    raise ImproperlyConfigured("La variable d'environnement WEBHOOKS_DELIVERY vaut « celery » ou « inline ».")
WEBHOOKS_TIMEOUT = _env("WEBHOOKS_TIMEOUT", int, 10)  # seconds, to connect and to read
# Networks that webhooks may reach although not public (loopback, private, link-local…): none by
# default. Example: WEBHOOKS_ALLOWED_NETWORKS=10.0.5.0/24 for a receiver inside the vendor's network.
WEBHOOKS_ALLOWED_NETWORKS = _env("WEBHOOKS_ALLOWED_NETWORKS", list, [])
for _network in WEBHOOKS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"La variable d'environnement WEBHOOKS_ALLOWED_NETWORKS est invalide : {_network!r} n'est pas un réseau."
        ) from None

# --- Support (DI) ------------------------------------------------------------------------
ATTACHMENT_MAX_SIZE = _env("ATTACHMENT_MAX_SIZE", int, 10 * 1024 * 1024)
ATTACHMENT_MAX_COUNT = _env("ATTACHMENT_MAX_COUNT", int, 5)
ATTACHMENT_ALLOWED_EXTENSIONS = _env(
    "ATTACHMENT_ALLOWED_EXTENSIONS",
    list,
    ["pdf", "png", "jpg", "jpeg", "gif", "txt", "log", "csv", "docx", "xlsx", "odt", "ods", "doc", "xls", "zip"],
)
# The largest file the back office may publish in « Téléchargements » (nginx's upload location
# accepts a little more: deploy/nginx/espace-clients.conf).
DOWNLOAD_MAX_SIZE = _env("DOWNLOAD_MAX_SIZE", int, 4 * 1024 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A DI left in « Clôture à valider » this many days is closed automatically.
TICKET_CLOSURE_VALIDATION_DAYS = _env("TICKET_CLOSURE_VALIDATION_DAYS", int, 15)

# --- Service levels (SPEC M13) -------------------------------------------------------------
# The vendor's working days (ISO weekdays, Monday = 1) and hours, in TIME_ZONE: the service-level
# clocks count only this time (and skip French public holidays, servicelevels.calendar).
SERVICE_DAYS = _env("SERVICE_DAYS", str, "1-5")
SERVICE_HOURS = _env("SERVICE_HOURS", str, "09:00-12:30,13:30-18:00")
# The daily e-mail of late DIs to each team's lead (local time).
LATE_DIGEST_HOUR = _env("LATE_DIGEST_HOUR", int, 8)
# The reports' monthly figures: months recomputed by the nightly refresh (besides the months
# whose DIs changed, refreshed every REPORTS_REFRESH_MINUTES).
REPORTS_RECENT_MONTHS = _env("REPORTS_RECENT_MONTHS", int, 3)
REPORTS_REFRESH_MINUTES = _env("REPORTS_REFRESH_MINUTES", int, 10)
# --- Replies by e-mail (inbound) ------------------------------------------------------------
# Off unless INBOUND_IMAP_URL is set: then each e-mail about a DI carries a Reply-To of its own,
# « support+<jeton>@domaine » on INBOUND_REPLY_ADDRESS, and the mailbox is read over IMAP
# (imaps://user:password@host:993/INBOX) by Celery beat and `manage.py fetch_replies`.
INBOUND_IMAP_URL = _env("INBOUND_IMAP_URL", str, "")
INBOUND_REPLY_ADDRESS = _env("INBOUND_REPLY_ADDRESS", str, "")
if INBOUND_IMAP_URL:
    if not INBOUND_IMAP_URL.startswith(("imaps://", "imap://", "imap+starttls://")):
        raise ImproperlyConfigured(
            "La variable d'environnement INBOUND_IMAP_URL doit commencer par imaps://, imap+starttls:// ou imap://."
        )
    if "@" not in INBOUND_REPLY_ADDRESS or "+" in INBOUND_REPLY_ADDRESS.split("@")[0]:
        raise ImproperlyConfigured(
            "La variable d'environnement INBOUND_REPLY_ADDRESS est obligatoire avec INBOUND_IMAP_URL : "
            "l'adresse de la boîte, sans « + » (par exemple support@cegape.fr)."
        )
# The HMAC key of the reply addresses, a secret of its own (rotating it voids the addresses sent).
INBOUND_TOKEN_KEY = _env("INBOUND_TOKEN_KEY", str, "")
if INBOUND_IMAP_URL and PRODUCTION and len(INBOUND_TOKEN_KEY) < 32:
    raise ImproperlyConfigured(
        "La variable d'environnement INBOUND_TOKEN_KEY (32 caractères au moins) est obligatoire en production "
        "quand INBOUND_IMAP_URL est défini."
    )
# A reply address stays valid this many days after its DI is closed or cancelled.
INBOUND_TOKEN_DAYS_AFTER_CLOSE = _env("INBOUND_TOKEN_DAYS_AFTER_CLOSE", int, 30)
INBOUND_PROCESSED_FOLDER = _env("INBOUND_PROCESSED_FOLDER", str, "Traites")
INBOUND_FAILED_FOLDER = _env("INBOUND_FAILED_FOLDER", str, "Erreurs")
INBOUND_MAX_MESSAGE_SIZE = _env("INBOUND_MAX_MESSAGE_SIZE", int, 20 * 1024 * 1024)
INBOUND_MAX_BODY_CHARS = _env("INBOUND_MAX_BODY_CHARS", int, 50_000)
INBOUND_FETCH_INTERVAL = _env("INBOUND_FETCH_INTERVAL", int, 60)  # seconds between two readings (Celery beat)
INBOUND_FETCH_BATCH = _env("INBOUND_FETCH_BATCH", int, 200)  # mails read per run at most
INBOUND_IMAP_TIMEOUT = _env("INBOUND_IMAP_TIMEOUT", int, 30)
# imaps:// checks the server's certificate against the system's authorities, or this file (a
# private authority). The name checked is the URL's host.
INBOUND_IMAP_CA_FILE = _env("INBOUND_IMAP_CA_FILE", str, "")
# The authserv-id of the Authentication-Results header your own mail server adds (RFC 8601), e.g.
# « mx.cegape.fr »: when set, a reply that this server marks dmarc=fail is taken for a forged From.
INBOUND_AUTHSERV_ID = _env("INBOUND_AUTHSERV_ID", str, "")

# --- Data retention (days) -----------------------------------------------------------------
RETENTION_EMAIL_DAYS = _env("RETENTION_EMAIL_DAYS", int, 90)
RETENTION_AUDIT_DAYS = _env("RETENTION_AUDIT_DAYS", int, 365)

# --- Error reporting (optional) ----------------------------------------------------------------
# Sentry (or a compatible service such as GlitchTip) receives unhandled errors of the web and worker
# processes when SENTRY_DSN is set; core/errors.py scrubs every event of secrets and personal data.
SENTRY_DSN = _env("SENTRY_DSN", str, "")
if SENTRY_DSN:
    from core.errors import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=_env("SENTRY_ENVIRONMENT", str, "production" if PRODUCTION else "development"),
        release=_env("SENTRY_RELEASE", str, None),
    )
