"""Load generator: concurrent sign-in flows over HTTP against a running site, as browsers do.

Each virtual user (a thread) runs whole flows: fetch the form, post the CSRF token and the
fields, follow each redirect, and check it lands signed in. A flow starts from a fresh
session; "trusted" and "totp" flows keep their browser's client cookie, "email" flows start
as a new device. Bounded by a deadline and a flow count; talks to 127.0.0.1 only.

Run as a separate process by bench/run.py; prints one JSON report per run.
"""

from __future__ import annotations

import argparse
import base64
import email
import http.client
import itertools
import json
import re
import socketserver
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pyotp

CLIENT_COOKIE = "authflows_client"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SIGNED_IN = "Signed in as"
HOST = "127.0.0.1"


class FlowFailed(Exception):
    """A step answered something other than what a working sign-in answers."""


@dataclass
class Browser:
    """A cookie jar and one HTTP request at a time, like a browser tab. Cookies are kept
    whatever their Secure flag: the site runs with production settings on plain-HTTP
    loopback, where a TLS proxy would otherwise sit."""

    port: int
    forwarded_for: str = ""
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "authflows-bench/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{HOST}:{self.port}"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value in ('""', "") or "max-age=0" in value.lower():
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        return response.status, response.getheader("Location", ""), text


class Mailbox(socketserver.ThreadingTCPServer):
    """A minimal SMTP sink on 127.0.0.1: the site mails its codes here (EMAIL_URL=smtp://),
    as it would to a real mail server, and flows read them by address."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int) -> None:
        super().__init__((HOST, port), SMTPSession)
        self.codes: dict[str, str] = {}
        self.arrived = threading.Condition()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def deliver(self, raw: bytes) -> None:
        message = email.message_from_bytes(raw)
        if "code" not in (message.get("Subject") or "").lower():
            return  # the "new sign-in" notice and others carry no code
        # The text part: emails carry a plain-text and an HTML alternative.
        text = next((p for p in message.walk() if p.get_content_type() == "text/plain"), message)
        body = text.get_payload(decode=True) or b""
        match = re.search(rb"\b(\d{6})\b", body)
        if match:
            with self.arrived:
                self.codes[message["To"]] = match.group(1).decode()
                self.arrived.notify_all()

    def code_for(self, address: str, *, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while address not in self.codes:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise FlowFailed("no email code")
                self.arrived.wait(left)
            return self.codes.pop(address)


class SMTPSession(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for Django's SMTP backend: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        self.reply(b"220 authflows-bench")
        for _ in range(100):  # bounded: a session sends one message
            line = self.rfile.readline(1000)
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"DATA":
                self.reply(b"354 go ahead")
                self.server.deliver(self.read_data())  # type: ignore[attr-defined]
                self.reply(b"250 ok")
            elif verb == b"QUIT":
                self.reply(b"221 bye")
                return
            elif verb == b"EHLO":
                self.reply(b"250 authflows-bench")
            else:
                self.reply(b"250 ok")

    def read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline(100_000)) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)

    def reply(self, text: bytes) -> None:
        self.wfile.write(text + b"\r\n")


@dataclass
class Recorder:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    flows: int = 0
    finished_at: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, steps: list[tuple[str, float]]) -> None:
        with self.lock:
            self.flows += 1
            self.finished_at.append(time.perf_counter())
            for name, seconds in steps:
                self.timings[name].append(seconds)

    def fail(self, reason: str) -> None:
        with self.lock:
            self.errors[reason] += 1


class Flows:
    """The three sign-in flows; each returns [(step, seconds)] or raises FlowFailed."""

    def __init__(self, *, port: int, password: str, mailbox: Mailbox | None) -> None:
        self.port = port
        self.password = password
        self.mailbox = mailbox
        self.addresses = itertools.count(1)

    def new_browser(self, client_cookie: str = "") -> Browser:
        # A distinct client address per flow (behind one trusted proxy), as many users are.
        n = next(self.addresses)
        browser = Browser(self.port, forwarded_for=f"127.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
        if client_cookie:
            browser.cookies[CLIENT_COOKIE] = client_cookie
        return browser

    def step(self, steps, name, browser, method, path, form=None, expect=200, to=None):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        status, location, text = browser.request(method, path, form)
        steps.append((name, time.perf_counter() - started))
        if status != expect:
            raise FlowFailed(f"{name}: HTTP {status}")
        if to is not None and location != to:
            raise FlowFailed(f"{name}: redirected to {location or 'nowhere'}")
        return text

    def password_step(self, steps, browser, address: str, lands: str) -> None:  # type: ignore[no-untyped-def]
        form_page = self.step(steps, "form", browser, "GET", "/sign-in/")
        token = CSRF_INPUT.search(form_page)
        if token is None:
            raise FlowFailed("form: no CSRF token")
        fields = {"csrfmiddlewaretoken": token.group(1), "redirect_url": ""}
        fields |= {"identifier": address, "password": self.password}
        self.step(steps, "password", browser, "POST", "/sign-in/", fields, expect=302, to=lands)

    def landing(self, steps, browser) -> None:  # type: ignore[no-untyped-def]
        if SIGNED_IN not in self.step(steps, "landing", browser, "GET", "/"):
            raise FlowFailed("landing: not signed in")

    def code_step(self, steps, browser, page: str, name: str, code: str, text: str) -> None:  # type: ignore[no-untyped-def]
        token = CSRF_INPUT.search(text)
        if token is None:
            raise FlowFailed(f"{name}: no CSRF token")
        fields = {"csrfmiddlewaretoken": token.group(1), "code": code, "action": "verify"}
        self.step(steps, name, browser, "POST", page, fields, expect=302, to="/")

    def trusted(self, account: dict) -> list[tuple[str, float]]:
        steps: list[tuple[str, float]] = []
        browser = self.new_browser(account["client"])
        self.password_step(steps, browser, account["email"], "/")
        self.landing(steps, browser)
        return steps

    def totp(self, account: dict) -> list[tuple[str, float]]:
        steps: list[tuple[str, float]] = []
        browser = self.new_browser(account.get("client", ""))
        self.password_step(steps, browser, account["email"], "/sign-in/factor-two/")
        page = self.step(steps, "factor_two_page", browser, "GET", "/sign-in/factor-two/")
        code = totp_code(account)
        self.code_step(steps, browser, "/sign-in/factor-two/", "totp_code", code, page)
        account["client"] = browser.cookies.get(CLIENT_COOKIE, "")
        self.landing(steps, browser)
        return steps

    def email(self, account: dict) -> list[tuple[str, float]]:
        """New device: password, then the emailed code (client trust). Leaves the browser
        trusted for the account: account["client"] is its client cookie."""
        assert self.mailbox is not None
        steps: list[tuple[str, float]] = []
        browser = self.new_browser()
        self.password_step(steps, browser, account["email"], "/sign-in/client-trust/")
        page = self.step(steps, "client_trust_page", browser, "GET", "/sign-in/client-trust/")
        code = self.mailbox.code_for(account["email"])
        self.code_step(steps, browser, "/sign-in/client-trust/", "email_code", code, page)
        self.landing(steps, browser)
        account["client"] = browser.cookies[CLIENT_COOKIE]
        return steps


def totp_code(account: dict) -> str:
    """The code for the earliest time step this account has not used yet, within the
    server's ±1 step tolerance (each step is accepted once per user)."""
    now_step = int(time.time() // 30)
    step = max(now_step, account.get("last_step", -1) + 1)
    if step > now_step + 1:
        raise FlowFailed("totp: account used twice in this time step (pool too small)")
    account["last_step"] = step
    secret = base64.b32encode(bytes.fromhex(account["totp_key"])).decode()
    return pyotp.TOTP(secret).at(step * 30)


class Pool:
    """Accounts handed out round-robin, each to one virtual user at a time. The round goes on
    where the previous run stopped, so an account rests as long as possible between uses
    (TOTP steps, per-identifier rate limits)."""

    def __init__(self, accounts: list[dict], *, start: int = 0) -> None:
        self.accounts = accounts
        order = list(range(len(accounts)))
        start %= max(len(accounts), 1)
        self.next = itertools.cycle(order[start:] + order[:start])
        self.last = start - 1
        self.busy: set[int] = set()
        self.lock = threading.Lock()

    def take(self) -> int:
        with self.lock:
            for _ in range(len(self.accounts)):
                index = next(self.next)
                if index not in self.busy:
                    self.busy.add(index)
                    self.last = index
                    return index
        raise FlowFailed("no free account")

    def give_back(self, index: int) -> None:
        with self.lock:
            self.busy.discard(index)


def run(
    *, flow, pool: Pool, concurrency: int, seconds: float, warmup: float, max_flows: int
) -> dict:  # type: ignore[no-untyped-def]
    """Flows per second are counted over the steady window [start + warmup, deadline]: not
    the ramp-up while every virtual user starts, nor the drain of flows still in flight."""
    recorder = Recorder()
    started = time.perf_counter()
    deadline = started + seconds
    window = (started + min(warmup, seconds / 2), deadline)
    budget = itertools.count()

    def virtual_user() -> None:
        while time.perf_counter() < deadline and next(budget) < max_flows:
            index = pool.take()
            try:
                recorder.add(flow(pool.accounts[index]))
            except (FlowFailed, OSError, http.client.HTTPException) as error:
                recorder.fail(str(error) if isinstance(error, FlowFailed) else type(error).__name__)
            finally:
                pool.give_back(index)

    cpu_before = time.process_time()
    threads = [threading.Thread(target=virtual_user) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    steady = sum(window[0] <= t <= window[1] for t in recorder.finished_at)
    return {
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "flows": recorder.flows,
        "errors": dict(recorder.errors),
        "flows_per_s": round(steady / (window[1] - window[0]), 2),
        "steps": {name: summarize(values) for name, values in recorder.timings.items()},
        "load_generator_cpu_s": round(time.process_time() - cpu_before, 3),
    }


def summarize(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"n": len(ordered), "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--accounts", type=Path, required=True, help="JSON file, updated in place")
    parser.add_argument("--scenario", choices=["trusted", "totp", "email"], required=True)
    parser.add_argument("--group", required=True, help="which account list to use")
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--max-flows", type=int, default=5000)
    parser.add_argument("--smtp-port", type=int, help="run the SMTP sink the site mails to")
    args = parser.parse_args()
    data = json.loads(args.accounts.read_text())
    mailbox = Mailbox(args.smtp_port) if args.smtp_port else None
    flows = Flows(port=args.port, password=data["password"], mailbox=mailbox)
    cursors = data.setdefault("cursors", {})
    pool = Pool(data["users"][args.group], start=cursors.get(args.group, 0))
    report = run(
        flow=getattr(flows, args.scenario),
        pool=pool,
        concurrency=args.concurrency,
        seconds=args.seconds,
        warmup=args.warmup,
        max_flows=args.max_flows,
    )
    cursors[args.group] = pool.last + 1
    args.accounts.write_text(json.dumps(data))  # keeps client cookies, TOTP steps, cursors
    print(json.dumps(report))


if __name__ == "__main__":
    main()
