"""A queryset compiled once gives what the queryset itself gives, for any values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from authflows import clock
from authflows.compiled import Compiled
from authflows.models import Client as ClientRow
from authflows.models import TrustedClient, User

pytestmark = pytest.mark.django_db


def trusted_devices(user_id: int, client_id: int):  # type: ignore[no-untyped-def]
    trust = TrustedClient.objects.filter(user=OuterRef("user"), client_id=client_id)
    return (
        TrustedClient.objects.select_related("user")
        .annotate(here=Exists(trust), lock=Subquery(trust.values("locked_until")[:1]))
        .filter(user_id=user_id)
        .order_by("pk")
    )


QUERY = Compiled(trusted_devices, user_id=-9_000_001, client_id=-9_000_002)


def test_each_call_reads_its_own_values_like_the_queryset(make_user):
    ada, bob = make_user(), make_user(email="bob@example.com")
    until = clock.now() + timedelta(minutes=5)
    clients = [ClientRow.objects.create() for _ in range(2)]
    TrustedClient.objects.create(user=ada, client=clients[0], locked_until=until)
    TrustedClient.objects.create(user=bob, client=clients[1])
    for user, client in [(ada, clients[0]), (bob, clients[1]), (bob, clients[0])]:
        expected = trusted_devices(user.pk, client.pk).first()
        with CaptureQueriesContext(connection) as queries:
            found = QUERY.first(user_id=user.pk, client_id=client.pk)
        assert len(queries) == 1
        assert found is not None and expected is not None
        assert (found.pk, found.client_id, found.locked_until) == (
            expected.pk,
            expected.client_id,
            expected.locked_until,
        )
        assert (found.here, found.lock) == (expected.here, expected.lock)  # type: ignore[attr-defined]
        with CaptureQueriesContext(connection) as queries:
            assert isinstance(found.user, User) and found.user.email == user.email
        assert len(queries) == 0  # select_related came in the same row
    assert QUERY.first(user_id=ada.pk, client_id=clients[0].pk).lock == until  # type: ignore[union-attr]


def test_no_row_is_none(make_user):
    assert QUERY.first(user_id=make_user().pk + 1000, client_id=1) is None


def test_a_marker_the_statement_does_not_carry_is_refused():
    lost = Compiled(lambda **_: User.objects.filter(is_active=True), user_id=-9_000_003)
    with pytest.raises(ValueError, match="user_id"):
        lost.first(user_id=1)
