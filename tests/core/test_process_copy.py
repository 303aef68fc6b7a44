"""A value each process holds, checked against a version key in the shared cache: two
ProcessCopy objects on one key stand for two worker processes."""

from __future__ import annotations

import pytest

from authflows.cache import ProcessCopy, copies, read_along, shares_copies_keys
from tests.conftest import PASSWORD
from tests.deploy.test_observability import redis_down  # noqa: F401 (a fixture)


class Source:
    """The database: a value and how many times it was read."""

    def __init__(self) -> None:
        self.value, self.reads = "first", 0

    def read(self) -> str:
        self.reads += 1
        return self.value


@pytest.mark.django_db
def test_a_change_reaches_every_process_at_its_next_use(django_capture_on_commit_callbacks):
    source = Source()
    one, two = ProcessCopy("t:copy", source.read), ProcessCopy("t:copy", source.read)
    assert (one.get(), two.get(), one.get(), two.get()) == ("first",) * 4
    assert source.reads == 2  # once per process
    source.value = "second"
    with django_capture_on_commit_callbacks(execute=True):
        one.forget()
    assert (one.get(), two.get()) == ("second", "second")
    assert source.reads == 4


def test_a_copy_whose_key_expired_is_read_again():
    source = Source()
    held = ProcessCopy("t:expired", source.read)
    held.get()
    copies().delete("t:expired")  # the key's life (COPY_MAX_AGE) ended
    source.value = "changed"
    assert held.get() == "changed"


@pytest.mark.django_db
def test_without_the_cache_every_use_reads_the_source(redis_down):  # noqa: F811
    source = Source()
    held = ProcessCopy("t:down", source.read)
    assert [held.get() for _ in range(3)] == ["first"] * 3
    assert source.reads == 3


@pytest.mark.django_db
def test_in_a_request_versions_are_read_once_and_a_forget_is_seen_at_once():
    source = Source()
    here, other = ProcessCopy("t:request", source.read), ProcessCopy("t:request", source.read)
    assert here.get() == other.get() == "first"
    with ProcessCopy.versions_read_at_once():
        assert here.get() == "first"  # the request reads the versions at its first use
        source.value = "second"
        copies().delete("t:request")  # another process's change, after this request read
        assert here.get() == "first"  # this request goes on with the versions it read
        here.forget()
        assert here.get() == "second"  # its own change: seen in the same request
    assert other.get() == "second"


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_redis_a_page_reads_every_version_key_in_one_round_trip(client, redis_commands):
    client.get("/sign-in/")  # the Dashboard row and the SSO summary held by this process
    before = len(redis_commands)
    assert client.get("/sign-in/").status_code == 200
    assert redis_commands[before:] == ["MGET"]  # no session yet, no count on a form page


def test_a_key_named_at_the_start_is_read_with_the_versions_once():
    copies().set("t:along", "stored")
    with ProcessCopy.versions_read_at_once(also=["t:along", "t:absent"]):
        assert read_along("t:absent") == (True, None)  # named, read, and not there
        copies().set("t:along", "written by this request")
        assert read_along("t:along") == (True, "stored")  # as read with the versions
        assert read_along("t:along") == (False, None)  # once: a later read asks the cache
        assert read_along("t:never-named") == (False, None)
    assert read_along("t:along") == (False, None)  # outside a request


def test_a_session_in_another_cache_is_not_read_along(settings):
    assert shares_copies_keys("default")  # the site's aliases: one Redis, one key scheme
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {**settings.CACHES["default"], "LOCATION": "elsewhere", "KEY_PREFIX": "s"},
    }
    assert not shares_copies_keys("sessions")
    assert not shares_copies_keys("not-an-alias")


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_redis_a_signed_in_page_reads_its_session_with_the_versions(
    client, user, instance, redis_commands
):
    instance(client_trust=False)
    signed_in = client.post("/sign-in/", {"identifier": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    client.get("/")  # the Dashboard row and the SSO summary held by this process
    before = len(redis_commands)
    response = client.get("/")
    assert b"Signed in as" in response.content
    assert redis_commands[before:] == ["MGET"]  # the session's copy in the versions' MGET
