"""Browser journeys: Debian's Chromium driven by Playwright against a live server.

The live server runs in this process (pytest-django's live_server), so the code a journey
types is read from Django's locmem mail outbox, as a person reads their inbox. Never
downloads a browser: CHROMIUM (default /usr/bin/chromium) must exist, or the run fails.

Every page a journey visits is checked with axe-core (clients/axe, `npm ci --prefix
clients/axe`) before the journey's first action or assertion on it, at each screenshot and
when the journey ends (tests/e2e/accessibility.py); any violation fails the journey, and so
does a missing axe-core.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.accessibility import AXE_SCRIPT, Accessibility

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 900, "height": 720}
PHONE = {"width": 390, "height": 844}
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


@pytest.fixture(scope="session")
def axe_script() -> Path:
    assert AXE_SCRIPT.is_file(), (
        f"axe-core not found at {AXE_SCRIPT}: run `npm ci --prefix clients/axe`"
    )
    return AXE_SCRIPT


@pytest.fixture
def accessibility(axe_script: Path, chromium: Browser) -> Iterator[Accessibility]:
    checker = Accessibility(axe_script, chromium)
    yield checker
    checker.close()


@pytest.fixture
def new_page(  # type: ignore[no-untyped-def]
    chromium: Browser, live_server, accessibility: Accessibility, settings
) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser profile (its own cookies): a new device; `phone=True`
    makes it a phone with a 390 px wide screen, `javascript=False` a browser without
    scripts; other options go to Playwright's new_context (e.g. locale="de-DE"). Every document
    it shows is checked with axe-core, and a violation fails the journey when it ends."""
    settings.AUTHFLOWS_PUBLIC_ORIGIN = live_server.url  # emailed links lead to this server
    contexts: list[BrowserContext] = []

    def open_page(*, phone: bool = False, javascript: bool = True, **options: Any) -> Page:
        context = chromium.new_context(
            **{
                "base_url": live_server.url,
                "viewport": PHONE if phone else DESKTOP,
                "is_mobile": phone,
                "has_touch": phone,
                "java_script_enabled": javascript,
                **options,
            }
        )
        context.set_default_timeout(10_000)
        accessibility.watch_context(context)
        contexts.append(context)
        page = context.new_page()
        accessibility.watch(page, scripts=javascript)
        return page

    yield open_page
    for context in contexts:
        for page in context.pages:
            accessibility.audit(page)  # the last document each page showed
        context.close()
    problems = accessibility.problems()
    if problems:
        pytest.fail("axe-core:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


class Screenshots:
    """Numbered screenshots of one journey in tests/artifacts/<journey>/. With
    UPDATE_DOCS_SCREENSHOTS=1 (`make e2e-screenshots`), `keep=` also copies one to
    docs/screenshots/ for the README; a plain run leaves the tracked files alone."""

    def __init__(self, journey: str, accessibility: Accessibility) -> None:
        self.accessibility = accessibility
        self.folder = ARTIFACTS / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page: Page, name: str, *, keep: str = "", full_page: bool = True) -> Path:
        self.accessibility.audit(page)
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if keep and os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / f"{keep}.png")
        return path


@pytest.fixture
def shot(request: pytest.FixtureRequest, accessibility: Accessibility) -> Screenshots:
    return Screenshots(re.sub(r"^test_", "", request.node.name), accessibility)


def expect_status(page: Page, status: str) -> None:
    expect(page.locator("main")).to_have_attribute("data-status", status)


def last_code(mailoutbox: list) -> str:  # type: ignore[type-arg]
    return re.findall(r"\b(\d{6})\b", mailoutbox[-1].body)[-1]
