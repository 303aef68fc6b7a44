"""Session engine: database rows that know their user (listable, endable), cache in front.

Compared with Django's cached_db engine it saves queries on the sign-in path:
- a new session key is not checked for existence first (32 random characters; a collision
  fails the INSERT and a new key is drawn);
- rotating the key at sign-in (cycle_key) renames the row in the same UPDATE that saves it;
- no transaction/savepoint is opened around the single statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import BaseCache, caches
from django.db import DatabaseError, IntegrityError
from django.utils.crypto import get_random_string

from authflows import clock
from authflows.models import UserSession

CLIENT_ID_SESSION_KEY = "_authflows_client_id"
META_SESSION_KEY = "_authflows_meta"


class SessionStore(CachedDBStore):
    cache_key_prefix = "authflows.session"
    _rotated_from: str | None = None
    # SessionBase and the cached_db engine have these, outside Django's type stubs.
    _session: dict[str, Any]
    _cache: BaseCache
    _get_session: Callable[..., dict[str, Any]]
    _get_or_create_session_key: Callable[[], str]

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def _row_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        # A pending session (a task before sign-in completes) belongs to its user too, so
        # "end every session" after a password reset ends it as well.
        user_id = data.get("_auth_user_id") or data.get("authflows_pending_user")
        meta = data.get(META_SESSION_KEY) or {}
        return {
            "session_data": self.encode(data),
            "expire_date": self.get_expiry_date(),
            "user_id": int(user_id) if user_id else None,
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
            if self._rotated_from and self._rename_on_save():
                return
            return self.create()
        data = self._get_session(no_load=must_create)
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
