"""Whatever a browser (or a script) posts to a form, the answer is never a 500.

Every form on the site gets missing, malformed, oversized (1 MB), repeated fields and NUL
bytes. The test client re-raises any exception a view lets through, so a crash fails here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.models import Client as ClientRow
from authflows.models import TrustedClient
from tests.conftest import error_codes, sign_in
from tests.core.helpers import ADMIN_DASHBOARD_URL, CLIENT_TRUST_URL, complete_sign_in

pytestmark = pytest.mark.django_db
MEGABYTE = "x" * 1_000_000


def at_sign_in(browser: Client, **_: object) -> None:
    """A fresh browser: nothing to set up."""


def at_client_trust(browser: Client, **_: object) -> None:
    assert sign_in(browser, "ada@example.com")["Location"] == CLIENT_TRUST_URL
    browser.get(CLIENT_TRUST_URL)


def at_factor_two(browser: Client, *, user, **_: object) -> None:  # type: ignore[no-untyped-def]
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert sign_in(browser, "ada@example.com")["Location"] == "/sign-in/factor-two/"


def signed_in(browser: Client, *, user, mailoutbox, **_: object) -> None:  # type: ignore[no-untyped-def]
    complete_sign_in(browser, "ada@example.com", mailoutbox)
    other = ClientRow.objects.create()
    TrustedClient.objects.create(client=other, user=user)


def as_staff(browser: Client, *, user, mailoutbox, **_: object) -> None:  # type: ignore[no-untyped-def]
    user.is_staff = user.is_superuser = True
    user.save()
    complete_sign_in(browser, "ada@example.com", mailoutbox)


# url, the fields its form posts, how to get there
FORMS: dict[str, tuple[str, list[str], Callable[..., None]]] = {
    "sign-in": (
        "/sign-in/",
        ["identifier", "email", "phoneNumber", "password", "redirect_url"],
        at_sign_in,
    ),
    "client-trust verify": (CLIENT_TRUST_URL, ["code", "action"], at_client_trust),
    "client-trust resend": (CLIENT_TRUST_URL, ["action", "code"], at_client_trust),
    "factor-two": (
        "/sign-in/factor-two/",
        ["code", "strategy", "useBackupCode", "backupCode", "action"],
        at_factor_two,
    ),
    "start over": ("/sign-in/reset/", ["action"], at_client_trust),
    "sign-out": ("/sign-out/", ["csrfmiddlewaretoken"], signed_in),
    "account revoke": ("/user/devices/revoke/", ["client"], signed_in),
    "account password": ("/user/password/", ["current_password", "new_password"], signed_in),
    "admin Dashboard": (
        ADMIN_DASHBOARD_URL,
        ["application_name", "email_verification", "lockout_max_attempts", "email_sign_in"],
        as_staff,
    ),
}

ODD_VALUES = [
    "\x00",
    "abc\x00def",
    "%00",
    "\ud7ff\ufffd\u202e",
    "٣٣٣٣٣٣",  # digits, but not ASCII digits
    "-1",
    "99999999999999999999999999",
    "1e9999",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    " ",
]


def payloads(fields: list[str]) -> dict[str, object]:
    first = fields[0]
    cases: dict[str, object] = {
        "missing": {},
        "empty": dict.fromkeys(fields, ""),
        "nul everywhere": dict.fromkeys(fields, "\x00"),
        "repeated": {f: ["1", "\x00", "resend", "verify"] for f in fields},
        "1 MB in the first field": {first: MEGABYTE},
        "1 MB in the last field": {fields[-1]: MEGABYTE},
        "too many fields": {f"f{i}": "x" for i in range(1200)},
    }
    for i, value in enumerate(ODD_VALUES):
        cases[f"odd value {i}"] = dict.fromkeys(fields, value)
    return cases


RAW_BODIES = {
    "bad percent-encoding": (
        b"%zz=%ff%fe&code=%&&==&identifier=%00",
        "application/x-www-form-urlencoded",
    ),
    "invalid utf-8": (
        b"code=\xff\xfe\xfd&identifier=\xc3\x28",
        "application/x-www-form-urlencoded",
    ),
    "broken multipart": (
        b"--xyz\r\nContent-Disposition: form-data\r\n\r\nnope",
        "multipart/form-data; boundary=xyz",
    ),
    "multipart without boundary": (b"code=1", "multipart/form-data"),
    "json": (b'{"code": ["1"], "identifier": {"$ne": null}}', "application/json"),
    "1 MB of garbage": (b"\x00\xff" * 500_000, "application/octet-stream"),
}


@pytest.fixture
def at_form(user, mailoutbox):  # type: ignore[no-untyped-def]
    def arrive(name: str) -> tuple[Client, str, list[str]]:
        url, fields, setup = FORMS[name]
        browser = Client()
        setup(browser, user=user, mailoutbox=mailoutbox)
        return browser, url, fields

    return arrive


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", list(payloads(["a", "b"])))
def test_no_500_from_posted_fields(at_form, form, case):
    browser, url, fields = at_form(form)
    data = payloads(fields)[case]
    if form == "client-trust resend" and isinstance(data, dict) and "action" not in data:
        data = {**data, "action": "resend"}
    response = browser.post(url, data)
    assert response.status_code < 500
    if form == "sign-in" and response.status_code == 400 and case != "too many fields":
        assert error_codes(response), "a refused sign-in says why"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", RAW_BODIES)
def test_no_500_from_malformed_bodies(at_form, form, case):
    browser, url, _fields = at_form(form)
    body, content_type = RAW_BODIES[case]
    response = browser.generic("POST", url, body, content_type=content_type)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "path",
    [
        "/sign-in/?redirect_url=%00",
        "/sign-in/?redirect_url=" + "x" * 5000,
        "/sign-in/verify/",
        "/sign-in/verify/?token=%00",
        "/sign-in/verify/?token=" + "a" * 5000,
        "/sign-in/verify/?token=a&token=b",
        "/sign-in/client-trust/status/",
        "/sign-in/client-trust/?code=%00",
        "/sign-in/factor-two/?strategy=%00",
        "/user/",
        "/dev/outbox/",
    ],
)
def test_no_500_from_odd_query_strings(client, user, path):
    assert client.get(path).status_code < 500
    at_client_trust(client)
    assert client.get(path).status_code < 500


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("url", ["/sign-in/", CLIENT_TRUST_URL, "/sign-out/", "/user/password/"])
def test_other_methods_are_refused_not_crashed(client, user, method, url):
    assert client.generic(method, url, b"code=1").status_code in (302, 405)


@pytest.mark.parametrize("charset", ["nonexistent-x", "latin-1", "utf-16", "ibm500"])
def test_a_body_in_another_charset_is_refused_not_an_error(charset):
    """Pages are UTF-8 and browsers post them so: any other declared charset (or one Python
    does not know) is answered 400 before anything decodes the body, CSRF check included."""
    browser = Client(enforce_csrf_checks=True)
    response = browser.generic(  # the body as sent, whatever it claims to be
        "POST",
        "/sign-in/",
        b"identifier=ada%40example.com&password=x",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert b"UTF-8" in response.content


def test_a_utf8_body_that_says_so_is_read(client, user):
    response = client.post(
        "/sign-in/",
        b"identifier=ada%40example.com&password=wrong-password-1",
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert response.status_code == 400
    assert b'data-error-code="form_password_incorrect"' in response.content


def test_a_body_django_cannot_read_is_a_400_page_even_with_the_csrf_check():
    """Too many fields: Django refuses to read the body; the 400 page must not read it again
    (a CSRF token lookup would), or the refusal becomes a 500."""
    browser = Client(enforce_csrf_checks=True)
    browser.get("/sign-in/")  # the CSRF cookie, as a browser has it
    token = browser.cookies["csrftoken"].value
    fields = "&".join([f"csrfmiddlewaretoken={token}", *(f"f{n}=x" for n in range(1200))])
    response = browser.generic(
        "POST", "/sign-in/", fields.encode(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert b"could not be read" in response.content
