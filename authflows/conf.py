"""The settings a Django project takes from authflows to embed it (README: "Use in your
project"), so a project does not copy them line by line:

    from authflows import conf as authflows_conf

    INSTALLED_APPS += authflows_conf.INSTALLED_APPS
    MIDDLEWARE = authflows_conf.middleware()
    ...

Plain values and one function; importing this module reads no environment, imports no model
and changes no setting. `authflows/settings.py` is the standalone site's own settings and
uses the same values (`tests/package/test_conf.py` holds the two together).
"""

from __future__ import annotations

from authflows import paths

#: After Django's own apps: django_otp's TOTP devices, the task queue the messages go
#: through (django-tasks and its database backend), and authflows itself (last, so its
#: admin can hide django_otp's device admin, which shows secrets).
INSTALLED_APPS = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "authflows",
]

WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"


def middleware(*, whitenoise: bool = False, csp: bool = False) -> list[str]:
    """The middleware list, in the order authflows needs: request ids first (every log line
    and error page carries one); a body in another charset refused before CSRF reads it; one
    database transaction per request around the session's save, the audit rows and the queued
    messages (so it wraps the session middleware); the language from the session, cookie or
    Accept-Language; authflows' own middleware after authentication (the flow context, session
    lifetime, 429 answers). `whitenoise`: serve static files from the app (production without
    another server); `csp`: django-csp's Content-Security-Policy header (see
    CONTENT_SECURITY_POLICY). A new list on every call: insert your own middleware into it."""
    return [
        "authflows.observability.RequestIdMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "authflows.middleware.RequestEncodingMiddleware",
        *([WHITENOISE_MIDDLEWARE] if whitenoise else []),
        *([CSP_MIDDLEWARE] if csp else []),
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


#: Added to the Django template engine's context processors (after Django's own): the
#: Dashboard row and outbox switch the pages show, and the request id of the error pages.
CONTEXT_PROCESSORS = [
    "authflows.context_processors.authflows",
    "authflows.observability.request_id",
]

#: The user model: email, phone and username identifiers, locale, verification flags. Django
#: cannot switch user models once a project has migrated, so this must be set before the
#: project's first `migrate`.
AUTH_USER_MODEL = "authflows.User"
#: Sign-in by email, phone number or username (each when the Dashboard allows it).
AUTHENTICATION_BACKENDS = ["authflows.backends.AuthflowsBackend"]
#: Sessions are database rows that know their user (listed and ended on /user/), with the
#: cache in front.
SESSION_ENGINE = "authflows.session_store"
LOGIN_URL = "authflows:sign-in"

#: Argon2id with OWASP's first recommended parameters (README: "Password hashing"); the
#: hasher reads ARGON2_* from settings on every use.
PASSWORD_HASHERS = [
    "authflows.hashers.ConfiguredArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
ARGON2_TIME_COST = 2
ARGON2_MEMORY_COST = 19456  # KiB
ARGON2_PARALLELISM = 1
#: "auto": the cheaper of libsodium and argon2-cffi on this host, timed once per process.
ARGON2_VERIFIER = "auto"

#: The languages authflows has catalogs for, each named in itself as the footer's language
#: picker shows it (Django's default list has about a hundred).
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]

#: authflows' catalogs ahead of every app's: the first catalog that has a message wins, and a
#: few messages of authflows' pages ("Password reset", "Email", ...) are worded differently in
#: django.contrib.admin's and auth's catalogs. Put your own project's catalogs first.
LOCALE_PATHS = [paths.data_dir("locale")]

#: The strict policy authflows' pages are written for (no inline script or style, nothing
#: from other origins), for django-csp (`middleware(csp=True)`). It applies to every page of
#: the project: loosen it for your own pages if they need more.
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
