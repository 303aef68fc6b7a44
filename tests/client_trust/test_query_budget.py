"""Each client-trust request stays within the budget of 8 queries."""

from __future__ import annotations

import pytest

from authflows import clock
from tests.conftest import last_code, open_link, sign_in
from tests.core.helpers import CLIENT_TRUST_URL, client_id_of, complete_sign_in, link_path

pytestmark = pytest.mark.django_db
BUDGET = 8
STATUS_URL = "/sign-in/client-trust/status/"


@pytest.fixture
def arrived(client, user, mailoutbox):  # type: ignore[no-untyped-def]
    sign_in(client, "ada@example.com")
    client.get(CLIENT_TRUST_URL)
    return client


def test_password_post_that_leads_to_client_trust(client, user, django_assert_max_num_queries):
    client.get("/sign-in/")
    with django_assert_max_num_queries(BUDGET):
        assert sign_in(client, "ada@example.com")["Location"] == CLIENT_TRUST_URL


def test_arrival_sends_the_code(client, user, mailoutbox, django_assert_max_num_queries):
    sign_in(client, "ada@example.com")
    with django_assert_max_num_queries(BUDGET):
        assert client.get(CLIENT_TRUST_URL).status_code == 200
    assert len(mailoutbox) == 1


def test_reload(arrived, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        assert arrived.get(CLIENT_TRUST_URL).status_code == 200


def test_wrong_code(arrived, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        assert arrived.post(CLIENT_TRUST_URL, {"code": "12345x"}).status_code == 400


def test_resend_refused_and_accepted(arrived, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        assert arrived.post(CLIENT_TRUST_URL, {"action": "resend"}).status_code == 400
    clock.advance(31)
    with django_assert_max_num_queries(BUDGET):
        assert arrived.post(CLIENT_TRUST_URL, {"action": "resend"}).status_code == 200


def test_right_code_completes_trusts_and_notifies(
    arrived, mailoutbox, django_assert_max_num_queries
):
    with django_assert_max_num_queries(BUDGET):
        response = arrived.post(CLIENT_TRUST_URL, {"code": last_code(mailoutbox[0].body)})
    assert response["Location"] == "/"
    assert len(mailoutbox) == 2


def test_landing_after_verification(arrived, mailoutbox, django_assert_max_num_queries):
    arrived.post(CLIENT_TRUST_URL, {"code": last_code(mailoutbox[0].body)})
    with django_assert_max_num_queries(BUDGET):
        assert "Signed in as" in arrived.get("/").content.decode()


def test_start_over(arrived, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        assert arrived.post("/sign-in/reset/")["Location"] == "/sign-in/"


def test_email_link_requests(
    client, user, instance, mailoutbox, browser, django_assert_max_num_queries
):
    instance(email_verification="link")
    sign_in(client, "ada@example.com")
    with django_assert_max_num_queries(BUDGET):
        client.get(CLIENT_TRUST_URL)
    with django_assert_max_num_queries(BUDGET):
        assert client.get(STATUS_URL).json()["status"] == "needs_client_trust"
    with django_assert_max_num_queries(BUDGET):
        assert open_link(browser, link_path(mailoutbox[0].body)).status_code == 200
    with django_assert_max_num_queries(BUDGET):
        assert client.get(STATUS_URL).json()["status"] == "complete"


def test_email_link_in_the_same_browser(
    client, user, instance, mailoutbox, django_assert_max_num_queries
):
    instance(email_verification="link")
    sign_in(client, "ada@example.com")
    client.get(CLIENT_TRUST_URL)
    with django_assert_max_num_queries(BUDGET):
        assert open_link(client, link_path(mailoutbox[0].body))["Location"] == "/"


def test_sign_in_from_a_trusted_client(client, user, mailoutbox, django_assert_max_num_queries):
    complete_sign_in(client, "ada@example.com", mailoutbox)
    client.post("/sign-out/")
    with django_assert_max_num_queries(BUDGET):
        assert sign_in(client, "ada@example.com")["Location"] == "/"


def test_devices_page_and_revoke(client, user, mailoutbox, django_assert_max_num_queries):
    complete_sign_in(client, "ada@example.com", mailoutbox)
    with django_assert_max_num_queries(BUDGET):
        assert client.get("/user/").status_code == 200
    with django_assert_max_num_queries(BUDGET):
        client.post("/user/devices/revoke/", {"client": client_id_of(client)})


def test_completing_mfa_trusts_the_client_within_budget(
    client, user, django_assert_max_num_queries
):
    import base64

    import pyotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from authflows.models import TrustedClient

    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, "ada@example.com")
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).at(clock.now())
    with django_assert_max_num_queries(BUDGET):
        assert client.post("/sign-in/factor-two/", {"code": code})["Location"] == "/"
    assert TrustedClient.objects.filter(user=user).exists()
