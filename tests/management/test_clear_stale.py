from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from authflows import clock
from authflows.models import SignInAttempt, SignUpAttempt
from tests.conftest import sign_in

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
