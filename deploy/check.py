"""`make deploy-check`: the README's deploy recipe, run from this checkout on loopback.

It starts exactly what the Procfile names (`release`, then `web`, `worker`, `scheduler`) with
DEBUG=false, in temporary directories, against:
- its own PostgreSQL database on the local server (created here, dropped at the end),
- its own redis-server process on a free port,
- its own SMTP server process (aiosmtpd) on a free port,
and behaves like a browser behind a TLS proxy (cookie jar, CSRF token from the form,
`X-Forwarded-Proto: https`). It checks: the pages are styled; with the SMTP server stopped, a
password sign-in on a new device answers the client-trust page (200, not 5xx); once the SMTP
server is back the code arrives within 90 seconds with nobody clicking anything; entering it
completes the sign-in; /metrics (bearer token) counts what the web workers and the message
worker did. Each check prints a line; the exit status is non-zero on any failure.

Environment: DEPLOY_CHECK_POSTGRES (a URL of the server's maintenance database, default
postgres://postgres@127.0.0.1:5432/postgres), REDIS_SERVER (default: redis-server on PATH).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import html.parser
import mailbox
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
EMAIL = "deploy-check@example.com"
PASSWORD = "a-long-deploy-check-passphrase-57"
APPLICATION_NAME = "Deploy Check"
DELIVERY_DEADLINE = 90  # seconds from the SMTP server's return to the code's arrival
OUTAGE_SECONDS = 8  # the SMTP server stays down this long after the code is asked for
METRICS_TOKEN = secrets.token_urlsafe(32)

failures: list[str] = []


def report(ok: bool, what: str, detail: str = "") -> bool:
    print(f"{'ok  ' if ok else 'FAIL'}  {what}{f'  ({detail})' if detail else ''}", flush=True)
    if not ok:
        failures.append(what)
    return ok


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def read_procfile() -> dict[str, str]:
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if command.strip() and not line.startswith("#"):
            processes[name.strip()] = command.strip()
    return processes


class Processes:
    """Every process started here, with its log file; all stopped at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = process
        return process

    def stop(self, name: str) -> None:
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def own_database(admin_url: str) -> Iterator[str]:
    name = f"authflows_deploycheck_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class FormParser(html.parser.HTMLParser):
    """The forms of a page: action, named inputs (with their values) and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "fields": {}, "buttons": {}})
        elif tag in {"input", "button"} and self.forms and values.get("name"):
            kind = values.get("type", "submit" if tag == "button" else "text")
            group = "buttons" if kind == "submit" else "fields"
            if kind not in {"checkbox", "radio"}:
                self.forms[-1][group][values["name"]] = values.get("value", "")


def find_form(page: str, fields: dict[str, str], button: str | None) -> dict[str, Any]:
    """The first form with every field a person fills in (and the button they press)."""
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        if set(fields) <= set(form["fields"]) and (button is None or button in form["buttons"]):
            return form
    raise LookupError(f"no form with {sorted(fields)} and button {button}")


class Browser:
    """A cookie jar, the form's CSRF token and the headers a browser sends, behind the TLS
    proxy that `X-Forwarded-Proto: https` stands for. The site's cookies are Secure; the proxy
    would carry them to the app over plain HTTP, so the jar sends them over loopback HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        origin = "https://" + urlsplit(base).netloc
        self.session.headers.update(
            {"X-Forwarded-Proto": "https", "Origin": origin, "User-Agent": "deploy-check/1"}
        )

    def _through_proxy(self, response: requests.Response) -> requests.Response:
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def get(self, path: str) -> requests.Response:
        url = urljoin(self.base, path)
        return self._through_proxy(self.session.get(url, allow_redirects=False, timeout=15))

    def submit(
        self, path: str, fields: dict[str, str], button: str | None = None
    ) -> requests.Response:
        """Open the page, fill its form, press the button: post what a browser posts (the
        CSRF token and hidden fields, the typed fields, the pressed button's name and value)."""
        form = find_form(self.get(path).text, fields, button)
        data = {**form["fields"], **fields}
        if button is not None:
            data[button] = form["buttons"][button]
        url = urljoin(self.base, form["action"] or path)
        answer = self.session.post(url, data=data, allow_redirects=False, timeout=15)
        return self._through_proxy(answer)


def maildir_messages(path: Path) -> list[EmailMessage]:
    if not path.exists():
        return []
    box = mailbox.Maildir(path, create=False)
    return [
        email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)  # type: ignore[misc]
        for key in box.iterkeys()
    ]


