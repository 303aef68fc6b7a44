"""Session engine: database rows that know their user (listable, endable), cache in front.

Compared with Django's cached_db engine it saves queries on the sign-in path:
- a new session key is not checked for existence first (32 random characters; a collision
  fails the INSERT and a new key is drawn);
- rotating the key at sign-in (cycle_key) renames the row in the same UPDATE that saves it;
- no transaction/savepoint is opened around the single statement.

A session that belongs to no one yet (a sign-in or sign-up in progress) lives in the shared
cache only, with no row: a stranger's visit writes nothing to the database, and a sign-in that
needs a second step costs no session INSERT. Its key is longer (ANONYMOUS_KEY_LENGTH), so a
request knows where to look. When the cache can't be reached as it is saved, it gets a row
like any other. Once it gains a user (sign-in, or a task before sign-in completes) it moves to
the database under a new key. A cache restart ends the sign-ins and sign-ups in progress (the
visitor starts again); signed-in sessions are rows and are not affected. Such a session is
written to the cache at once, not with the request's transaction: what it names (an attempt)
is read together with its client and status, so a session naming rows that never committed
finds nothing, and the visitor starts again. Every process must share the cache (CACHE_URL;
`check --deploy` warns about a local-memory one).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.crypto import get_random_string

from authflows import cache as counters
from authflows import clock
from authflows.cache import CacheUnavailable
from authflows.models import UserSession

CLIENT_ID_SESSION_KEY = "_authflows_client_id"
META_SESSION_KEY = "_authflows_meta"
#: Sessions held in the database have 32-character keys; those held in the cache, 40.
DATABASE_KEY_LENGTH = 32
ANONYMOUS_KEY_LENGTH = 40
ANONYMOUS_CACHE_PREFIX = "authflows.anonymous-session:"
#: The cache alias that holds them: the one that says when Redis is down (authflows.cache).
ANONYMOUS_CACHE_ALIAS = "default"


def _anonymous_key(session_key: str | None) -> bool:
    return session_key is not None and len(session_key) == ANONYMOUS_KEY_LENGTH


class SessionStore(CachedDBStore):
    cache_key_prefix = "authflows.session"
    _rotated_from: str | None = None
    #: The session was read from (or written to) the cache alone, with no row.
    _held_in_cache = False
    # SessionBase and the cached_db engine have these, outside Django's type stubs.
    _session: dict[str, Any]
    _cache: BaseCache
    _get_session: Callable[..., dict[str, Any]]
    _get_or_create_session_key: Callable[[], str]

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def _get_new_session_key(self) -> str:
        data = getattr(self, "_session_cache", None) or {}
        length = DATABASE_KEY_LENGTH if self._user_id(data) else ANONYMOUS_KEY_LENGTH
        return get_random_string(length, VALID_KEY_CHARS)

    @staticmethod
    def _user_id(data: dict[str, Any]) -> int | None:
        # A pending session (a task before sign-in completes) belongs to its user too, so
        # "end every session" after a password reset ends it as well.
        user_id = data.get("_auth_user_id") or data.get("authflows_pending_user")
        return int(user_id) if user_id else None

    def copies_key(self) -> str | None:
        """The cache key this session is read from, when the copies cache can read it along
        with the request's version keys (authflows.cache.read_along)."""
        key = self._session_key
        if not key:
            return None
        if _anonymous_key(key):
            alias, cache_key = ANONYMOUS_CACHE_ALIAS, ANONYMOUS_CACHE_PREFIX + key
        else:
            alias, cache_key = settings.SESSION_CACHE_ALIAS, self.cache_key
        return cache_key if counters.shares_copies_keys(alias) else None

    def load(self) -> dict[str, Any]:
        key = self._session_key
        if _anonymous_key(key):
            cache_key = ANONYMOUS_CACHE_PREFIX + str(key)
            found, data = counters.read_along(cache_key)
            if not found:
                try:
                    data = caches[ANONYMOUS_CACHE_ALIAS].get(cache_key)
                except Exception:  # any cache's failure is a miss, as in Django's cached_db
                    data = None
            if data is not None:
                self._held_in_cache = True
                return data
        # A database row (an anonymous one too, saved while the cache was down).
        self._held_in_cache = False
        if key and not _anonymous_key(key):
            data = counters.read_along(self.cache_key)[1]
            if data is not None:
                return data
        return super().load()

    def _row_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        meta = data.get(META_SESSION_KEY) or {}
        return {
            "session_data": self.encode(data),
            "expire_date": self.get_expiry_date(),
            "user_id": self._user_id(data),
            "client_id": data.get(CLIENT_ID_SESSION_KEY),
            "ip": meta.get("ip"),
            "user_agent": (meta.get("ua") or "")[:512],
        }

    def cycle_key(self) -> None:
        """New key, same data; the old row is renamed when the session is saved."""
        data = self._session
        old_key = self.session_key
        self._session_cache = data
        self._session_key = None
        self._rotated_from = old_key
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            if self._rotated_from and self._held_in_cache:
                self._forget_anonymous(self._rotated_from)
                self._rotated_from = None
            if self._rotated_from and self._rename_on_save():
                return
            return self.create()
        data = self._get_session(no_load=must_create)
        if _anonymous_key(self.session_key) and (must_create or self._held_in_cache):
            if self._user_id(data) is not None:  # it gained a user: a row, under a new key
                self._forget_anonymous(self.session_key)
                self._session_key = None
                return self.create()
            if self._save_anonymous(data, must_create=must_create):
                return
            if not must_create:  # the cached copy may outlive this write: a new key, a row
                self._forget_anonymous(self.session_key)
                self._session_key = None
                return self.create()
            must_create = True  # the cache is down: a row holds it
        fields = self._row_fields(data)
        if must_create:
            try:
                UserSession(
                    session_key=self._get_or_create_session_key(), created_at=clock.now(), **fields
                ).save(force_insert=True)
            except IntegrityError as exc:
                raise CreateError from exc
        else:
            try:
                updated = UserSession.objects.filter(session_key=self.session_key).update(**fields)
            except DatabaseError as exc:
                raise UpdateError from exc
            if not updated:
                raise UpdateError
        self._cache.set(self.cache_key, data, self.get_expiry_age())

    def _save_anonymous(self, data: dict[str, Any], *, must_create: bool) -> bool:
        """Keep a session that belongs to no one in the cache; False when the cache is down."""
        cache = caches[ANONYMOUS_CACHE_ALIAS]
        key, age = ANONYMOUS_CACHE_PREFIX + str(self.session_key), self.get_expiry_age()
        # A cache that keeps nothing, or an add() refused (40 random characters never
        # collide; a cache that failed to store): the database holds the session.
        if isinstance(cache, DummyCache):
            return False
        try:
            if must_create:
                stored = cache.add(key, data, age)
            # Only while it exists: a request that began before a sign-in on the same key
            # must not bring back the key the sign-in retired (as an UPDATE of a renamed row
            # finds nothing).
            elif not counters.replace(key, data, timeout=age, alias=ANONYMOUS_CACHE_ALIAS):
                raise UpdateError
            else:
                stored = True
        except UpdateError:
            raise
        except Exception:  # any cache's failure: the database holds it
            stored = False
        self._held_in_cache = stored
        return stored

    def _forget_anonymous(self, session_key: str) -> None:
        """Delete the cached session once the request's transaction commits: a request that
        fails or dies before then leaves the browser its session, as it leaves the rows."""

        def forget() -> None:
            with contextlib.suppress(CacheUnavailable):  # then it expires with its lifetime
                caches[ANONYMOUS_CACHE_ALIAS].delete(ANONYMOUS_CACHE_PREFIX + session_key)

        transaction.on_commit(forget)
        self._held_in_cache = False

    def delete(self, session_key: str | None = None) -> None:
        key = self.session_key if session_key is None else session_key
        if _anonymous_key(key):
            held = self._held_in_cache and key == self.session_key
            self._forget_anonymous(str(key))
            if held:
                return
        super().delete(session_key)

    def _rename_on_save(self) -> bool:
        old_key, self._rotated_from = self._rotated_from, None
        new_key = self._get_new_session_key()
        data = self._get_session(no_load=True)
        fields = self._row_fields(data)
        renamed = UserSession.objects.filter(session_key=old_key).update(
            session_key=new_key, **fields
        )
        self._cache.delete(f"{self.cache_key_prefix}{old_key}")
        if not renamed:
            return False
        self._session_key = new_key
        self._cache.set(self.cache_key, data, self.get_expiry_age())
        return True

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        return UserSession(session_key=self._get_or_create_session_key(), **self._row_fields(data))


def end_sessions(session_keys: list[str]) -> None:
    """Delete sessions and their cached copies (sign out other devices, password change)."""
    cache = caches[settings.SESSION_CACHE_ALIAS]
    cache.delete_many([SessionStore.cache_key_prefix + key for key in session_keys])
    UserSession.objects.filter(session_key__in=session_keys).delete()
