from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from authflows import clock
from authflows.models import AuthEvent, SignInAttempt, SignUpAttempt, TrustedClient, UserSession
from authflows.models import Client as ClientRow
from tests.conftest import PASSWORD, sign_in
from tests.core.helpers import complete_sign_in

pytestmark = pytest.mark.django_db


def test_clear_stale_abandons_old_sign_ups_and_deletes_old_attempts(client, user, mailoutbox):
    sign_in(client, "ada@example.com")  # a new client: the attempt waits for its code
    client.post("/sign-up/", {"emailAddress": "late@example.com"})
    assert SignInAttempt.objects.count() == 1
    assert SignUpAttempt.objects.get().status == "missing_requirements"

    out = StringIO()
    call_command("clear_stale", stdout=out)
    assert "abandoned 0 sign-ups; deleted 0 sign-in attempts" in out.getvalue()

    clock.advance(25 * 3600)
    call_command("clear_stale", stdout=out)
    assert SignInAttempt.objects.count() == 0
    assert SignUpAttempt.objects.get().status == "abandoned"


def test_an_abandoned_sign_up_loses_its_password_hash_then_goes(client, instance, mailoutbox):
    instance(abandoned_sign_up_retention_days=7)
    client.post("/sign-up/", {"emailAddress": "late@example.com", "password": PASSWORD})
    assert SignUpAttempt.objects.get().password_hash
    clock.advance(25 * 3600)
    call_command("clear_stale", stdout=StringIO())
    left = SignUpAttempt.objects.get()
    assert (left.status, left.password_hash) == ("abandoned", "")
    clock.advance(7 * 24 * 3600 + 60)
    call_command("clear_stale", stdout=StringIO())
    assert not SignUpAttempt.objects.exists()


def test_audit_events_older_than_the_dashboards_retention_are_deleted(user, instance):
    instance(audit_retention_days=30)
    AuthEvent.objects.create(kind=AuthEvent.Kind.SIGN_OUT, user=user)
    clock.advance(29 * 24 * 3600)
    AuthEvent.objects.create(kind=AuthEvent.Kind.SIGN_OUT, user=user)
    clock.advance(2 * 24 * 3600)
    out = StringIO()
    call_command("clear_stale", stdout=out)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SIGN_OUT).count() == 1
    assert "audit events: 1" in out.getvalue()


def test_expired_sessions_and_forgotten_browsers_are_deleted(client, user, mailoutbox):
    complete_sign_in(client, user.email, mailoutbox, PASSWORD)
    assert UserSession.objects.filter(user=user).exists()
    assert TrustedClient.objects.filter(user=user).exists()
    clock.advance(8 * 24 * 3600)  # past the session cookie's age
    call_command("clear_stale", stdout=StringIO())
    assert not UserSession.objects.exists()
    assert ClientRow.objects.exists()  # the browser stays trusted while its cookie lives
    clock.advance(400 * 24 * 3600)
    call_command("clear_stale", stdout=StringIO())
    assert not ClientRow.objects.exists()
    assert not TrustedClient.objects.exists()