def wait_until(predicate: Callable[[], object], seconds: float, step: float = 0.5) -> float | None:
    """Seconds until predicate() was true, or None after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    return None


def run(
    argv: list[str], env: dict[str, str], timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def shell(command: str) -> list[str]:
    return ["sh", "-c", command]


def main() -> int:
    started = time.monotonic()
    admin_url = os.environ.get(
        "DEPLOY_CHECK_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    redis_server = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
    if not redis_server:
        report(False, "redis-server is installed")
        return 1
    procfile = read_procfile()
    report(
        {"release", "web", "worker", "scheduler"} <= set(procfile),
        "Procfile names release, web, worker and scheduler",
    )
    with (
        tempfile.TemporaryDirectory(prefix="authflows-deploycheck-") as temp,
        own_database(admin_url) as database_url,
    ):
        tmp = Path(temp)
        processes = Processes(tmp)
        try:
            check(processes, tmp, database_url, redis_server, procfile)
        except Exception as error:  # a crash of the check itself is a failure too
            report(False, "the check ran to the end", f"{type(error).__name__}: {error}")
        finally:
            processes.stop_all()
            if failures:
                for name in ("web", "worker", "scheduler", "smtp", "redis"):
                    print(f"--- {name} log (last lines) ---")
                    print("\n".join(processes.log(name).splitlines()[-40:]))
    print(f"{len(failures)} failed in {time.monotonic() - started:.0f} s")
    return 1 if failures else 0


def check(
    processes: Processes, tmp: Path, database_url: str, redis_server: str, procfile: dict[str, str]
) -> None:
    redis_port, smtp_port, web_port = free_port(), free_port(), free_port()
    maildir = tmp / "maildir"
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_ORIGIN": "https://127.0.0.1",
        "BEHIND_TLS_PROXY": "true",
        "DATABASE_URL": database_url,
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/0",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "5",
        "DEFAULT_FROM_EMAIL": "no-reply@example.com",
        "STATIC_ROOT": str(tmp / "staticfiles"),
        "BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "2",
        # /metrics: the web workers and the message worker count into one directory.
        "METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    (tmp / "metrics").mkdir()
    smtp_argv = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}"]
    smtp_argv += ["-c", "aiosmtpd.handlers.Mailbox", str(maildir)]

    processes.start(
        "redis",
        [
            redis_server,
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ],
        env,
    )
    processes.start("smtp", smtp_argv, env)
    report(wait_for_port(redis_port) and wait_for_port(smtp_port), "own Redis and SMTP servers")

    release = run(shell(procfile["release"]), env)
    report(release.returncode == 0, "release: migrate and collectstatic", release.stderr[-500:])
    deploy = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    report(deploy.returncode == 0, "manage.py check --deploy: no warnings", deploy.stderr[-500:])
    create_user = (
        "from authflows.models import InstanceSettings, User\n"
        f"User.objects.create_user(email={EMAIL!r}, password={PASSWORD!r})\n"
        "row = InstanceSettings.load()\n"
        f"row.application_name = {APPLICATION_NAME!r}\n"
        "row.save()\n"
    )
    setup = run([sys.executable, "manage.py", "shell", "-c", create_user], env)
    report(setup.returncode == 0, "a user created with manage.py shell", setup.stderr[-500:])

    for name in ("web", "worker", "scheduler"):
        processes.start(name, shell(procfile[name]), env)
    if not report(wait_for_port(web_port), "web (gunicorn) listens"):
        return
    base = f"http://127.0.0.1:{web_port}"

    health = requests.get(f"{base}/healthz", timeout=10)
    report(
        health.status_code == 200 and health.json().get("status") == "ok",
        "/healthz: 200 over plain HTTP, database and cache ok",
        f"{health.status_code} {health.text[:100]}",
    )
    plain = requests.get(f"{base}/sign-in/", allow_redirects=False, timeout=10)
    report(
        plain.status_code == 301 and plain.headers.get("Location", "").startswith("https://"),
        "plain HTTP is redirected to HTTPS",
    )
    check_styles(Browser(base))
    check_sign_in_through_an_smtp_outage(processes, Browser(base), maildir, smtp_argv, env)
    check_metrics(base)
    check_logs(processes)


def check_styles(browser: Browser) -> None:
    page = browser.get("/sign-in/")
    report(page.status_code == 200, "sign-in page: 200", str(page.status_code))
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    if not report(len(hrefs) == 1, "the page links one stylesheet"):
        return
    css = browser.get(hrefs[0])
    report(
        css.status_code == 200 and css.headers.get("Content-Type", "").startswith("text/css"),
        "the stylesheet answers 200 text/css",
        f"{hrefs[0]}: {css.status_code} {css.headers.get('Content-Type')}",
    )
    report(
        "immutable" in css.headers.get("Cache-Control", "") and ".topbar" in css.text,
        "the stylesheet has a hashed name cached for good",
        css.headers.get("Cache-Control", ""),
    )
    missing = browser.get("/no-such-page/")
    report(
        missing.status_code == 404
        and hrefs[0] in missing.text
        and missing.headers.get("X-Request-ID", "-") in missing.text,
        "404 page: styled, shows the request id",
    )


def check_sign_in_through_an_smtp_outage(
    processes: Processes, browser: Browser, maildir: Path, smtp_argv: list[str], env: dict[str, str]
) -> None:
    processes.stop("smtp")
    answer = browser.submit("/sign-in/", {"identifier": EMAIL, "password": PASSWORD})
    report(
        answer.status_code == 302 and answer.headers.get("Location") == "/sign-in/client-trust/",
        "password sign-in on a new device asks for client trust",
        f"{answer.status_code} {answer.headers.get('Location')}",
    )
    asked = time.monotonic()
    page = browser.get("/sign-in/client-trust/")
    took = time.monotonic() - asked
    report(
        page.status_code == 200 and 'data-status="needs_client_trust"' in page.text,
        "with the SMTP server down, the client-trust page answers 200",
        f"{page.status_code} in {took:.2f} s",
    )
    failed = wait_until(lambda: "not delivered (try 2" in processes.log("worker"), 20)
    report(failed is not None, "the worker retried within seconds while SMTP was down")
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - asked)))

    processes.start("smtp", smtp_argv, env)
    back = time.monotonic()
    arrived = wait_until(lambda: maildir_messages(maildir), DELIVERY_DEADLINE)
    if not report(
        arrived is not None,
        f"the code arrived within {DELIVERY_DEADLINE} s of the SMTP server's return",
        f"{time.monotonic() - back:.1f} s" if arrived is not None else "",
    ):
        return
    [message] = maildir_messages(maildir)
    check_message(message)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    code = re.findall(r"\b(\d{6})\b", text)[-1]
    done = browser.submit("/sign-in/client-trust/", {"code": code}, button="action")
    report(
        done.status_code == 302 and done.headers.get("Location") == "/",
        "entering the code completes the sign-in",
        f"{done.status_code} {done.headers.get('Location')}",
    )
    home = browser.get("/")
    report("You're signed in" in home.text, "the browser is signed in")
    leaked = [n for n in ("web", "worker") if code in processes.log(n) or EMAIL in processes.log(n)]
    report(not leaked, "neither the code nor the address is in the logs", ", ".join(leaked))


def check_message(message: EmailMessage) -> None:
    [sender] = message["From"].addresses
    report(
        sender.display_name == APPLICATION_NAME and sender.addr_spec == "no-reply@example.com",
        "From: the application name and DEFAULT_FROM_EMAIL",
        str(message["From"]),
    )
    report(
        "new device" in str(message["Subject"]),
        "the subject says what the code is for",
        str(message["Subject"]),
    )
    report(
        message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None,
        "the email has text and HTML parts",
    )


def check_metrics(base: str) -> None:
    """The counters of the web workers and of the message worker, in one scrape."""
    refused = requests.get(f"{base}/metrics", timeout=10)
    report(refused.status_code == 401, "/metrics without the token: 401", str(refused.status_code))
    values = scrape(base)
    if not report(bool(values), "/metrics with the token: 200"):
        return

    def email(outcome: str) -> float:
        key = (("channel", "email"), ("outcome", outcome))
        return values.get(("authflows_messages_total", key), 0)

    signed_in = values.get(("authflows_auth_events_total", (("kind", "sign_in.succeeded"),)), 0)
    report(
        email("queued") >= 1 and email("failed") >= 1 and email("sent") >= 1 and signed_in >= 1,
        "/metrics counts the web's sign-ins and queued emails and the worker's failed tries "
        "and sends",
        f"queued {email('queued'):.0f}, failed {email('failed'):.0f}, sent {email('sent'):.0f}, "
        f"signed in {signed_in:.0f}",
    )
    due = ("authflows_message_queue_depth", (("state", "due"),))
    emptied = wait_until(lambda: scrape(base).get(due) == 0, 20)
    report(
        due in values and emptied is not None,
        "/metrics reads the queue depth from the task table (0 once the worker is done)",
        f"due {values.get(due)} at first",
    )


def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics with the token, as {(name, labels): value}; {} when it does not answer 200."""
    from prometheus_client.parser import text_string_to_metric_families

    answer = requests.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    if answer.status_code != 200:
        return {}
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def check_logs(processes: Processes) -> None:
    web = processes.log("web")
    report(
        re.search(r"request_id=[0-9a-f]{32}", web) is not None,
        "gunicorn's access log carries request ids",
    )
    report(
        "requeued" in processes.log("scheduler"),
        "the scheduler ran maintenance",
        processes.log("scheduler").strip().rpartition("\n")[2],
    )


if __name__ == "__main__":
    sys.exit(main())
