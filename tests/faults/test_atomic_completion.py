"""A worker killed at the worst moment of a sign-in leaves the old state or the new one, never
half of each. gunicorn runs the site on its own PostgreSQL database; the completing request
(the right client-trust code) kills its worker just before its transaction commits, or just
after, through the crash point the site has for these tests (authflows/faults.py)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings

from tests.delivery.servers import free_port, wait_for_port

pytestmark = pytest.mark.postgres
ROOT = Path(settings.BASE_DIR)
EMAIL = "ada+clerk_test@example.com"  # test mode: the code is 424242, nothing is sent
PASSWORD = "a-long-and-unusual-passphrase-93"
CODE_PAGE = "/sign-in/client-trust/"

STATE = """
import json, django
django.setup()
from authflows.models import AuthEvent, SignInAttempt, TrustedClient, UserSession
from django_tasks_db.models import DBTaskResult
print(json.dumps({
    "trusted": TrustedClient.objects.count(),
    "complete": SignInAttempt.objects.filter(status="complete").count(),
    "signed_in_events": AuthEvent.objects.filter(kind="sign_in.succeeded").count(),
    "trust_events": AuthEvent.objects.filter(kind="trust.granted").count(),
    "signed_in_sessions": UserSession.objects.filter(user__isnull=False).count(),
    "queued_messages": DBTaskResult.objects.count(),
}))
"""
SETUP = f"""
import django
django.setup()
from authflows.models import InstanceSettings, User
User.objects.create_user(email="{EMAIL}", password="{PASSWORD}")
row = InstanceSettings.load(); row.test_mode = True; row.save()
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A production-like environment on a database of its own (created, then dropped)."""
    name = f"authflows_crash_{os.getpid()}_{secrets.token_hex(3)}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "authflows.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_ORIGIN": "https://127.0.0.1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "BEHIND_TLS_PROXY": "true",
        "TASK_BACKEND": "database",
        # A shared cache, as in production: a sign-in in progress outlives a worker's crash.
        "CACHE_URL": os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/1",
    }
    try:
        steps = (
            ["manage.py", "migrate", "--noinput"],
            ["manage.py", "collectstatic", "--noinput"],
            ["-c", SETUP],
        )
        for args in steps:
            done = run(env, *args)
            assert done.returncode == 0, done.stderr
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=180, check=False,
    )  # fmt: skip


def state(env: dict[str, str]) -> dict[str, int]:
    done = run(env, "-c", STATE)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Gunicorn:
    def __init__(self, env: dict[str, str], crash_at: str = "") -> None:
        self.port = free_port()
        environment = {**env, "AUTHFLOWS_CRASH_AT": crash_at} if crash_at else env
        command = [sys.executable, "-m", "gunicorn", "authflows.wsgi:application"]
        self.process = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            env=environment,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, seconds=30)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Browser:
    """A cookie jar posting what a browser posts, behind the TLS proxy the site expects: the
    site's cookies are Secure, and the proxy carries them to the app over plain HTTP."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["X-Forwarded-Proto"] = "https"

    def _through_proxy(self) -> None:
        for cookie in self.session.cookies:
            cookie.secure = False

    def post(self, site: Gunicorn, path: str, fields: dict[str, str]) -> requests.Response:
        self.session.get(site.url + path, timeout=30, allow_redirects=False)
        self._through_proxy()
        token = self.session.cookies.get("csrftoken", "")
        headers = {"Referer": f"https://127.0.0.1:{site.port}{path}", "X-CSRFToken": token}
        fields = {"csrfmiddlewaretoken": token, **fields}
        answer = self.session.post(
            site.url + path, data=fields, headers=headers, timeout=30, allow_redirects=False
        )
        self._through_proxy()
        return answer

    def reach_the_code_page(self, site: Gunicorn) -> None:
        response = self.post(site, "/sign-in/", {"identifier": EMAIL, "password": PASSWORD})
        assert response.headers.get("Location") == CODE_PAGE, response.status_code

    def signed_in(self, site: Gunicorn) -> bool:
        page = self.session.get(site.url + "/user/", timeout=30, allow_redirects=False)
        self._through_proxy()
        return page.status_code == 200


NOTHING_DONE = {"trusted": 0, "complete": 0, "signed_in_events": 0, "trust_events": 0}


def test_killed_before_commit_the_sign_in_never_happened_and_can_be_finished(site):
    browser = Browser()
    crashing = Gunicorn(site, crash_at=f"before-commit POST {CODE_PAGE}")
    try:
        browser.reach_the_code_page(crashing)
        before = state(site)
        with pytest.raises(requests.ConnectionError):  # the worker died mid-request
            browser.post(crashing, CODE_PAGE, {"code": "424242", "action": "verify"})
    finally:
        crashing.stop()
    after = state(site)
    assert {k: after[k] for k in NOTHING_DONE} == NOTHING_DONE
    assert after["signed_in_sessions"] == 0
    assert after["queued_messages"] == before["queued_messages"]  # no notice without a sign-in
    healthy = Gunicorn(site)
    try:
        # The code was not used up: the same browser finishes with it now.
        done = browser.post(healthy, CODE_PAGE, {"code": "424242", "action": "verify"})
        assert done.headers["Location"] == "/"
        assert browser.signed_in(healthy)
    finally:
        healthy.stop()
    final = state(site)
    assert {k: final[k] for k in NOTHING_DONE} == {k: 1 for k in NOTHING_DONE}
    assert final["signed_in_sessions"] == 1
    assert final["queued_messages"] == before["queued_messages"] + 1  # "new sign-in" notice


def test_killed_after_commit_everything_of_the_sign_in_is_there(site):
    browser = Browser()
    crashing = Gunicorn(site, crash_at=f"after-commit POST {CODE_PAGE}")
    try:
        browser.reach_the_code_page(crashing)
        before = state(site)
        with pytest.raises(requests.ConnectionError):
            browser.post(crashing, CODE_PAGE, {"code": "424242", "action": "verify"})
    finally:
        crashing.stop()
    after = state(site)
    # The device, its session, the audit rows and the notice: all of them, together.
    assert {k: after[k] for k in NOTHING_DONE} == {k: 1 for k in NOTHING_DONE}
    assert after["signed_in_sessions"] == 1
    assert after["queued_messages"] == before["queued_messages"] + 1
