"""Real processes for the fault tests: the site under gunicorn with production settings on a
PostgreSQL database of its own, its own redis-server (killed, restarted, paused), the message
worker and an SMTP server. The process manager, the database and the browser (cookie jar,
CSRF token from the form, behind the TLS proxy) are the deploy check's (deploy/check.py)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis
import requests
from django.conf import settings

from deploy.check import Browser, Processes, free_port, wait_for_port, wait_until

__all__ = ["Browser", "Site", "site_env", "wait_until"]

ROOT = Path(settings.BASE_DIR)
PASSWORD = "a-long-and-unusual-passphrase-93"
TEST_CODE = "424242"  # test mode: +clerk_test addresses accept it, nothing is sent
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ADMIN_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
# Every request comes from 127.0.0.1 here: per-IP limits far out of the way (locks are not).
RATE_LIMITS = ";".join(
    f"{scope}=100000/10"
    for scope in ("sign_in_start", "factor_attempt", "code_send", "identifier_attempt")
)


def site_env(tmp: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "authflows.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_ORIGIN": "https://127.0.0.1",
        "BEHIND_TLS_PROXY": "true",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(tmp / "static"),
        "TASK_BACKEND": "database",
        "RATE_LIMITS": RATE_LIMITS,
        "REDIS_TIMEOUT": "1",
        "EMAIL_TIMEOUT": "2",
        "DEFAULT_FROM_EMAIL": "no-reply@example.com",
        "WEB_CONCURRENCY": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


class Site:
    """The site's processes. `start()` runs redis-server and gunicorn (the Procfile's `web`
    with deploy/gunicorn.conf.py); the test adds the worker or an SMTP server as it needs."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.processes = Processes(tmp)
        self.redis_port, self.web_port = free_port(), free_port()
        self.env = {
            **env,
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "BIND": f"127.0.0.1:{self.web_port}",
        }
        self.base = f"http://127.0.0.1:{self.web_port}"

    # --- Redis ---------------------------------------------------------------------------

    def start_redis(self) -> None:
        argv = [shutil.which("redis-server") or "redis-server", "--port", str(self.redis_port)]
        argv += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.tmp)]
        self.processes.start("redis", argv, self.env)
        assert wait_for_port(self.redis_port), "redis-server did not start"

    def kill_redis(self) -> None:
        """SIGKILL: no goodbye to the clients, and the data (in memory only) is gone."""
        self.signal_redis(signal.SIGKILL)
        self.processes.running.pop("redis").wait(timeout=10)

    def signal_redis(self, number: signal.Signals) -> None:
        os.kill(self.processes.running["redis"].pid, number)

    def redis(self) -> redis.Redis:
        return redis.Redis(port=self.redis_port, socket_timeout=5)

    # --- the site ------------------------------------------------------------------------

    def start(self) -> Site:
        self.start_redis()
        gunicorn = [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"]
        self.processes.start("web", [*gunicorn, "authflows.wsgi:application"], self.env)
        assert wait_for_port(self.web_port), self.processes.log("web")[-2000:]
        return self

    def start_worker(self, **extra: str) -> None:
        """The Procfile's `worker` (polling every 0.2 s instead of 1)."""
        argv = [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"]
        self.processes.start("worker", argv, {**self.env, **extra})

    def shell(self, code: str) -> None:
        manage(self.env, "shell", "-c", code)

    def browser(self) -> Browser:
        return Browser(self.base)

    def health(self) -> requests.Response:
        return requests.get(f"{self.base}/healthz", timeout=15)

    def wait_healthy(self, seconds: float = 20) -> None:
        """Until /healthz reports the cache ok: Redis answers again and the circuit has closed."""
        took = wait_until(lambda: self.health().json().get("cache") == "ok", seconds, step=0.25)
        assert took is not None, self.processes.log("web")[-2000:]

    def stop(self) -> None:
        self.processes.stop_all()


def sign_in(browser: Browser, email: str, password: str = PASSWORD) -> requests.Response:
    return browser.submit("/sign-in/", {"identifier": email, "password": password})


def trust_and_sign_in(browser: Browser, email: str) -> None:
    """A new device: password, then the test-mode code; lands signed in and trusted."""
    answer = sign_in(browser, email)
    assert answer.headers.get("Location") == "/sign-in/client-trust/", answer.status_code
    done = browser.submit("/sign-in/client-trust/", {"code": TEST_CODE}, button="action")
    assert done.headers.get("Location") == "/", done.status_code


def sign_out(browser: Browser) -> None:
    """The "Sign out" button of the home page."""
    token = CSRF_INPUT.search(browser.get("/").text)
    assert token, "no sign-out form"
    answer = browser.session.post(
        f"{browser.base}/sign-out/", data={"csrfmiddlewaretoken": token.group(1)},
        allow_redirects=False, timeout=15,
    )  # fmt: skip
    browser._through_proxy(answer)
    assert answer.status_code == 302, answer.status_code


def signed_in_as(browser: Browser, email: str) -> bool:
    page = browser.get("/user/")
    return page.status_code == 200 and email in page.text


def timed(call: Callable[[], requests.Response]) -> tuple[requests.Response, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def users_script(*emails: str, password: str = PASSWORD, **dashboard: object) -> str:
    """manage.py shell code: the users (one password), test mode on, Dashboard changes."""
    dashboard = {"test_mode": True, **dashboard}
    lines = ["from authflows.models import InstanceSettings, User"]
    lines += [f"User.objects.create_user(email={e!r}, password={password!r})" for e in emails]
    lines += ["row = InstanceSettings.load()"]
    lines += [f"row.{name} = {value!r}" for name, value in dashboard.items()]
    lines += ["row.save()"]
    return "\n".join(lines)
