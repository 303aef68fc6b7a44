"""Clerk's own JavaScript SDK in a real browser against this site: the seeds' pages
(clients/clerk-react, built by `make e2e-clerk` into its dist/, served at /static/clerk-app/)
driven in Debian's Chromium, codes read from the outboxes, session tokens verified with
`@clerk/backend`'s verifyToken() (node) against this site's JWKS.

The pages are Clerk's example code, not this site's: they are not checked with axe-core
(the site's own pages are, in tests/e2e/)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.conftest import CHROMIUM_ARGS, DESKTOP, chromium_path

ROOT = Path(__file__).resolve().parents[2]
#: The npm project whose @clerk/backend verifies tokens (the drift canary points at a copy on
#: the newest releases); the built pages are settings.CLERK_APP_DIR.
CLIENT = Path(os.environ.get("CLERK_CLIENT_DIR", ROOT / "clients" / "clerk-react"))
APP = "/static/clerk-app"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On SQLite, a test database in a file: the live server's threads then each have a
    connection of their own. Clerk's SDK sends requests at the same time (the environment,
    the client, a sign-in), and threads sharing the in-memory database's one
    connection interleave their transactions and savepoints."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "e2e.sqlite3")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def built_app() -> Path:
    dist = Path(django_settings.CLERK_APP_DIR)
    assert (dist / "client-trust.html").is_file(), (
        f"{dist} is not built: run `make e2e-clerk` (npm ci, vite build)"
    )
    return dist


@pytest.fixture
def new_page(  # type: ignore[no-untyped-def]
    chromium: Browser, live_server, settings, built_app: Path
) -> Iterator[Callable[..., Page]]:
    """A fresh browser profile (a new device) on the live server. Console errors and
    failed requests are collected: a journey shows them when it fails."""
    settings.AUTHFLOWS_PUBLIC_ORIGIN = live_server.url
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: print(f"[console.{m.type}] {m.text}"))
        page.on("pageerror", lambda e: print(f"[pageerror] {e}"))
        inflight: set[Any] = set()
        page.on("request", lambda r: inflight.add(r))
        page.on("requestfinished", lambda r: inflight.discard(r))
        page.on("requestfailed", lambda r: inflight.discard(r))
        INFLIGHT[id(page)] = inflight
        page.on(
            "response",
            lambda r: (
                print(f"[{r.status}] {r.request.method} {r.url} {r.request.post_data}")
                if r.status >= 400 or os.environ.get("FAPI_TRACE")
                else None
            ),
        )
        return page

    yield open_page
    # Clerk's SDK keeps polling while a page is open: stop every page and let the server
    # finish what it was sent before the test database is emptied.
    for context in contexts:
        for open_ in context.pages:
            open_.goto("about:blank")
            settle(open_)
        context.close()
    server_idle()


INFLIGHT: dict[int, set[Any]] = {}


def server_idle(seconds: float = 5) -> None:
    """With the in-memory SQLite test database the live server's thread shares this thread's
    connection: wait until no request holds it inside a transaction, so the next test (and
    the flush between tests) starts on a clean connection."""
    for _ in range(int(seconds / 0.05)):
        if not connection.in_atomic_block and connection.get_autocommit():
            return
        time.sleep(0.05)


def settle(page: Page, quiet_ms: int = 300, timeout_ms: int = 15_000) -> None:
    """Wait until the page has made no request for `quiet_ms` (the SDK's calls are done and
    the React form action that made them has settled)."""
    inflight = INFLIGHT[id(page)]
    quiet = waited = 0
    while quiet < quiet_ms:
        assert waited < timeout_ms, f"requests still in flight: {[r.url for r in inflight]}"
        page.wait_for_timeout(50)
        waited += 50
        quiet = quiet + 50 if not inflight else 0


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


def verify_token(token: str, api_url: str, authorized_party: str = "") -> dict[str, Any]:
    """@clerk/backend's verifyToken() (node), keys fetched from this site's JWKS."""
    result = subprocess.run(
        ["node", "verify-token.mjs", token, api_url, authorized_party],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, f"verify-token.mjs printed nothing: {result.stderr}"
    return json.loads(lines[-1])
