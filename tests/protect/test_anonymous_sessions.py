"""A session that belongs to no one yet (a sign-in in progress) lives in the cache, not in the
database: a stranger's visit writes no row. It moves to the database under a new key once it
gains a user, and it gets a row after all when the cache can't be reached as it is saved."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.core.cache import caches
from django.test import Client, override_settings

from authflows.models import UserSession
from authflows.session_store import (
    ANONYMOUS_CACHE_PREFIX,
    ANONYMOUS_KEY_LENGTH,
    DATABASE_KEY_LENGTH,
    SessionStore,
)
from tests.conftest import PASSWORD, sign_in
from tests.protect.conftest import complete_client_trust

pytestmark = pytest.mark.django_db

#: A Redis server nobody listens on: every call is refused at once, as when Redis is down.
UNREACHABLE_DEFAULT = {
    "BACKEND": "authflows.cache.RedisCache",
    "LOCATION": "redis://127.0.0.1:9/0",
    "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
}


def session_key(browser: Client) -> str:
    return browser.cookies["sessionid"].value


@pytest.mark.django_db(transaction=True)  # the cached copy goes when the request commits
def test_a_sign_in_waiting_for_its_code_writes_no_session_row(client, user, mailoutbox):
    assert sign_in(client, "ada@example.com")["Location"] == "/sign-in/client-trust/"
    pending = session_key(client)
    assert len(pending) == ANONYMOUS_KEY_LENGTH
    assert not UserSession.objects.exists()
    assert caches["default"].get(ANONYMOUS_CACHE_PREFIX + pending)["authflows_sign_in"]
    assert client.get("/sign-in/client-trust/").status_code == 200  # found again in the cache

    assert complete_client_trust(client, mailoutbox)["Location"] == "/"
    signed_in = session_key(client)
    assert len(signed_in) == DATABASE_KEY_LENGTH
    row = UserSession.objects.get()
    assert (row.session_key, row.user_id) == (signed_in, user.pk)
    assert caches["default"].get(ANONYMOUS_CACHE_PREFIX + pending) is None
    assert client.get("/user/").status_code == 200


def test_a_pending_task_session_is_a_row_of_its_user(client, user, instance):
    """A task before sign-in completes (Dashboard: MFA required): the session belongs to the
    user, so "end every session" finds it; it moves out of the cache under a new key."""
    instance(mfa_required=True, client_trust=False)
    client.get("/sign-in/")
    response = sign_in(client, "ada@example.com", PASSWORD)
    assert response["Location"] == "/sign-in/tasks/setup-mfa/"
    row = UserSession.objects.get()
    assert row.user_id == user.pk and row.session_key == session_key(client)
    assert len(row.session_key) == DATABASE_KEY_LENGTH
    assert client.get("/sign-in/tasks/setup-mfa/").status_code == 200


def test_a_key_planted_before_sign_in_is_not_the_signed_in_key(client, user, mailoutbox):
    sign_in(client, "ada@example.com")
    planted = Client()
    planted.cookies["sessionid"] = session_key(client)
    complete_client_trust(client, mailoutbox)
    assert planted.get("/user/").status_code == 302
    assert client.get("/user/").status_code == 200


def test_with_the_cache_down_the_session_is_a_row_and_is_read_back(settings):
    with override_settings(CACHES={**settings.CACHES, "default": UNREACHABLE_DEFAULT}):
        cache_down_session_is_a_row()


def cache_down_session_is_a_row() -> None:
    store = SessionStore()
    store["authflows_sign_in"] = 41
    store.save()
    key = store.session_key
    assert key and len(key) == ANONYMOUS_KEY_LENGTH
    row = UserSession.objects.get(session_key=key)
    assert row.user_id is None

    again = SessionStore(session_key=key)
    assert again["authflows_sign_in"] == 41
    again["authflows_sign_in"] = 42
    again.save()  # still a row: an UPDATE, not a second INSERT
    assert SessionStore(session_key=key)["authflows_sign_in"] == 42
    assert UserSession.objects.count() == 1


def test_a_session_lost_from_the_cache_starts_the_sign_in_again(client, user, mailoutbox):
    """What a cache restart does to a sign-in in progress: back to the first step, no error."""
    sign_in(client, "ada@example.com")
    caches["default"].delete(ANONYMOUS_CACHE_PREFIX + session_key(client))
    assert client.get("/sign-in/client-trust/")["Location"] == "/sign-in/"
    assert sign_in(client, "ada@example.com")["Location"] == "/sign-in/client-trust/"
    assert complete_client_trust(client, mailoutbox)["Location"] == "/"


@pytest.mark.django_db(transaction=True)
def test_a_request_begun_before_the_sign_in_does_not_bring_the_old_key_back(
    client, user, mailoutbox
):
    """Two requests on one pending key: the one that finishes the sign-in retires the key;
    the other one's save is refused (Django answers it 400), as an UPDATE of a renamed row."""
    sign_in(client, "ada@example.com")
    pending = session_key(client)
    other_request = SessionStore(session_key=pending)
    assert other_request["authflows_sign_in"]  # read before the sign-in completes
    assert complete_client_trust(client, mailoutbox)["Location"] == "/"
    other_request["authflows_sign_in"] = 0
    with pytest.raises(UpdateError):
        other_request.save()
    assert caches["default"].get(ANONYMOUS_CACHE_PREFIX + pending) is None
    assert client.get("/user/").status_code == 200


def test_a_write_the_cache_refuses_moves_the_session_to_a_row_under_a_new_key(settings):
    store = SessionStore()
    store["authflows_sign_in"] = 41
    store.save()
    cached_key = store.session_key
    again = SessionStore(session_key=cached_key)
    assert again["authflows_sign_in"] == 41  # read from the cache
    with override_settings(CACHES={**settings.CACHES, "default": UNREACHABLE_DEFAULT}):
        again["authflows_sign_in"] = 42
        again.save()  # the cache is down now: the old copy may outlive this write
        moved = again.session_key
        assert moved and moved != cached_key and len(moved) == ANONYMOUS_KEY_LENGTH
        assert SessionStore(session_key=moved)["authflows_sign_in"] == 42  # from the row
    assert UserSession.objects.filter(session_key=moved, user=None).exists()
