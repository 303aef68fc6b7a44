"""axe-core over every document a browser journey shows.

axe-core (clients/axe, installed by `npm ci --prefix clients/axe`) is added to every document
as an init script, which runs outside the page's Content-Security-Policy the way a browser
extension would. A locator handler on <body> audits each document before the journey's first
action or assertion on it (Playwright runs locator handlers before every action and
auto-waiting assertion); `shot()` and the end of the journey audit too. Each document reports
itself when it loads, so a document the journey left without looking at it is reported as
unaudited instead of silently passing.

A browser without scripts can't run axe-core: its documents are copied (markup as parsed,
scripts removed, the site's stylesheet kept) into a page of a separate browser profile and
audited there.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "clients" / "axe" / "node_modules" / "axe-core" / "axe.min.js"

# Django admin's own markup breaks these axe rules; on /admin/ pages only, a violation of the
# rule on an element matching the selector is not ours. Nothing else is excused: our admin
# customisations (fields, actions, inlines) must pass like any page.
DJANGO_ADMIN_EXCEPTIONS: list[tuple[str, str]] = [
    # empty-table-header: Django's tabular inline template (admin/edit_inline/tabular.html)
    # opens its header row with an empty <th class="original"> above the cells that hold
    # each row's object name and hidden ids (the trusted devices inline on a user's page).
    ("empty-table-header", "th.original"),
    # aria-prohibited-attr: the filter box of Django's two-list selector (SelectFilter2.js,
    # filter_horizontal on groups and permissions in Django's UserAdmin) puts aria-label on a
    # <span> that has no role.
    ("aria-prohibited-attr", "span.help-tooltip.search-label-icon"),
    # link-in-text-block: Django's admin stylesheet draws breadcrumb links in a colour close
    # to the breadcrumb text, without an underline.
    ("link-in-text-block", ".breadcrumbs a"),
]

# Names each document and reports it once its DOM is there (main frame only: no page of ours
# has frames).
DOCUMENT_SCRIPT = """(() => {
  if (window.top !== window || !location.protocol.startsWith("http")) { return; }
  const id = "%s-" + Math.random().toString(36).slice(2);
  Object.defineProperty(window, "__axeDocumentId", {value: id});
  const report = () => window.__axeDocumentLoaded(id, location.href);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", report, {once: true});
  } else {
    report();
  }
})();"""

# Waits for the stylesheet (colour contrast needs it), then runs axe's default rules (WCAG 2.x
# A and AA plus best practices), leaving out the Django admin's own violations listed above.
AXE_RUN = """async ({force, admin, exceptions}) => {
  if (!force && (!window.__axeDocumentId || window.__axeAudited)) { return null; }
  window.__axeAudited = true;
  if (document.readyState !== "complete") {
    await new Promise(resolve => window.addEventListener("load", resolve, {once: true}));
  }
  const results = await axe.run(document, {resultTypes: ["violations"]});
  const excused = (rule, target) => admin && exceptions.some(([known, selector]) => {
    const element = target.length === 1 ? document.querySelector(target[0]) : null;
    return known === rule && element !== null && element.matches(selector);
  });
  return {
    id: window.__axeDocumentId || null,
    violations: results.violations.map(v => ({
      rule: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.filter(n => !excused(v.id, n.target))
        .map(n => ({target: n.target.join(" "), html: n.html.slice(0, 240)})),
    })).filter(v => v.nodes.length > 0),
  };
}"""

SCRIPT_ELEMENT = re.compile(r"<script\b.*?</script>", re.S | re.I)


class Accessibility:
    """The axe-core results of one journey: every document each of its pages showed."""

    def __init__(self, axe_script: Path, browser: Browser) -> None:
        self.axe_script = axe_script
        self.browser = browser
        self.prefix = secrets.token_hex(4)
        self.loaded: dict[str, str] = {}  # document id -> URL
        self.audited: dict[str, str] = {}  # document id -> "path @width"
        self.copies: set[str] = set()  # documents of script-less pages already audited
        self.copy_page: Page | None = None
        self.without_scripts: set[Page] = set()
        self.violations: list[str] = []

    def watch_context(self, context: BrowserContext) -> None:
        context.add_init_script(path=self.axe_script)
        context.add_init_script(script=DOCUMENT_SCRIPT % self.prefix)
        context.expose_binding("__axeDocumentLoaded", self._loaded)

    def _loaded(self, source: dict, document_id: str, url: str) -> None:
        self.loaded.setdefault(document_id, url)

    def watch(self, page: Page, *, scripts: bool = True) -> None:
        if not scripts:
            self.without_scripts.add(page)
        page.add_locator_handler(
            page.locator("body"), lambda _: self.audit(page), no_wait_after=True
        )

    def audit(self, page: Page, *, force: bool = False) -> None:
        """Check the document the page shows now: once per document, or again when forced
        (the same document at another viewport width)."""
        if page.is_closed():
            return
        if page in self.without_scripts:
            self.audit_copy(page)
            return
        try:
            result = self._run(page, force=force)
        except PlaywrightError as error:
            # A navigation replaced the document while it was being checked (a form's post
            # landing as the check began): check the document that replaced it.
            if "Execution context was destroyed" not in str(error):
                raise
            page.wait_for_load_state()
            result = self._run(page, force=force)
        if result is not None:
            self._record(page, result["id"], result["violations"])

    def _run(self, page: Page, *, force: bool) -> dict | None:
        path = urlsplit(page.url).path
        arguments = {"force": force, "admin": path.startswith("/admin/")}
        return page.evaluate(AXE_RUN, {**arguments, "exceptions": DJANGO_ADMIN_EXCEPTIONS})

    def audit_copy(self, page: Page) -> None:
        """Check a page that runs no scripts through a copy of its document."""
        if page.is_closed() or not page.url.startswith("http"):
            return
        markup = SCRIPT_ELEMENT.sub("", page.content())
        key = hashlib.sha256(f"{page.url}\n{markup}".encode()).hexdigest()
        if key in self.copies:
            return
        self.copies.add(key)
        copy = self._copy_page(page)
        base = f'<base href="{page.url}">'
        copy.set_content(markup.replace("<head>", f"<head>{base}", 1), wait_until="load")
        copy.add_script_tag(path=self.axe_script)
        path = urlsplit(page.url).path
        arguments = {"force": True, "admin": path.startswith("/admin/")}
        result = copy.evaluate(AXE_RUN, {**arguments, "exceptions": DJANGO_ADMIN_EXCEPTIONS})
        self._record(page, key, result["violations"])

    def _copy_page(self, page: Page) -> Page:
        if self.copy_page is None:
            self.copy_page = self.browser.new_page(viewport=page.viewport_size)
        elif page.viewport_size:
            self.copy_page.set_viewport_size(page.viewport_size)
        return self.copy_page

    def _record(self, page: Page, document: str, violations: list[dict]) -> None:
        parts = urlsplit(page.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        width = page.viewport_size["width"] if page.viewport_size else 0
        where = f"{path} @{width}px"
        self.audited[document] = where
        for violation in violations:
            for node in violation["nodes"]:
                self.violations.append(
                    f"{where} [{violation['rule']}, {violation['impact']}] "
                    f"{violation['help']}: {node['target']}\n      {node['html']}"
                )

    def close(self) -> None:
        if self.copy_page is not None:
            self.copy_page.context.close()

    def problems(self) -> list[str]:
        unaudited = [url for doc, url in self.loaded.items() if doc not in self.audited]
        found = list(dict.fromkeys(self.violations))
        if unaudited:
            found.append(
                "documents left before axe-core saw them (assert something on each page "
                "a journey visits): " + ", ".join(unaudited)
            )
        if not self.audited:
            found.append("axe-core audited no page")
        return found
