"""Browser journeys: Debian's Chromium driven by Playwright against a live server.

The live server runs in this process (pytest-django's live_server), so the code a journey
types is read from Django's locmem mail outbox, as a person reads their inbox. Never
downloads a browser: CHROMIUM (default /usr/bin/chromium) must exist, or the run fails.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    found = shutil.which(path)
    assert found, f"Chromium not found at {path}: install Debian's chromium package"
    return found


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop in this thread; Django refuses ORM calls from
    # a thread with a running loop unless told they are synchronous on purpose (they are).
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


@pytest.fixture
def new_page(chromium: Browser, live_server, settings) -> Iterator[Callable[..., Page]]:  # type: ignore[no-untyped-def]
    """Open a page in a fresh browser profile (its own cookies): a new device. Options go to
    Playwright's new_context (e.g. locale="de-DE", viewport=...)."""
    settings.AUTHFLOWS_PUBLIC_ORIGIN = live_server.url  # emailed links lead to this server
    contexts = []

    def open_page(**options: object) -> Page:
        context = chromium.new_context(
            **{"base_url": live_server.url, "viewport": {"width": 900, "height": 720}, **options}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


class Screenshots:
    """Numbered screenshots of one journey in tests/artifacts/<journey>/. With
    UPDATE_DOCS_SCREENSHOTS=1 (`make e2e-screenshots`), `keep=` also copies one to
    docs/screenshots/ for the README; a plain run leaves the tracked files alone."""

    def __init__(self, journey: str) -> None:
        self.folder = ARTIFACTS / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page: Page, name: str, *, keep: str = "", full_page: bool = True) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if keep and os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / f"{keep}.png")
        return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Screenshots:
    return Screenshots(re.sub(r"^test_", "", request.node.name))


def expect_status(page: Page, status: str) -> None:
    expect(page.locator("main")).to_have_attribute("data-status", status)


def last_code(mailoutbox: list) -> str:  # type: ignore[type-arg]
    return re.findall(r"\b(\d{6})\b", mailoutbox[-1].body)[-1]
