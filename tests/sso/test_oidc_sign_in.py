"""Sign-in with an OpenID Connect provider, against panva's oidc-provider on loopback."""

from __future__ import annotations

from django.test import Client

from authflows.models import AuthEvent, ExternalAccount, SSOConnection, SSOState, User
from tests.sso.conftest import back, sign_in_with, start


def signed_in_as(browser: Client) -> str:
    page = browser.get("/user/")
    assert page.status_code == 200, page.status_code
    return page.context["user"].email


def test_new_identity_signs_up_with_verified_email_and_names(client, connection, idp):
    connection()
    response = sign_in_with(client, idp, "newbie")
    assert response.status_code == 302
    # Nothing else required: the account is created and signed in.
    assert response["Location"] == "/sign-up/complete/"
    done = client.get(response["Location"])
    assert done.status_code == 302 and done["Location"] == "/"
    user = User.objects.get(email="newbie@example.com")
    assert user.email_verified and (user.first_name, user.last_name) == ("Nina", "Newman")
    assert not user.has_usable_password()
    account = ExternalAccount.objects.get(user=user)
    assert (account.subject, account.email_verified) == ("sub-newbie", True)
    assert signed_in_as(client) == "newbie@example.com"
    kinds = set(AuthEvent.objects.values_list("kind", flat=True))
    assert {"sso.started", "sso.linked", "sign_up.completed", "sign_in.succeeded"} <= kinds


def test_linked_identity_signs_in_again(client, connection, idp, browser):
    connection()
    sign_in_with(client, idp, "newbie")
    client.get("/sign-up/complete/")
    response = sign_in_with(browser, idp, "newbie")
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(browser) == "newbie@example.com"
    assert User.objects.count() == 1
    event = AuthEvent.objects.filter(kind="sign_in.succeeded").order_by("-id").first()
    assert event is not None and event.data["strategy"] == "oauth_custom"


def test_state_is_single_use(client, connection, idp):
    connection()
    url = idp.sign_in(start(client), "newbie")
    first = back(client, url)
    assert first["Location"] == "/sign-up/complete/"
    client.get("/sign-up/complete/")
    client.post("/sign-out/")
    replay = back(client, url)
    assert replay.status_code == 302 and replay["Location"] == "/sign-in/"
    page = client.get("/sign-in/")
    assert "expired or was already used" in page.content.decode()
    assert AuthEvent.objects.filter(kind="sso.failed", data__reason="oauth_state_invalid").exists()


def test_state_from_another_browser_is_refused(client, connection, idp, browser):
    connection()
    url = idp.sign_in(start(client), "newbie")
    stolen = back(browser, url)
    assert stolen["Location"] == "/sign-in/"
    assert not User.objects.exists()
    assert SSOState.objects.get().consumed_at is None  # the owner can still finish
    assert back(client, url)["Location"] == "/sign-up/complete/"


def test_tampered_id_token_is_refused(client, connection, idp):
    connection()
    url = idp.sign_in(start(client), "ada")
    idp.control("tamper")
    response = back(client, url)
    assert response["Location"] == "/sign-in/"
    assert not User.objects.exists() and not ExternalAccount.objects.exists()
    event = AuthEvent.objects.get(kind="sso.failed")
    assert event.data["reason"] == "oauth_id_token_invalid"


def test_wrong_nonce_is_refused(client, connection, idp):
    connection()
    authorize = start(client)
    idp.control("nonce", value="not-the-nonce-we-sent")
    response = back(client, idp.sign_in(authorize, "newbie"))
    assert response["Location"] == "/sign-in/"
    assert not User.objects.exists()
    assert AuthEvent.objects.get(kind="sso.failed").data["reason"] == "oauth_id_token_invalid"


def test_expired_code_is_refused(client, connection, idp):
    connection()
    url = idp.sign_in(start(client), "newbie")
    idp.control("clock", offset=120)  # the code lives 60 s at the provider
    response = back(client, url)
    assert response["Location"] == "/sign-in/"
    assert AuthEvent.objects.get(kind="sso.failed").data["reason"] == "oauth_token_exchange_error"
    assert not User.objects.exists()


def test_rotated_key_is_fetched_again(client, connection, idp, browser):
    connection()
    sign_in_with(client, idp, "newbie")
    client.get("/sign-up/complete/")
    kids = idp.control("rotate")["kids"]
    response = sign_in_with(browser, idp, "newbie")
    assert response["Location"] == "/", kids
    assert signed_in_as(browser) == "newbie@example.com"


def test_cancel_at_the_provider_says_so(client, connection, idp):
    connection()
    url = idp.sign_in(start(client), "newbie", cancel=True)
    response = back(client, url)
    assert response["Location"] == "/sign-in/"
    assert "was cancelled" in client.get("/sign-in/").content.decode()
    assert AuthEvent.objects.get(kind="sso.failed").data["reason"] == "oauth_access_denied"


def test_no_open_redirect(client, connection, idp):
    connection()
    response = sign_in_with(client, idp, "newbie", redirect_url="https://evil.example/steal")
    assert client.get(response["Location"])["Location"] == "/"


def test_same_site_redirect_url_is_kept(client, connection, idp):
    connection()
    response = sign_in_with(client, idp, "newbie", redirect_url="/user/")
    assert client.get(response["Location"])["Location"] == "/user/"


def test_round_trips_are_pruned_a_day_after_they_expire(client, connection, idp):
    from authflows import clock
    from authflows.flows import housekeeping

    connection()
    start(client)
    assert housekeeping.prune().sso_states == 0
    clock.advance(10 * 60 + 24 * 3600 + 1)
    assert housekeeping.prune().sso_states == 1
    assert not SSOState.objects.exists()


def test_an_unreachable_provider_is_a_message_not_an_error_page(client, connection, idp):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    connection(issuer=dead)
    response = client.get("/sso/start/test/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert "be reached right now" in client.get("/sign-in/").content.decode()
    assert AuthEvent.objects.get(kind="sso.failed").data["reason"] == "oauth_provider_unavailable"


def test_a_plain_http_provider_elsewhere_is_not_offered(client, connection, idp):
    from authflows.sso import config

    connection(
        provider="oauth2",
        authorization_url="http://idp.example/auth",
        token_url="http://idp.example/token",
        userinfo_url="http://idp.example/me",
    )
    assert "https:// URLs" in config.problems(SSOConnection.objects.get())
    assert "Continue with" not in client.get("/sign-in/").content.decode()
    response = client.get("/sso/start/test/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert not SSOState.objects.exists()
