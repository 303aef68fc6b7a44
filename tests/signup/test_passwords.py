"""Password rules (length, Django's validators, compromised lists) and username rules."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from authflows.errors import FlowError
from authflows.flows import passwords
from authflows.flows.sign_up.fields import validate_username
from authflows.models import InstanceSettings
from tests.conftest import error_codes

pytestmark = pytest.mark.django_db

GOOD = "correct-horse-battery-staple-71"


def _code(password: str, settings: InstanceSettings) -> str:
    try:
        passwords.validate_password(password, settings=settings)
    except FlowError as error:
        return error.code
    return "ok"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("", "form_param_missing"),
        ("seven77", "form_password_length_too_short"),
        ("x" * 257, "form_password_length_too_long"),
        ("x" * 256, "ok"),
        ("iloveyou1", "form_password_pwned"),
        ("PASSWORD1", "form_password_pwned"),
        ("90210947285", "form_password_validation_failed"),  # entirely numeric
        (GOOD, "ok"),
    ],
)
def test_each_rule(password, code):
    settings = InstanceSettings.load()
    assert _code(password, settings) == code


def test_dashboard_minimum_length(instance):
    settings = instance(password_min_length=12)
    assert _code("abcdefgh-xyz", settings) == "ok"
    with pytest.raises(FlowError) as error:
        passwords.validate_password("abcdefgh-xy", settings=settings)
    assert error.value.code == "form_password_length_too_short"
    assert "12 characters" in error.value.message


def test_compromised_check_can_be_turned_off(instance):
    settings = instance(password_reject_compromised=False)
    assert _code("iloveyou1", settings) == "ok"


def test_similar_to_the_email_is_refused(client, db):
    response = client.post(
        "/sign-up/",
        {"emailAddress": "grace.hopper@example.com", "password": "grace.hopper@example.co"},
    )
    assert error_codes(response) == ["form_password_validation_failed"]
    assert "too similar" in response.content.decode()


def test_offline_list_size():
    assert len(passwords.compromised_passwords()) > 19000


# --- the online range check (k-anonymity) ----------------------------------------------------


class RangeAPI:
    """A tiny Pwned Passwords range API on 127.0.0.1 that knows one breached password."""

    def __init__(self, breached: str) -> None:
        digest = hashlib.sha1(breached.encode()).hexdigest().upper()
        self.prefixes: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                prefix = self.path.rsplit("/", 1)[-1]
                api.prefixes.append(prefix)
                lines = ["0" * 35 + ":0"]  # padding, as the real API sends
                if prefix == digest[:5]:
                    lines.append(f"{digest[5:]}:42")
                body = "\r\n".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/range/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def range_api(settings):  # type: ignore[no-untyped-def]
    api = RangeAPI("a-breached-but-uncommon-passphrase")
    settings.AUTHFLOWS_PWNED_RANGE_CHECK = True
    settings.AUTHFLOWS_PWNED_RANGE_API = api.url
    yield api
    api.close()


def test_range_check_refuses_a_breached_password(range_api):
    settings = InstanceSettings.load()
    assert _code("a-breached-but-uncommon-passphrase", settings) == "form_password_pwned"
    digest = hashlib.sha1(b"a-breached-but-uncommon-passphrase").hexdigest().upper()
    assert range_api.prefixes == [digest[:5]]  # only the prefix left the server


def test_range_check_accepts_an_unknown_password(range_api):
    assert _code(GOOD, InstanceSettings.load()) == "ok"
    assert len(range_api.prefixes) == 1


def test_range_check_is_off_by_default(range_api, settings):
    settings.AUTHFLOWS_PWNED_RANGE_CHECK = False
    assert _code("a-breached-but-uncommon-passphrase", InstanceSettings.load()) == "ok"
    assert range_api.prefixes == []


def test_range_check_fails_open_with_a_log_line(settings, caplog):
    api = RangeAPI("whatever")
    url = api.url
    api.close()  # nothing listens there any more
    settings.AUTHFLOWS_PWNED_RANGE_CHECK = True
    settings.AUTHFLOWS_PWNED_RANGE_API = url
    with caplog.at_level("WARNING", logger="authflows.passwords"):
        assert _code(GOOD, InstanceSettings.load()) == "ok"
    assert "range check unavailable" in caplog.text


def test_range_check_through_sign_up(client, range_api, mailoutbox):
    response = client.post(
        "/sign-up/",
        {"emailAddress": "new@example.com", "password": "a-breached-but-uncommon-passphrase"},
    )
    assert error_codes(response) == ["form_password_pwned"]


# --- usernames ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "result"),
    [
        ("abc", "form_username_invalid_length"),
        ("a" * 65, "form_username_invalid_length"),
        ("abcd", "abcd"),
        ("Ada.Lovelace-1_", "ada.lovelace-1_"),
        ("ada lovelace", "form_username_invalid_character"),
        ("ada@home", "form_username_invalid_character"),
        ("+ada", "form_username_invalid_character"),
        ("12345", "form_username_invalid_character"),
        ("ädä_x", "form_username_invalid_character"),
    ],
)
def test_username_rules(raw, result):
    settings = InstanceSettings.load()
    try:
        value = validate_username(raw, settings)
    except FlowError as error:
        value = error.code
    assert value == result


def test_username_length_from_the_dashboard(client, instance):
    instance(
        username_sign_up=True, username_sign_in=True, username_min_length=6, username_max_length=8
    )
    response = client.post("/sign-up/", {"username": "adal"})
    assert error_codes(response) == ["form_username_invalid_length"]
    assert "between 6 and 8" in response.content.decode()
    assert error_codes(client.post("/sign-up/", {"username": "ada lovelace"})) == [
        "form_username_invalid_length"
    ]
    assert error_codes(client.post("/sign-up/", {"username": "ada!x!"})) == [
        "form_username_invalid_character"
    ]
