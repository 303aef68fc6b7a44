"""What a provider account leads to besides a plain sign-up: linking by verified address,
proving the existing account first, MFA after a social sign-in, GitHub's user endpoint,
linking and unlinking on the account page."""

from __future__ import annotations

import base64

import pyotp
import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.models import AuthEvent, ExternalAccount, User
from tests.conftest import sign_in
from tests.sso.conftest import back, forward_url, sign_in_with, start


def account_page(browser: Client) -> str:
    page = browser.get("/user/")
    assert page.status_code == 200
    return page.content.decode()


def test_verified_address_links_when_the_dashboard_allows(client, connection, idp, user):
    connection(link_verified_email=True)
    response = sign_in_with(client, idp, "ada")
    assert response["Location"] == "/"
    account = ExternalAccount.objects.get()
    assert account.user == user and account.email_verified
    assert client.get("/user/").context["user"] == user


def test_verified_address_asks_for_the_account_first_when_not_allowed(
    client, connection, idp, user, mailoutbox, instance
):
    instance(client_trust=False)
    connection(link_verified_email=False)
    response = sign_in_with(client, idp, "ada")
    assert response["Location"] == "/sign-in/?redirect_url=/sso/link/"
    page = client.get(response["Location"])
    assert "Sign in to it to link your Test IdP account" in page.content.decode()
    assert not ExternalAccount.objects.exists() and page.context["user"].is_anonymous
    signed_in = sign_in(client, "ada@example.com", redirect_url="/sso/link/")
    assert signed_in["Location"] == "/sso/link/"
    confirm = client.get("/sso/link/")
    assert confirm.status_code == 200 and "ada@example.com" in confirm.content.decode()
    assert client.post("/sso/link/", {"action": "link"})["Location"] == "/user/"
    assert ExternalAccount.objects.get().user == user
    # Next time the provider alone signs in.
    client.post("/sign-out/")
    assert sign_in_with(client, idp, "ada")["Location"] == "/"


def test_unverified_address_never_links(client, connection, idp, user):
    connection(link_verified_email=True)
    response = sign_in_with(client, idp, "unverified")
    assert response["Location"] == "/sign-in/?redirect_url=/sso/link/"
    assert not ExternalAccount.objects.exists()
    assert User.objects.count() == 1


def test_mfa_still_applies_after_a_social_sign_in(client, connection, idp, user):
    connection(link_verified_email=True)
    key = "3132333435363738393031323334353637383930"
    TOTPDevice.objects.create(user=user, name="app", key=key, confirmed=True)
    response = sign_in_with(client, idp, "ada")
    assert response["Location"] == "/sign-in/factor-two/"
    assert client.get("/").context["user"].is_anonymous
    code = pyotp.TOTP(base64.b32encode(bytes.fromhex(key)).decode()).at(
        int(clock.now().timestamp())
    )
    done = client.post("/sign-in/factor-two/", {"code": code})
    assert done["Location"] == "/"
    assert client.get("/user/").context["user"] == user


def test_locked_account_stays_locked(client, connection, idp, user):
    connection(link_verified_email=True)
    User.objects.filter(pk=user.pk).update(locked_indefinitely=True)
    response = sign_in_with(client, idp, "ada")
    assert response["Location"] == "/sign-in/"
    assert client.get("/").context["user"].is_anonymous


def test_github_signs_up_through_its_user_endpoint(client, connection, idp):
    connection(slug="github", provider="github", name="GitHub")
    response = sign_in_with(client, idp, "newbie", slug="github")
    assert response["Location"] == "/sign-up/complete/"
    client.get("/sign-up/complete/")
    account = ExternalAccount.objects.get()
    assert account.subject == "4242" and account.email == "newbie@example.com"
    assert account.user.email_verified and account.user.first_name == "Nina"
    assert AuthEvent.objects.get(kind="sign_in.succeeded").data["strategy"] == "sign_up"


def test_link_and_unlink_on_the_account_page(client, connection, idp, user, instance):
    instance(client_trust=False)
    connection(name="Test IdP")
    sign_in(client, "ada@example.com")
    assert "Link Test IdP" in account_page(client)
    leave = client.post("/user/connected-accounts/link/", {"connection": "test"})
    response = back(client, idp.sign_in(forward_url(client, leave), "newbie"))
    assert response["Location"] == "/user/#connected-accounts"
    account = ExternalAccount.objects.get()
    assert account.user == user and account.email == "newbie@example.com"
    assert "newbie@example.com" in account_page(client)
    unlinked = client.post("/user/connected-accounts/unlink/", {"account": str(account.pk)})
    assert unlinked["Location"] == "/user/#connected-accounts"
    assert not ExternalAccount.objects.exists()
    assert AuthEvent.objects.filter(kind="sso.unlinked", user=user).exists()


