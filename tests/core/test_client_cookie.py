"""The client cookie: long-lived, signed, HttpOnly, SameSite=Lax; a forged one is ignored and
replaced; it survives sign-out."""

from __future__ import annotations

import pytest
from django.core import signing

from authflows.models import Client, TrustedClient
from tests.conftest import PASSWORD, page_status, sign_in
from tests.core.helpers import CLIENT_COOKIE, CLIENT_TRUST_URL, adopt_client, client_id_of

pytestmark = pytest.mark.django_db
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def _no_client_trust(instance):  # type: ignore[no-untyped-def]
    instance(client_trust=False)


def test_signing_in_creates_the_client_and_its_cookie(client, user):
    response = client.post(
        "/sign-in/",
        {"identifier": "ada@example.com", "password": PASSWORD},
        HTTP_USER_AGENT=FIREFOX,
    )
    cookie = response.cookies[CLIENT_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    row = Client.objects.get()
    assert row.user_agent == FIREFOX
    assert cookie.value != str(row.pk)  # signed, not the bare id
    assert client_id_of(client) == row.pk
    assert client.session["_authflows_client_id"] == row.pk


def test_cookie_is_secure_over_https(client, user):
    response = client.post(
        "/sign-in/", {"identifier": "ada@example.com", "password": PASSWORD}, secure=True
    )
    assert response.cookies[CLIENT_COOKIE]["secure"] is True


def test_pages_that_need_no_client_create_none(client, db):
    response = client.get("/sign-in/")
    assert CLIENT_COOKIE not in response.cookies
    assert not Client.objects.exists()


def test_client_survives_sign_out_and_is_reused(client, user):
    sign_in(client, "ada@example.com")
    cookie = client.cookies[CLIENT_COOKIE].value
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert CLIENT_COOKIE not in response.cookies or response.cookies[CLIENT_COOKIE].value == cookie
    assert client.cookies[CLIENT_COOKIE].value == cookie
    sign_in(client, "ada@example.com")
    assert Client.objects.count() == 1
    assert client_id_of(client) == Client.objects.get().pk


def test_last_active_is_stamped_at_each_sign_in(client, user):
    from authflows import clock

    sign_in(client, "ada@example.com")
    first = Client.objects.get().last_active_at
    client.post("/sign-out/")
    clock.advance(3600)
    sign_in(client, "ada@example.com")
    assert (Client.objects.get().last_active_at - first).total_seconds() >= 3600


@pytest.mark.parametrize(
    "forged",
    [
        "1",  # the bare id, unsigned
        "1:bad-signature",
        signing.get_cookie_signer(salt="another-salt").sign("1"),
        "",
        "\x00",
        "99999999999999999999999999",
    ],
)
def test_tampered_cookie_is_ignored_and_replaced(client, user, forged):
    victim = Client.objects.create(user_agent="the victim's browser")
    client.cookies[CLIENT_COOKIE] = forged.replace("1", str(victim.pk), 1)
    response = sign_in(client, "ada@example.com")
    assert response.status_code == 302
    own = client_id_of(client)
    assert own != victim.pk
    assert Client.objects.filter(pk=own).exists()
    assert response.cookies[CLIENT_COOKIE].value != forged


def test_forged_cookie_cannot_borrow_another_clients_trust(client, user, instance):
    instance(client_trust=True)
    trusted = Client.objects.create()
    TrustedClient.objects.create(client=trusted, user=user)
    client.cookies[CLIENT_COOKIE] = str(trusted.pk)  # unsigned
    response = sign_in(client, "ada@example.com")
    assert response["Location"] == CLIENT_TRUST_URL
    assert page_status(client.get(CLIENT_TRUST_URL)) == "needs_client_trust"


def test_signed_cookie_of_a_deleted_client_gets_a_new_client(client, user):
    gone = Client.objects.create()
    adopt_client(client, gone.pk)
    gone.delete()
    sign_in(client, "ada@example.com")
    assert client_id_of(client) != gone.pk
    assert Client.objects.filter(pk=client_id_of(client)).exists()
