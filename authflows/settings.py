"""Django settings for the authflows site, read from the environment (django-environ).

Every value has a development default so `make run` works on a fresh machine with no
configuration: SQLite, local-memory cache, console email, outbox SMS, DEBUG on.
Production sets DEBUG=false and supplies SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL,
CACHE_URL (redis://) and EMAIL_URL; the README's "Deploy" section lists every variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from authflows import paths

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    # WhiteNoise serves static files under runserver too, as it does in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "authflows",
]

MIDDLEWARE = [
    "authflows.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "authflows.middleware.RequestEncodingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # One transaction per request, around the session's save, the audit rows and the messages.
    "authflows.middleware.StepTransactionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "authflows.middleware.AuthflowsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "authflows.urls"
WSGI_APPLICATION = "authflows.wsgi.application"
ASGI_APPLICATION = "authflows.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [paths.data_dir("templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "authflows.context_processors.authflows",
                "authflows.observability.request_id",
            ],
        },
    },
]

# Database: the embedded default is a SQLite file; DATABASE_URL=postgres://... in production.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a lock instead of failing at once when two requests write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend; a connection that answered within the last second skips the health
    # check's round trip (authflows/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "authflows.postgresql"
    # An unreachable server fails the connection after a few seconds instead of holding a
    # worker; optionally, the server cancels statements that run longer than the limit.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    if _statement_timeout := env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=0):
        _pg_options["options"] = f"-c statement_timeout={_statement_timeout}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory by default; CACHE_URL=redis://... (Django's built-in Redis cache) in
# production so rate limits, instance settings and sessions are shared by every worker.
# Two aliases on the one cache (see authflows/cache.py): "default" keeps the rate-limit and
# lockout counts and fails closed when Redis is down (503); "copies" keeps copies of database
# rows (sessions, the Dashboard row) and treats a failure as a miss, so pages keep working.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://authflows")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "authflows.cache.RedisCache"
    # A hung or unreachable Redis costs a request at most a couple of seconds.
    _redis_timeout = env.float("REDIS_TIMEOUT", default=2.0)
    _redis_options = CACHES["default"].setdefault("OPTIONS", {})
    _redis_options.setdefault("socket_timeout", _redis_timeout)
    _redis_options.setdefault("socket_connect_timeout", _redis_timeout)
    CACHES["copies"] = {**CACHES["default"], "BACKEND": "authflows.cache.CopiesCache"}
else:  # a local-memory cache of the same name shares its storage
    CACHES["copies"] = dict(CACHES["default"])

# Sessions live in the database (so a user's sessions can be listed and ended) with a cache
# in front, so reading the session costs no query on most requests.
SESSION_ENGINE = "authflows.session_store"
SESSION_CACHE_ALIAS = "copies"
SESSION_COOKIE_AGE = 7 * 24 * 3600  # the Dashboard's maximum lifetime is enforced on top
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

AUTH_USER_MODEL = "authflows.User"
AUTHENTICATION_BACKENDS = ["authflows.backends.AuthflowsBackend"]
LOGIN_URL = "authflows:sign-in"
LOGIN_REDIRECT_URL = "/"

# Argon2id first. Parameters: OWASP's password-storage recommendation (m=19 MiB, t=2, p=1)
# by default; raise them with ARGON2_* (see `manage.py calibrate_hasher`).
ARGON2_TIME_COST = env.int("ARGON2_TIME_COST", default=2)
ARGON2_MEMORY_COST = env.int("ARGON2_MEMORY_COST", default=19456)  # KiB
ARGON2_PARALLELISM = env.int("ARGON2_PARALLELISM", default=1)
# The library that verifies: "auto" times libsodium and argon2-cffi once per process on this
# host and keeps the cheaper (authflows/hashers.py; README: "Password hashing").
ARGON2_VERIFIER = env.str("ARGON2_VERIFIER", default="auto")
if ARGON2_VERIFIER not in ("auto", "libsodium", "argon2-cffi"):
    raise ImproperlyConfigured("ARGON2_VERIFIER must be auto, libsodium or argon2-cffi")
PASSWORD_HASHERS = [
    "authflows.hashers.ConfiguredArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Email: console when DEBUG, SMTP otherwise, unless EMAIL_URL says (smtp://user:pw@host:587).
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
# Or a provider's API through django-anymail (installed separately), e.g.
# EMAIL_BACKEND=anymail.backends.postmark.EmailBackend ANYMAIL='{"POSTMARK_SERVER_TOKEN": "..."}'
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
ANYMAIL = env.json("ANYMAIL", default={})
# A hung mail server holds the sending worker for at most this long per network operation.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The address; the display name is the Dashboard's application name.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="authflows <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Messages leave through a task queue (django-tasks, Django 6's Tasks API). "database":
# django-tasks-db stores each task in the caller's transaction and `manage.py db_worker` sends
# it, with retries. "immediate": sent inside the request (development: console email and the
# outbox SMS can neither fail nor hang, and no second process is needed).
TASK_BACKEND = env.str("TASK_BACKEND", default="immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASK_BACKEND must be one of {', '.join(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND]}}

# Languages: pages follow the browser's Accept-Language, or the language picked in the footer
# (Django's set_language view, remembered in the django_language cookie). Catalogs live in
# locale/: `make messages` regenerates them, `make` compiles the .mo files. Each language is
# named in itself, as a language picker should show it.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
# The pseudo-locale: English with accented look-alike letters, brackets and 35 % more length
# (`manage.py pseudo_locale` writes it), to show unmarked strings and text that overflows.
# "en-XA" is the code Android and Chromium give their accented-English pseudo-locale (XA is a
# private-use region in BCP 47, so it can never clash with a real language). Offered in
# development only, unless PSEUDO_LOCALE says otherwise.
if env.bool("PSEUDO_LOCALE", default=DEBUG):
    LANGUAGES.append(("en-xa", "[Ƥšéûðö-Éñĝļîšĥ]"))
LOCALE_PATHS = [paths.data_dir("locale")]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# templates/, static/ and locale/ sit at the repository root in a checkout and inside the
# package when installed from the wheel (authflows/paths.py).
STATICFILES_DIRS = paths.checkout_dirs("static")
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Production: WhiteNoise serves `collectstatic`'s output from the app itself: content-hashed
# names cached for ten years (immutable), gzip copies (Brotli too with the brotli package).
# DEBUG serves the sources.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Decided by the DEBUG variable (test runners turn settings.DEBUG off, not the variable).
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# Security: production defaults (DEBUG off) pass `manage.py check --deploy`.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer's health probe and the metrics scraper may use plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

# A strict Content-Security-Policy: no inline script or style, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# One console handler on the root logger; every line carries the request id. django.request
# errors (500s, 503s) are written with their traceback, whatever DEBUG says.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "authflows.observability.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": [], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
        "authflows": {"level": env.str("LOG_LEVEL", default="INFO")},
        "django_tasks": {"level": env.str("TASKS_LOG_LEVEL", default="WARNING")},
        "django_tasks_db": {"level": env.str("TASKS_LOG_LEVEL", default="WARNING")},
    },
}

# Deploy-time knobs of authflows itself (read through authflows.app_settings).
AUTHFLOWS_SMS_BACKEND = env.str(
    "SMS_BACKEND",
    # Production refuses SMS until a provider is named: a printed message would leak its code.
    default="authflows.delivery.sms.DatabaseOutboxBackend"
    if DEBUG
    else "authflows.delivery.sms.NotConfiguredBackend",
)
AUTHFLOWS_DEV_OUTBOX = env.bool("DEV_OUTBOX", default=DEBUG)
# Where the client's IP comes from behind reverse proxies: read authflows/protect/ip.py first.
AUTHFLOWS_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AUTHFLOWS_TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", default="")
# A request-id header the reverse proxy sets on every request (e.g. X-Request-ID); unset, each
# request gets a new id. See authflows/observability.py.
AUTHFLOWS_REQUEST_ID_HEADER = env.str("REQUEST_ID_HEADER", default="")
# The bearer token a Prometheus scraper sends to /metrics (unset: no /metrics).
AUTHFLOWS_METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Rate-limit overrides, e.g. RATE_LIMITS="sign_in_start=10/10;code_send_hourly=5/3600".
AUTHFLOWS_RATE_LIMITS = env.str("RATE_LIMITS", default="")
# Scheme and host of emailed links (never the request's Host header), e.g. https://id.example.com
AUTHFLOWS_PUBLIC_ORIGIN = env.str("PUBLIC_ORIGIN", default="")
# Passkeys: the relying party ID (a domain the site's origins share) and the origins whose
# pages may use them; unset, both follow PUBLIC_ORIGIN (README, "Passkeys").
AUTHFLOWS_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="")
AUTHFLOWS_WEBAUTHN_ORIGINS = env.list("WEBAUTHN_ORIGINS", default=[])
AUTHFLOWS_PWNED_RANGE_CHECK = env.bool("PWNED_RANGE_CHECK", default=False)

# Clerk's Frontend API (/__clerk/v1/, authflows/fapi/). The pages of clients/clerk-react (the
# seeds' components on Clerk's own SDK; `make e2e-clerk` builds them) are served at
# /static/clerk-app/ once built, on the site's own origin like the API they call.
CLERK_APP_DIR = Path(
    env.str("CLERK_APP_DIR", default=str(BASE_DIR / "clients" / "clerk-react" / "dist"))
)
if CLERK_APP_DIR.is_dir():
    # A (prefix, directory) pair, as Django allows; the list above was inferred as paths only.
    STATICFILES_DIRS.append(("clerk-app", CLERK_APP_DIR))  # type: ignore[arg-type]
AUTHFLOWS_PWNED_RANGE_API = env.str(
    "PWNED_RANGE_API", default="https://api.pwnedpasswords.com/range/"
)
