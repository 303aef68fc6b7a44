"""Sessions: key rotation, sign-out, password change, the Dashboard's lifetime and inactivity
limits, and the user's list of active sessions."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from authflows import clock
from authflows.flows.user_sessions import after_password_change, after_password_reset
from authflows.models import AuthEvent, TrustedClient, UserSession
from authflows.protect import audit
from authflows.session_store import SessionStore
from tests.conftest import PASSWORD, context_of, sign_in
from tests.protect.conftest import complete_client_trust

pytestmark = pytest.mark.django_db


def is_signed_in(browser: Client) -> bool:
    return browser.get("/user/").status_code == 200


def test_client_trust_completion_rotates_the_session_key(client, user, mailoutbox):
    sign_in(client, "ada@example.com")
    before = client.cookies["sessionid"].value
    assert complete_client_trust(client, mailoutbox)["Location"] == "/"
    after = client.cookies["sessionid"].value
    assert after != before
    assert not UserSession.objects.filter(session_key=before).exists()


def test_a_stolen_pre_login_session_key_is_useless(client, user, mailoutbox):
    """Session fixation: a key planted before sign-in is not the signed-in key."""
    sign_in(client, "ada@example.com")
    planted = Client()
    planted.cookies["sessionid"] = client.cookies["sessionid"].value
    complete_client_trust(client, mailoutbox)
    assert not is_signed_in(planted)
    assert is_signed_in(client)


def test_sign_out_ends_the_session_everywhere_it_was_copied(signed_in, user):
    browser = signed_in()
    copy = Client()
    copy.cookies["sessionid"] = browser.cookies["sessionid"].value
    assert is_signed_in(copy)
    browser.post("/sign-out/")
    assert not is_signed_in(copy)
    assert not UserSession.objects.filter(user=user).exists()


def test_password_change_alone_signs_out_other_sessions(signed_in, user):
    """Django's session hash: sessions made with the old password stop working."""
    other = signed_in()
    user.set_password("a-brand-new-passphrase-for-ada")
    user.save()
    assert not is_signed_in(other)


def _request_for(browser: Client, user) -> object:  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/user/password/")
    request.session = SessionStore(session_key=browser.cookies["sessionid"].value)
    request.user = user
    return request


def test_after_password_change_keeps_this_session_only(signed_in, user, trusted_browser):
    here, elsewhere = signed_in(), signed_in()
    request = _request_for(here, user)
    ctx = context_of(request)
    user.set_password("a-brand-new-passphrase-for-ada")
    user.save()
    after_password_change(ctx, user)
    request.session.save()
    audit.flush(ctx)
    assert not is_signed_in(elsewhere)
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        request.session.session_key
    ]
    assert not TrustedClient.objects.filter(user=user).exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_CHANGED, user=user).exists()


def test_after_password_reset_ends_every_session(signed_in, user, trusted_browser):
    browsers = [signed_in(), signed_in()]
    after_password_reset(context_of(RequestFactory().post("/sign-in/reset-password/")), user)
    assert not any(is_signed_in(b) for b in browsers)
    assert not TrustedClient.objects.filter(user=user).exists()


# --- the Dashboard's limits -------------------------------------------------------------------


def test_maximum_lifetime_default_seven_days(signed_in):
    browser = signed_in()
    clock.advance(7 * 24 * 3600 - 60)
    assert is_signed_in(browser)
    clock.advance(120)
    assert not is_signed_in(browser)


def test_maximum_lifetime_from_the_dashboard(signed_in, instance):
    instance(session_max_lifetime_hours=2)
    browser = signed_in()
    clock.advance(2 * 3600 - 60)
    assert is_signed_in(browser)
    clock.advance(120)
    assert not is_signed_in(browser)


def test_inactivity_timeout(signed_in, instance):
    instance(session_inactivity_enabled=True, session_inactivity_minutes=30)
    browser = signed_in()
    for _ in range(4):  # active every 29 minutes: stays signed in past two hours
        clock.advance(29 * 60)
        assert is_signed_in(browser)
    clock.advance(31 * 60)
    assert not is_signed_in(browser)


def test_inactivity_timeout_is_off_by_default(signed_in):
    browser = signed_in()
    clock.advance(3 * 24 * 3600)
    assert is_signed_in(browser)


def test_lifetime_off_leaves_inactivity(signed_in, instance):
    instance(
        session_lifetime_enabled=False,
        session_inactivity_enabled=True,
        session_inactivity_minutes=24 * 60,
    )
    browser = signed_in()
    for _ in range(9):  # active once a day for nine days: past the 7-day default lifetime
        clock.advance(23 * 3600)
        assert browser.get("/").status_code == 200
    assert is_signed_in(browser)


# --- the user's sessions on /user/ --------------------------------------------------------------


def handles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'data-session="([0-9a-f]+)"', page.content.decode())


def test_account_page_lists_active_sessions_without_their_keys(signed_in, user):
    here = signed_in(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    there = signed_in(REMOTE_ADDR="198.51.100.4")
    page = here.get("/user/")
    html = page.content.decode()
    assert len(handles(page)) == 2
    assert "Firefox 128 on Linux" in html
    assert "198.51.100.4" in html
    assert "This session" in html
    for key in (here.cookies["sessionid"].value, there.cookies["sessionid"].value):
        assert key not in html


def test_end_one_other_session(signed_in):
    here, there, _third = signed_in(), signed_in(), signed_in()
    page = here.get("/user/")
    current = re.search(
        r'data-session="([0-9a-f]+)"><td>[^<]*<span class="badge">', page.content.decode()
    )
    others = [h for h in handles(page) if h != current.group(1)]
    there_handle = None
    for handle in others:  # find the one that is `there`
        here.post("/user/sessions/end/", {"session": handle})
        if not is_signed_in(there):
            there_handle = handle
            break
    assert there_handle is not None
    assert is_signed_in(here)


def test_end_all_other_sessions(signed_in, user):
    here, there, third = signed_in(), signed_in(), signed_in()
    response = here.post("/user/sessions/end/", {"session": "others"})
    assert response.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(there)
    assert not is_signed_in(third)
    assert UserSession.objects.filter(user=user).count() == 1
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SESSION_ENDED, user=user).exists()


def test_cannot_end_another_users_session(signed_in, make_user):
    eve = make_user(email="eve@example.com")
    ada_browser = signed_in()
    eve_browser = signed_in(eve)
    ada_handles = handles(ada_browser.get("/user/"))
    for handle in ada_handles:
        eve_browser.post("/user/sessions/end/", {"session": handle})
    assert is_signed_in(ada_browser)


def test_end_session_needs_a_signed_in_user(client, user):
    response = client.post("/user/sessions/end/", {"session": "others"})
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_password_is_never_in_a_session_row(signed_in):
    signed_in()
    for row in UserSession.objects.all():
        assert PASSWORD not in str(row.get_decoded())