def test_linking_needs_a_recent_proof(client, connection, idp, user, instance):
    instance(client_trust=False)
    connection()
    sign_in(client, "ada@example.com")
    clock.advance(11 * 60)
    response = client.post("/user/connected-accounts/link/", {"connection": "test"})
    assert response["Location"] == "/user/verify/?redirect_url=/user/"


def test_an_account_linked_to_someone_else_is_refused(
    client, connection, idp, user, browser, instance
):
    instance(client_trust=False)
    connection()
    sign_in_with(browser, idp, "newbie")  # newbie's own account now holds the link
    browser.get("/sign-up/complete/")
    sign_in(client, "ada@example.com")
    leave = client.post("/user/connected-accounts/link/", {"connection": "test"})
    response = back(client, idp.sign_in(forward_url(client, leave), "newbie"))
    assert response["Location"] == "/user/"
    assert "linked to another user" in account_page(client)
    assert ExternalAccount.objects.get().user.email == "newbie@example.com"


def test_the_last_way_in_cannot_be_unlinked(client, connection, idp):
    connection()
    sign_in_with(client, idp, "newbie")
    client.get("/sign-up/complete/")
    account = ExternalAccount.objects.get()
    # No password; email codes are a way in by default: turn them off.
    from authflows.models import InstanceSettings

    row = InstanceSettings.load()
    row.email_code_sign_in = False
    row.save()
    response = client.post("/user/connected-accounts/unlink/", {"account": str(account.pk)})
    assert response["Location"] == "/user/#connected-accounts"
    assert ExternalAccount.objects.filter(pk=account.pk).exists()
    assert "last way to sign in" in account_page(client)


def test_unlinking_someone_elses_account_is_refused(client, connection, idp, user, instance):
    instance(client_trust=False)
    connection()
    other = Client()
    sign_in_with(other, idp, "newbie")
    other.get("/sign-up/complete/")
    account = ExternalAccount.objects.get()
    sign_in(client, "ada@example.com")
    client.post("/user/connected-accounts/unlink/", {"account": str(account.pk)})
    assert ExternalAccount.objects.filter(pk=account.pk).exists()


@pytest.mark.ratelimit
def test_callbacks_are_rate_limited_per_ip(client, connection, idp):
    connection()
    statuses = [client.get("/sso/callback/test/?state=x&code=y").status_code for _ in range(21)]
    assert statuses[:20] == [302] * 20 and statuses[20] == 429
    assert AuthEvent.objects.filter(kind="rate_limited", data__scope="sso_callback").count() == 1


def test_apple_posts_the_code_back_cross_site(client, connection, idp):
    """response_mode=form_post (Apple's preset): the provider's page posts the code to the
    callback from its own origin, so without this site's cookies; the callback sends the
    browser on to a GET of its own, which carries them."""
    connection(slug="apple", provider="apple", name="Apple", issuer=idp.issuer)
    authorize = start(client, "apple")
    assert "response_mode=form_post" in authorize
    action, fields = idp.sign_in_form_post(authorize, "newbie")
    assert action == "http://testserver/sso/callback/apple/"
    bounced = Client().post("/sso/callback/apple/", fields)  # cross-site: no cookies
    assert bounced.status_code == 302
    response = client.get(bounced["Location"])
    assert response["Location"] == "/sign-up/complete/"
    client.get("/sign-up/complete/")
    account = ExternalAccount.objects.get()
    assert account.user.email == "newbie@example.com"
    assert AuthEvent.objects.filter(kind="sign_in.succeeded", data__strategy="sign_up").exists()


def test_continue_page_is_shown_once(client, connection, idp, make_user):
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    client.post("/sign-in/", {"identifier": "grace@acme.test", "password": ""})
    assert client.get("/sso/continue/").status_code == 200
    assert client.get("/sso/continue/")["Location"] == "/sign-in/"


def test_enterprise_sign_in_keeps_no_foreign_redirect(client, connection, idp):
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    fields = {"identifier": "grace@acme.test", "redirect_url": "https://evil.example/"}
    url = forward_url(client, client.post("/sign-in/", fields))
    response = back(client, idp.sign_in(url, "grace"))
    assert client.get(response["Location"])["Location"] == "/"
