"""The password sign-in journey in the pseudo-locale (en-XA: accented, bracketed, about 35 %
longer English), in Chromium at phone and desktop widths.

On every page of the journey, each visible text (and each accessible name or title) must be
pseudo-localised: plain English words left over are strings nobody marked for translation.
What is not ours to translate is taken out first: the product name, what the user typed,
email addresses, codes, numbers, dates, IP addresses, the browser and system names, and
text in another language on purpose (the language picker names each language in itself,
with its own lang attribute). And no element may stick out of its container or make the page
scroll sideways: longer languages must fit.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from authflows import useragent
from authflows.management.commands.pseudo_locale import pseudo_localise
from authflows.models import InstanceSettings
from tests.conftest import PASSWORD
from tests.e2e.conftest import Screenshots, expect_status, last_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
EMAIL = "ada@example.com"

# Every rendered text node (with the lang in force there) and every accessible name or title,
# from a page in the browser.
VISIBLE_TEXTS = """() => {
  const rendered = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== "hidden" && !el.closest("[hidden], .visually-hidden");
  const langOf = (el) => (el.closest("[lang]")?.getAttribute("lang") || "").toLowerCase();
  const found = [{text: document.title, where: "title", lang: langOf(document.documentElement)}];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || ["SCRIPT", "STYLE"].includes(el.tagName) || !rendered(el)) {
      continue;
    }
    found.push({text: node.textContent, where: el.outerHTML.slice(0, 120), lang: langOf(el)});
  }
  for (const el of document.body.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = el.getAttribute(name);
      if (value) {
        found.push({text: value, where: `${name} of <${el.tagName}>`, lang: langOf(el)});
      }
    }
  }
  return found;
}"""

# Elements whose content is wider than their box, that stick out of their parent or out of
# the viewport, and whether the page scrolls sideways.
OVERFLOWS = """() => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 120);
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.getClientRects().length || el.closest(".visually-hidden")) { continue; }
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.display !== "inline" && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`content wider than its box (${el.scrollWidth} > ${el.clientWidth}): `
        + describe(el));
    }
    if (box.right > width + 1 || box.left < -1) {
      problems.push(`outside the viewport (${box.left}..${box.right} of ${width}): `
        + describe(el));
    }
    const parent = el.parentElement;
    if (parent && parent !== document.body && parent.getClientRects().length) {
      const outer = parent.getBoundingClientRect();
      if (box.right > outer.right + 1 || box.left < outer.left - 1) {
        problems.push(`sticks out of its parent: ${describe(el)} in ${describe(parent)}`);
      }
    }
  }
  return problems;
}"""

NOT_OURS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # email addresses
    re.compile(r"\b[\w•]+•+@[\w.-]+"),  # masked addresses (a•••@example.com)
    re.compile(r"\b\d[\d\s:./-]*\b"),  # codes, dates, times, IP addresses, counts
]
PLAIN_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture(autouse=True)
def _pseudo_locale_offered(settings) -> None:  # type: ignore[no-untyped-def]
    """The pseudo-locale is offered in development; offer it here whatever DEBUG says."""
    if "en-xa" not in dict(settings.LANGUAGES):
        settings.LANGUAGES = [*settings.LANGUAGES, ("en-xa", "[Ƥšéûðö-Éñĝļîšĥ]")]


def leftovers(page: Page, *, data: list[str]) -> list[str]:
    """Visible texts on the page that still hold a plain ASCII word of ours."""
    page_lang = page.evaluate("document.documentElement.lang").lower()
    found = []
    for item in page.evaluate(VISIBLE_TEXTS):
        if item["lang"] != page_lang:
            continue  # in another language on purpose, and marked as such
        text = item["text"]
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, " ")
        for pattern in NOT_OURS:
            text = pattern.sub(" ", text)
        if PLAIN_WORD.search(text):
            found.append(f"{item['text'].strip()!r} in {item['where']}")
    return found


def check_page(page: Page, shot: Screenshots, name: str, *, data: list[str]) -> None:
    """Pseudo-localised text and no overflow, at phone and at desktop width."""
    assert page.evaluate("document.documentElement.lang") == "en-xa"
    unmarked = leftovers(page, data=data)
    assert not unmarked, f"{name}: text not marked for translation:\n" + "\n".join(unmarked)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        shot(page, f"{name}-{label}")
        problems = page.evaluate(OVERFLOWS)
        assert not problems, f"{name} at {label} width:\n" + "\n".join(problems)
    page.set_viewport_size(PHONE)


def test_sign_in_journey_in_the_pseudo_locale(new_page, user, mailoutbox, shot):
    page = new_page(locale="en-XA", viewport=PHONE)
    user_agent = page.evaluate("navigator.userAgent")
    data = [
        InstanceSettings.load().application_name,
        EMAIL,
        useragent.browser(user_agent),
        useragent.system(user_agent),
    ]

    page.goto("/sign-in/")
    expect_status(page, "needs_identifier")
    expect(page.get_by_role("heading", name=pseudo_localise("Sign in"))).to_be_visible()
    check_page(page, shot, "sign-in", data=data)
    page.get_by_label(pseudo_localise("Enter email address")).fill(EMAIL)
    page.get_by_label(pseudo_localise("Enter password")).fill(PASSWORD)
    page.get_by_role("button", name=pseudo_localise("Continue"), exact=True).click()

    expect_status(page, "needs_client_trust")
    expect(page.get_by_role("heading", name=pseudo_localise("Verify your account"))).to_be_visible()
    check_page(page, shot, "client-trust", data=data)

    code = page.get_by_label(pseudo_localise("Code"), exact=True)
    code.fill("000000")
    page.get_by_role("button", name=pseudo_localise("Verify"), exact=True).click()
    expect(page.locator('[data-error-code="form_code_incorrect"]')).to_be_visible()
    check_page(page, shot, "wrong-code", data=data)

    code.fill(last_code(mailoutbox))
    page.get_by_role("button", name=pseudo_localise("Verify"), exact=True).click()
    expect(page.locator(".signed-in-as")).to_contain_text(EMAIL)
    check_page(page, shot, "signed-in", data=data)

    page.goto("/user/")
    expect(page.get_by_role("heading", name=pseudo_localise("Active sessions"))).to_be_visible()
    check_page(page, shot, "account", data=data)


def test_the_checks_catch_english_and_overflow(new_page, live_server):
    """The journey's two checks fail on what they are for: a page in the pseudo-locale with
    an English sentence, and one with a word too long for its box."""
    page = new_page(locale="en-XA", viewport=PHONE)
    page.goto("/sign-in/")
    page.evaluate(
        """() => {
          const p = document.createElement("p");
          p.textContent = "Plain English here";
          document.querySelector("main").append(p);
        }"""
    )
    assert any("Plain English here" in item for item in leftovers(page, data=[]))
    assert page.evaluate(OVERFLOWS) == []
    page.evaluate(
        """() => {
          document.querySelector("main h1").textContent = "Ŝ".repeat(200);
        }"""
    )
    assert page.evaluate(OVERFLOWS)
