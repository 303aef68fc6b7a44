"""Django settings for the authflows site, read from the environment (django-environ).

Every value has a development default so `make run` works on a fresh machine with no
configuration: SQLite, local-memory cache, console email, outbox SMS, DEBUG on.
Production sets DEBUG=false and supplies SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL,
CACHE_URL (redis://) and EMAIL_URL.
"""

from pathlib import Path

import environ

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
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "authflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
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
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "authflows.context_processors.authflows",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory by default; CACHE_URL=redis://... (Django's built-in Redis cache) in
# production so rate limits, instance settings and sessions are shared by every worker.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://authflows")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "authflows.cache.RedisCache"  # reuses its redis-py clients

# Sessions live in the database (so a user's sessions can be listed and ended) with a cache
# in front, so reading the session costs no query on most requests.
SESSION_ENGINE = "authflows.sessions"
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
PASSWORD_HASHERS = [
    "authflows.hashers.ConfiguredArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
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
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="authflows <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

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
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "authflows": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    },
}

# Deploy-time knobs of authflows itself (read through authflows.app_settings).
AUTHFLOWS_SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default="authflows.delivery.sms.DatabaseOutboxBackend"
    if DEBUG
    else "authflows.delivery.sms.ConsoleBackend",
)
AUTHFLOWS_DEV_OUTBOX = env.bool("DEV_OUTBOX", default=DEBUG)
# Where the client's IP comes from behind reverse proxies: read authflows/protect/ip.py first.
AUTHFLOWS_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AUTHFLOWS_TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", default="")
# Rate-limit overrides, e.g. RATE_LIMITS="sign_in_start=10/10;code_send_hourly=5/3600".
AUTHFLOWS_RATE_LIMITS = env.str("RATE_LIMITS", default="")
AUTHFLOWS_PWNED_RANGE_CHECK = env.bool("PWNED_RANGE_CHECK", default=False)
AUTHFLOWS_PWNED_RANGE_API = env.str(
    "PWNED_RANGE_API", default="https://api.pwnedpasswords.com/range/"
)
