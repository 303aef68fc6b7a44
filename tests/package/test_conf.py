"""authflows.conf (what a project takes) and authflows/settings.py (the standalone site) say the
same thing, and the data directories are found in a checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from authflows import conf, paths
from tests.package.conftest import ROOT

# The site's settings as a fresh process reads them with no environment of its own (DEBUG on,
# every default), printed as JSON.
SITE_SETTINGS = """
import json
from authflows import settings as s
names = ["INSTALLED_APPS", "MIDDLEWARE", "AUTH_USER_MODEL", "AUTHENTICATION_BACKENDS",
         "SESSION_ENGINE", "LOGIN_URL", "PASSWORD_HASHERS", "ARGON2_TIME_COST",
         "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM", "LANGUAGES", "LOCALE_PATHS",
         "CONTENT_SECURITY_POLICY", "STATICFILES_DIRS"]
values = {name: getattr(s, name) for name in names}
values["CONTEXT_PROCESSORS"] = s.TEMPLATES[0]["OPTIONS"]["context_processors"]
values["TEMPLATE_DIRS"] = s.TEMPLATES[0]["DIRS"]
print(json.dumps(values, default=str))
"""


def site_settings() -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    done = subprocess.run(
        [sys.executable, "-c", SITE_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_site_uses_the_values_conf_offers_projects() -> None:
    site = site_settings()
    assert site["MIDDLEWARE"] == conf.middleware(whitenoise=True, csp=True)
    apps = site["INSTALLED_APPS"]
    assert isinstance(apps, list) and apps[-len(conf.INSTALLED_APPS) :] == conf.INSTALLED_APPS
    processors = site["CONTEXT_PROCESSORS"]
    assert isinstance(processors, list) and processors[-2:] == conf.CONTEXT_PROCESSORS
    for name in (
        "AUTH_USER_MODEL",
        "AUTHENTICATION_BACKENDS",
        "SESSION_ENGINE",
        "LOGIN_URL",
        "PASSWORD_HASHERS",
        "ARGON2_TIME_COST",
        "ARGON2_MEMORY_COST",
        "ARGON2_PARALLELISM",
        "CONTENT_SECURITY_POLICY",
    ):
        assert site[name] == getattr(conf, name), name
    languages = [tuple(pair) for pair in site["LANGUAGES"]]
    assert languages[: len(conf.LANGUAGES)] == conf.LANGUAGES
    assert site["LOCALE_PATHS"] == [str(p) for p in conf.LOCALE_PATHS]


def test_a_checkout_finds_its_data_directories_at_the_root() -> None:
    assert not paths.is_installed()
    for name in paths.DATA_DIRS:
        assert paths.data_dir(name) == ROOT / name and (ROOT / name).is_dir()
    site = site_settings()
    assert site["TEMPLATE_DIRS"] == [str(ROOT / "templates")]
    # The Clerk SDK pages join once built (make clerk-app, before the e2e-clerk journeys).
    built = ROOT / "clients" / "clerk-react" / "dist"
    clerk_app = [["clerk-app", str(built)]] if built.is_dir() else []
    assert site["STATICFILES_DIRS"] == [str(ROOT / "static"), *clerk_app]
    assert site["LOCALE_PATHS"] == [str(ROOT / "locale")]


def test_middleware_options_put_whitenoise_and_csp_where_they_belong() -> None:
    plain = conf.middleware()
    assert conf.WHITENOISE_MIDDLEWARE not in plain and conf.CSP_MIDDLEWARE not in plain
    full = conf.middleware(whitenoise=True, csp=True)
    security = full.index("django.middleware.security.SecurityMiddleware")
    assert full.index(conf.WHITENOISE_MIDDLEWARE) == security + 2  # after the charset check
    assert full.index(conf.CSP_MIDDLEWARE) < full.index(
        "authflows.middleware.StepTransactionMiddleware"
    )
    assert conf.middleware() is not conf.middleware()  # a new list each call
