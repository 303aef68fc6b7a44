"""Adding an authenticator app by scanning the QR code, the way a phone sees it: the QR code as
Chromium draws it on the page (desktop width, a 390 px phone screen, the phone zoomed to
200%) is photographed
(an element screenshot), decoded by zbarimg, and the decoded otpauth:// URI is what an
authenticator app keeps: oathtool computes the codes from it, for enrolment and for the next
sign-in. The QR code is the only image on the site a person has to read (the favicon is
decoration; backup codes and secrets are text)."""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import segno
from playwright.sync_api import Page, expect

from authflows.qr import QUIET_ZONE
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, expect_status, last_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Runs in a blank page of the same browser: the light margin (in pixels) on each side of the
# photographed QR code, i.e. the rows and columns from each edge before the first dark pixel.
LIGHT_MARGINS = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  const dark = (x, y) => pixels[(y * image.width + x) * 4] < 128;
  const rowDark = y => [...Array(image.width).keys()].some(x => dark(x, y));
  const columnDark = x => [...Array(image.height).keys()].some(y => dark(x, y));
  let top = 0, bottom = 0, left = 0, right = 0;
  while (top < image.height && !rowDark(top)) top++;
  while (bottom < image.height && !rowDark(image.height - 1 - bottom)) bottom++;
  while (left < image.width && !columnDark(left)) left++;
  while (right < image.width && !columnDark(image.width - 1 - right)) right++;
  return {width: image.width, height: image.height, top, bottom, left, right};
}"""


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is needed (Debian packages zbar-tools and oathtool)"
    return found


def zbarimg(png: Path) -> str:
    """What a phone's camera app reads from the picture."""
    result = subprocess.run(
        [tool("zbarimg"), "--quiet", "--raw", str(png)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"zbarimg found no QR code in {png}: {result.stderr}"
    return result.stdout.strip()


def oathtool(secret: str, *, at: float) -> str:
    """The code an authenticator app holding `secret` shows at the Unix time `at`."""
    result = subprocess.run(
        [tool("oathtool"), "--totp", "-b", f"--now=@{int(at)}", secret],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def photograph_qr(page: Page, path: Path, *, blank: Page) -> str:
    """Screenshot the QR code as the page shows it, check the picture keeps the four-module
    quiet zone on every side and fits the screen, and decode it with zbarimg."""
    figure = page.locator("figure.qr")
    svg = figure.locator("svg")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    viewport = page.viewport_size
    assert box and viewport
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], "wider than the screen"
    assert abs(box["width"] - box["height"]) < 1, f"not square: {box}"
    png = svg.screenshot(path=str(path))
    margins = blank.evaluate(LIGHT_MARGINS, base64.b64encode(png).decode())
    modules = segno.make(figure.get_attribute("data-otpauth-uri") or "", error="m").symbol_size(
        scale=1, border=QUIET_ZONE
    )[0]
    module_px = margins["width"] / modules
    assert module_px >= 2, f"{module_px:.2f} px per module is too small to scan"
    expected = QUIET_ZONE * module_px
    for side in ("top", "bottom", "left", "right"):
        # One pixel of antialiasing at the edge of the dark modules is allowed.
        assert abs(margins[side] - expected) <= 1, (
            f"light margin {margins} px, {expected:.1f} px expected on each side: "
            f"the code is cropped or its quiet zone is cut ({side})"
        )
    return zbarimg(path)


def sign_in(page: Page) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill("ada@example.com")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_scan_the_qr_code_and_sign_in_with_its_codes(
    new_page, user, mailoutbox, shot, accessibility, tmp_path
):
    page = new_page()
    blank = page.context.new_page()  # no site page: where the screenshots are measured
    sign_in(page)
    page.get_by_label("Code", exact=True).fill(last_code(mailoutbox))  # a new device
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")

    page.goto("/user/mfa/totp/")
    expect_status(page, "mfa_totp")
    shown_uri = page.locator("figure.qr").get_attribute("data-otpauth-uri")
    assert shown_uri and shown_uri.startswith("otpauth://totp/")
    shot(page, "enrol-totp-desktop")
    assert photograph_qr(page, tmp_path / "qr-desktop.png", blank=blank) == shown_uri

    page.set_viewport_size(PHONE)
    accessibility.audit(page, force=True)  # the same page on a phone screen
    shot(page, "enrol-totp-phone", keep="enrol-totp-phone")
    scanned = photograph_qr(page, tmp_path / "qr-phone.png", blank=blank)
    assert scanned == shown_uri
    # The same phone zoomed to 200% (195 CSS px wide): the code shrinks with the screen.
    page.set_viewport_size({"width": PHONE["width"] // 2, "height": PHONE["height"] // 2})
    assert photograph_qr(page, tmp_path / "qr-zoomed.png", blank=blank) == shown_uri
    page.set_viewport_size(PHONE)

    # The authenticator app keeps what it scanned; oathtool plays the app.
    query = parse_qs(urlparse(scanned).query)
    assert (query["algorithm"], query["digits"], query["period"]) == (["SHA1"], ["6"], ["30"])
    secret = query["secret"][0]
    enrolled_at = time.time()
    page.get_by_label("Code", exact=True).fill(oathtool(secret, at=enrolled_at))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".messages")).to_contain_text("Authenticator app added.")
    # The first method added: backup codes are offered next, made only by the button.
    expect(page.get_by_role("heading", name="Backup codes")).to_be_visible()
    page.get_by_role("button", name="Create backup codes").click()
    expect(page.locator("#backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="I saved them").click()
    expect(page.locator('[data-method="totp"]')).to_contain_text("on")

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You're signed out.")).to_be_visible()
    sign_in(page)
    expect_status(page, "needs_second_factor")
    shot(page, "totp-code-phone")
    # A step is accepted once and enrolment used the current one: the app's next code (the
    # next 30 s step, inside the accepted tolerance) signs in.
    page.get_by_label("Code", exact=True).fill(oathtool(secret, at=enrolled_at + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
    shot(page, "signed-in-phone")
