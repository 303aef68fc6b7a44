"""Every form takes arbitrary input (unicode, control characters with NUL, huge strings,
missing, repeated and wrong-typed fields, broken bodies) without a 5xx and without touching
another user's data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authflows.factors.backup_code import replace_codes
from authflows.models import (
    BackupCode,
    TrustedClient,
    User,
    UserSession,
    Verification,
)
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FIELDS = [
    "identifier",
    "email",
    "phoneNumber",
    "password",
    "redirect_url",
    "code",
    "strategy",
    "useBackupCode",
    "backupCode",
    "action",
    "client",
    "session",
]
SPECIAL = [
    "",
    " ",
    "\x00",
    "424242",
    "000000",
    "resend",
    "verify",
    "others",
    "totp",
    "backup_code",
    "phone_code",
    "email_link",
    "on",
    "-1",
    "99999999999999999999999",
    "ada@example.com",
    "fuzz@example.com",
    "https://evil.example/",
    "😀" * 50,
    "\u02bc OR 1=1 --",
    "<script>alert(1)</script>",
]
texts = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=40),
    st.sampled_from(SPECIAL),
    st.integers(min_value=1000, max_value=60000).map(lambda n: "9" * n),  # huge
)
values = st.one_of(
    texts,
    st.lists(texts, min_size=2, max_size=4),  # a repeated field
    st.integers(),
    st.booleans().map(str),
    st.binary(max_size=40).map(lambda b: SimpleUploadedFile("x.bin", b)),  # a file, not text
)
forms = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=12)), values, max_size=6
)


def victim_state() -> tuple[object, ...]:
    """Everything of the other user's that a request could change."""
    victim = User.objects.get(email="victim@example.com")
    return (
        User.objects.filter(pk=victim.pk).values().get(),
        list(TrustedClient.objects.filter(user=victim).values()),
        list(UserSession.objects.filter(user=victim).values()),
        list(BackupCode.objects.filter(user=victim).values()),
        list(Verification.objects.filter(user=victim).values()),
        list(TOTPDevice.objects.filter(user=victim).values()),
    )


@pytest.fixture
def world(make_user, instance, signed_in, mailoutbox, trusted_browser) -> Callable[[], tuple]:  # type: ignore[no-untyped-def]
    """The victim signed in on a trusted device with MFA; the fuzzer's own user; a snapshot."""
    victim = make_user(email="victim@example.com")
    TOTPDevice.objects.create(user=victim, name="app", confirmed=True)
    replace_codes(victim)
    make_user(email="fuzz@example.com", phone="+14155550123")
    instance(client_trust=True)
    return victim_state


def _post(client: Client, path: str, data: dict) -> int:  # type: ignore[type-arg]
    response = client.post(path, data)
    return response.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/sign-in/",
        "/sign-in/reset/",
        "/sign-out/",
        "/sign-in/client-trust/",
        "/sign-in/factor-two/",
    ],
)
def test_anonymous_forms(world, path):
    before = world()
    client = Client()

    @FUZZ
    @given(data=forms)
    def run(data: dict) -> None:  # type: ignore[type-arg]
        assert _post(client, path, data) < 500

    run()
    assert world() == before


@pytest.mark.parametrize("page", ["/sign-in/client-trust/", "/sign-in/factor-two/"])
def test_forms_of_an_attempt_in_progress(world, make_user, page):
    before = world()
    if page.endswith("factor-two/"):
        mfa = make_user(email="mfa@example.com")
        TOTPDevice.objects.create(user=mfa, name="app", confirmed=True)
        replace_codes(mfa)
    client = Client()

    @FUZZ
    @given(data=forms)
    def run(data: dict) -> None:  # type: ignore[type-arg]
        identifier = "mfa@example.com" if page.endswith("factor-two/") else "fuzz@example.com"
        if client.get(page).status_code == 302:  # the attempt ended: start another
            client.post("/sign-in/reset/")
            sign_in(client, identifier, PASSWORD)
        assert _post(client, page, data) < 500

    run()
    assert world() == before


@pytest.mark.parametrize("path", ["/user/devices/revoke/", "/user/sessions/end/", "/sign-out/"])
def test_account_forms(world, signed_in, path):
    before = world()
    fuzzer = User.objects.get(email="fuzz@example.com")
    client = signed_in(fuzzer)

    @FUZZ
    @given(data=forms)
    def run(data: dict) -> None:  # type: ignore[type-arg]
        if "_auth_user_id" not in client.session:
            client.cookies = signed_in(fuzzer).cookies
        assert _post(client, path, data) < 500

    run()
    assert world() == before


@FUZZ
@given(
    body=st.binary(max_size=400),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/plain",
        ]
    ),
    path=st.sampled_from(["/sign-in/", "/sign-in/client-trust/", "/sign-in/factor-two/"]),
)
def test_broken_bodies(world, body, content_type, path):
    assert Client().post(path, body, content_type=content_type).status_code < 500


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["redirect_url", "strategy", "token"]),
        texts.filter(lambda s: len(s) < 3000),
    ),
    path=st.sampled_from(["/sign-in/", "/sign-in/factor-two/", "/sign-in/verify/", "/user/"]),
)
def test_query_strings(world, params, path):
    assert Client().get(path, params).status_code < 500
