"""Django's Redis cache, with an answer for each kind of data when Redis is down or hung.

Two aliases share one Redis server (settings.CACHES):

- "default" holds what only the cache knows: rate-limit and lockout counts. When Redis can't
  be reached, every call raises CacheUnavailable, which the site answers with 503 and
  Retry-After: the limits fail closed, never "no limit".
- "copies" (COPIES_ALIAS) holds copies of database rows (sessions) and the version keys of what
  each process holds itself (ProcessCopy: the Dashboard row, the SSO connections). A
  failed call is a miss (reads fall back to PostgreSQL, writes reach PostgreSQL anyway), so
  pages keep working. A write or delete that failed may have left an old copy behind (Redis
  hung, then resumed; or restarted from a snapshot): the key is deleted again at the first
  call that reaches Redis, and no copy lives longer than COPY_MAX_AGE, so an old copy (a
  session signed out, a Dashboard change) can't outlive the outage by more than that.

After a failure, a process leaves Redis alone for CIRCUIT_OPEN_SECONDS (both aliases: one
server): a hung Redis costs one socket timeout per process per interval, not one per call.

Counters (rate limits, lockout) are one round trip each on Redis (count() and uncount(), small
Lua scripts); Django's add-then-incr and decr take two or three.

Django's RedisCacheClient also builds a new redis.Redis object for every cache call; with
redis-py 8 that costs about as much as the network round trip itself. Clients are thread-safe
(each command takes a connection from the pool), so one per pool is kept.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, ClassVar, Generic, TypeVar

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.db import transaction
from django.utils.functional import cached_property
from redis import exceptions as redis_errors

from authflows import metrics

logger = logging.getLogger("authflows.cache")

COPIES_ALIAS = "copies"
#: Seconds a process leaves Redis alone after a failed call.
CIRCUIT_OPEN_SECONDS = 5.0
#: The longest a copy of a database row stays in the cache (seconds).
COPY_MAX_AGE = 300
#: Redis can't be reached or doesn't answer in time (a replica that was demoted mid-failover
#: refuses writes: the same to us).
OUTAGES: tuple[type[Exception], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
)
_WRITES = frozenset({"add", "set", "touch", "delete", "set_many", "delete_many"})


def copies() -> BaseCache:
    """The cache for copies of database rows: the "copies" alias, or "default" in a project
    that defines no such alias (authflows installed as an app with its own CACHES)."""
    return caches[copies_alias()]


def copies_alias() -> str:
    return COPIES_ALIAS if COPIES_ALIAS in settings.CACHES else "default"


T = TypeVar("T")


class ProcessCopy(Generic[T]):
    """What every request reads and an admin rarely changes (the Dashboard row, the enabled SSO
    connections), held by each process and checked on every use against a version key in the
    copies cache: one short GET, where a shared copy costs the row's transfer and unpickling.

    A change calls forget(), which deletes the key, again after the transaction commits
    (another process may have read the old rows meanwhile): every process reads the database
    at its next use. A copy is kept at most COPY_MAX_AGE seconds; without Redis, every use
    reads the database."""

    _every: ClassVar[list[ProcessCopy[Any]]] = []

    def __init__(self, key: str, read: Callable[[], T]) -> None:
        self.key, self.read = key, read
        self._held: tuple[str, T, float] | None = None
        ProcessCopy._every.append(self)

    @classmethod
    @contextlib.contextmanager
    def versions_read_at_once(cls, also: Sequence[str] = ()) -> Iterator[None]:
        """Around a request: at the first get(), every copy's version key in one round trip
        (MGET), used by each get() of the request; a forget() in the request drops its key.
        The keys `also` names (the request's session) come in the same round trip, once
        (read_along)."""
        token = _request_versions.set(RequestVersions(also))
        try:
            yield
        finally:
            _request_versions.reset(token)

    def get(self) -> T:
        shared = copies()
        versions = _request_versions.get()
        version = versions.of(self.key) if versions else shared.get(self.key)
        held = self._held
        if held and version is not None and held[0] == version and time.monotonic() < held[2]:
            return held[1]
        value = self.read()
        self._held = None
        if version is None:
            version = secrets.token_hex(8)
            if not shared.add(self.key, version, timeout=None):
                return value  # another process read at the same time: keep neither
            if versions:
                versions.values[self.key] = version
        self._held = (version, value, time.monotonic() + COPY_MAX_AGE)
        return value

    def forget(self) -> None:
        self._held = None
        if versions := _request_versions.get():
            versions.values.pop(self.key, None)
        copies().delete(self.key)
        transaction.on_commit(lambda: copies().delete(self.key))


class RequestVersions:
    """The version keys of every ProcessCopy, read together the first time a request needs
    one of them, and the other keys of the copies cache the request named at its start."""

    def __init__(self, also: Sequence[str] = ()) -> None:
        self.values: dict[str, Any] = {}
        self.along: dict[str, Any] = dict.fromkeys(also)
        self.read = False

    def _read(self) -> None:
        keys = [held.key for held in ProcessCopy._every]
        found = copies().get_many([*keys, *self.along])
        self.values = {name: found.get(name) for name in keys}
        self.along = {name: found.get(name) for name in self.along}
        self.read = True

    def of(self, key: str) -> Any:
        if not self.read:
            self._read()
        if key not in self.values:  # dropped by a forget() in this request
            self.values[key] = copies().get(key)
        return self.values[key]


def read_along(key: str) -> tuple[bool, Any]:
    """A key of the copies cache that the request named at its start: (True, its value or
    None), read with the version keys in one round trip; (False, None) when it was not named,
    or was already used (a later read must see the request's own writes)."""
    versions = _request_versions.get()
    if versions is None or key not in versions.along:
        return False, None
    if not versions.read:
        versions._read()
    return True, versions.along.pop(key)


def shares_copies_keys(alias: str) -> bool:
    """Whether a key of this cache alias is the same key in the copies cache (same servers,
    same prefix and version), so that the copies cache can read it."""
    mine, theirs = settings.CACHES.get(alias, {}), settings.CACHES.get(copies_alias(), {})
    same = ("LOCATION", "KEY_PREFIX", "VERSION", "KEY_FUNCTION")
    return bool(mine) and all(mine.get(name) == theirs.get(name) for name in same)


#: The version keys the current request read (ProcessCopy).
_request_versions: ContextVar[RequestVersions | None] = ContextVar(
    "authflows_request_versions", default=None
)


class CacheUnavailable(Exception):
    """The shared cache did not answer: what it counts can't be checked now."""


class Circuit:
    """Per process and Redis server: open for a few seconds after a failure."""

    def __init__(self) -> None:
        self.open_until = 0.0
        #: Keys of copies whose write or delete failed: deleted once Redis answers again.
        self.stale_keys: set[str] = set()
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, error: Exception) -> None:
        metrics.CACHE_FAILURES.inc()
        if not self.is_open():
            logger.warning(
                "cache unavailable (%s): sessions and settings read from the database, "
                "sign-in checks answer 503; next try in %.0f s",
                type(error).__name__,
                CIRCUIT_OPEN_SECONDS,
            )
        self.open_until = time.monotonic() + CIRCUIT_OPEN_SECONDS


_circuits: dict[str, Circuit] = {}
_circuits_lock = threading.Lock()


def circuit_for(servers: Iterable[str]) -> Circuit:
    name = ",".join(servers)
    with _circuits_lock:
        return _circuits.setdefault(name, Circuit())


def _written_keys(name: str, args: tuple[Any, ...]) -> list[str]:
    if name == "set_many":
        return list(args[0])
    if name == "delete_many":
        return list(args[0])
    return [args[0]]


_MISSES: dict[str, Callable[[tuple[Any, ...]], Any]] = {
    "get": lambda args: args[1],
    "get_many": lambda args: {},
    "has_key": lambda args: False,
    "add": lambda args: False,
    "touch": lambda args: False,
    "delete": lambda args: False,
    "clear": lambda args: False,
}


#: Add one; a counter that did not exist starts at 1 and lives ARGV[1] seconds from then.
_COUNT = """
local n = redis.call('incr', KEYS[1])
if redis.call('ttl', KEYS[1]) == -1 then redis.call('expire', KEYS[1], ARGV[1]) end
return n
"""
#: Take one back from each counter, unless it has expired meanwhile.
_UNCOUNT = """
for _, key in ipairs(KEYS) do
  if redis.call('exists', key) == 1 then redis.call('decr', key) end
end
return false
"""


class RedisCacheClient(DjangoRedisCacheClient):
    # Django's client has these, outside its type stubs: the pool index and the pool for a
    # read or a write, and the redis-py client class.
    _get_connection_pool_index: Callable[[bool], int]
    _get_connection_pool: Callable[[bool], Any]
    _client: Callable[..., Any]
    _servers: list[str]
    _serializer: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self.circuit = circuit_for(self._servers)

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client

    def call(self, name: str, *args: Any) -> Any:
        """One cache operation; CacheUnavailable when Redis does not answer."""
        if self.circuit.is_open():
            raise CacheUnavailable(f"cache {name}: waiting before the next try")
        try:
            owner = RedisCacheClient if name.startswith("_") else DjangoRedisCacheClient
            return getattr(owner, name)(self, *args)
        except OUTAGES as error:
            self.circuit.trip(error)
            raise CacheUnavailable(f"cache {name}: {type(error).__name__}") from error

    def add(self, *args: Any) -> Any:
        return self.call("add", *args)

    def get(self, *args: Any) -> Any:
        return self.call("get", *args)

    def set(self, *args: Any) -> Any:
        return self.call("set", *args)

    def touch(self, *args: Any) -> Any:
        return self.call("touch", *args)

    def delete(self, *args: Any) -> Any:
        return self.call("delete", *args)

    def get_many(self, *args: Any) -> Any:
        return self.call("get_many", *args)

    def has_key(self, *args: Any) -> Any:
        return self.call("has_key", *args)

    def incr(self, *args: Any) -> Any:
        return self.call("incr", *args)

    def set_many(self, *args: Any) -> Any:
        return self.call("set_many", *args)

    def delete_many(self, *args: Any) -> Any:
        return self.call("delete_many", *args)

    def clear(self) -> Any:
        return self.call("clear")

    def count(self, key: str, timeout: int) -> int:
        return int(self.call("_script", _COUNT, key, timeout))

    def replace(self, key: str, value: Any, timeout: float | None) -> bool:
        return bool(self.call("_replace", key, value, timeout))

    def _replace(self, key: str, value: Any, timeout: float | None) -> Any:
        client = self.get_client(key, write=True)
        return client.set(key, self._serializer.dumps(value), ex=timeout, xx=True)

    def uncount(self, keys: list[str]) -> None:
        self.call("_script_over", _UNCOUNT, keys)

    def _script(self, source: str, key: str, *args: Any) -> Any:
        return self.get_client(key, write=True).eval(source, 1, key, *args)

    def _script_over(self, source: str, keys: list[str]) -> Any:
        """One script over several keys. Django's Redis cache writes to its first server, so
        the keys are together; Redis Cluster (which it does not support) would refuse keys in
        different slots."""
        return self.get_client(keys[0], write=True).eval(source, len(keys), *keys)


class CopiesClient(RedisCacheClient):
    """A failed call is a miss; a failed write leaves its key to be deleted later."""

    def call(self, name: str, *args: Any) -> Any:
        try:
            self._forget_stale_keys()
            return super().call(name, *args)
        except CacheUnavailable:
            if name in _WRITES:
                with self.circuit.lock:
                    self.circuit.stale_keys.update(_written_keys(name, args))
            miss = _MISSES.get(name)
            return miss(args) if miss else None

    def _forget_stale_keys(self) -> None:
        if not self.circuit.stale_keys:
            return
        with self.circuit.lock:
            keys, self.circuit.stale_keys = self.circuit.stale_keys, set()
        try:
            super().call("delete_many", list(keys))
        except CacheUnavailable:
            with self.circuit.lock:
                self.circuit.stale_keys.update(keys)
            raise


class RedisCache(DjangoRedisCache):
    """The "default" alias: rate-limit and lockout counts; raises CacheUnavailable."""

    client_class: type[RedisCacheClient] = RedisCacheClient
    _servers: list[str]
    _options: dict[str, Any]

    @cached_property
    def _cache(self) -> RedisCacheClient:
        return self.client_class(self._servers, **self._options)


def count(key: str, *, timeout: int, alias: str = "default") -> int:
    """Add one to a counter that starts at 1 and lives `timeout` seconds from its first count;
    returns the new value. One round trip on Redis; CacheUnavailable when Redis is down."""
    cache = caches[alias]
    if isinstance(cache, RedisCache):
        return cache._cache.count(cache.make_and_validate_key(key), timeout)
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def replace(key: str, value: Any, *, timeout: int, alias: str = "default") -> bool:
    """Set a key only while it exists; False when it does not (expired, or deleted by another
    request). One round trip on Redis (SET ... XX); CacheUnavailable when Redis is down."""
    cache = caches[alias]
    if isinstance(cache, RedisCache):
        backend_timeout = cache.get_backend_timeout(timeout)
        return cache._cache.replace(cache.make_and_validate_key(key), value, backend_timeout)
    if not cache.has_key(key):
        return False
    cache.set(key, value, timeout=timeout)
    return True


def uncount(*keys: str, alias: str = "default") -> None:
    """Take back one count() of each key (nothing for a counter that has expired meanwhile,
    or an empty key). One round trip on Redis, however many keys."""
    keys = tuple(key for key in keys if key)
    if not keys:
        return
    cache = caches[alias]
    if isinstance(cache, RedisCache):
        cache._cache.uncount([cache.make_and_validate_key(key) for key in keys])
        return
    for key in keys:
        with contextlib.suppress(ValueError):
            cache.decr(key)


class CopiesCache(RedisCache):
    """The "copies" alias: sessions and the Dashboard row, whose truth is in PostgreSQL."""

    client_class = CopiesClient

    def get_backend_timeout(self, timeout: float | None = DEFAULT_TIMEOUT) -> float | None:
        seconds = super().get_backend_timeout(timeout)
        return COPY_MAX_AGE if seconds is None else min(seconds, COPY_MAX_AGE)
