"""The counters under rate limits and lockout (authflows.cache.count/uncount): the same
answers on every cache, one round trip each on Redis, and a counter's life starts at its
first count (later counts don't extend it; a late give-back doesn't revive it)."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from redis.client import Redis

from authflows import cache as counters
from authflows.cache import CacheUnavailable, RedisCache
from tests.deploy.test_observability import redis_down  # noqa: F401 (a fixture)


def test_a_counter_counts_and_gives_back():
    assert [counters.count("t:c", timeout=60) for _ in range(3)] == [1, 2, 3]
    counters.uncount("t:c")
    assert counters.count("t:c", timeout=60) == 3
    assert cache.get("t:c") == 3  # a plain integer, as cache.incr keeps it


def test_giving_back_a_count_that_expired_leaves_nothing():
    counters.uncount("t:gone")
    assert cache.get("t:gone") is None
    assert counters.count("t:gone", timeout=60) == 1


def test_several_counters_are_given_back_together():
    for _ in range(2):
        counters.count("t:lock", timeout=60)
        counters.count("t:window", timeout=60)
    counters.uncount("t:lock", "", "t:window", "t:never-counted")
    assert (cache.get("t:lock"), cache.get("t:window"), cache.get("t:never-counted")) == (
        1,
        1,
        None,
    )
    counters.uncount("", "")  # nothing to give back: nothing changes
    assert (cache.get("t:lock"), cache.get("t:window")) == (1, 1)


@pytest.fixture
def redis() -> Redis:
    default = caches["default"]
    if not isinstance(default, RedisCache):
        pytest.fail("the Redis pass (make test-postgres) runs this test")
    return default._cache.get_client(write=True)


@pytest.mark.postgres
def test_on_redis_each_count_is_one_round_trip_and_the_life_starts_at_the_first(
    redis, redis_commands
):
    key = cache.make_and_validate_key("t:life")
    assert counters.count("t:life", timeout=60) == 1
    assert redis_commands == ["EVAL"]
    redis.expire(key, 5)  # as if 55 seconds had passed
    assert counters.count("t:life", timeout=60) == 2
    assert 0 < redis.ttl(key) <= 5  # not extended
    counters.uncount("t:life")
    assert 0 < redis.ttl(key) <= 5


@pytest.mark.postgres
def test_on_redis_several_give_backs_are_one_round_trip(redis, redis_commands):
    counters.count("t:lock", timeout=60)
    counters.count("t:window", timeout=60)
    redis_commands.clear()
    counters.uncount("t:lock", "t:window", "t:expired")
    counters.uncount("", "")  # nothing to give back: nothing sent
    assert redis_commands == ["EVAL"]
    assert [cache.get(k) for k in ("t:lock", "t:window")] == [0, 0]
    assert redis.exists(cache.make_and_validate_key("t:expired")) == 0


@pytest.mark.postgres
def test_on_redis_a_late_give_back_does_not_leave_an_immortal_key(redis):
    key = cache.make_and_validate_key("t:late")
    counters.uncount("t:late")
    assert redis.exists(key) == 0


@pytest.mark.django_db
def test_with_redis_down_a_count_fails_closed(redis_down):  # noqa: F811
    with pytest.raises(CacheUnavailable):
        counters.count("t:down", timeout=60)
    with pytest.raises(CacheUnavailable):
        counters.uncount("t:down")


def test_replace_sets_only_a_key_that_exists():
    assert counters.replace("t:absent", "x", timeout=60) is False
    assert cache.get("t:absent") is None
    cache.set("t:present", "old", timeout=60)
    assert counters.replace("t:present", "new", timeout=60) is True
    assert cache.get("t:present") == "new"


@pytest.mark.postgres
def test_on_redis_replace_is_one_round_trip_and_sets_the_life(redis, redis_commands):
    cache.set("t:replace", "old", timeout=600)
    before = len(redis_commands)
    assert counters.replace("t:replace", "new", timeout=30) is True
    assert redis_commands[before:] == ["SET"]
    assert 0 < redis.ttl(cache.make_and_validate_key("t:replace")) <= 30
