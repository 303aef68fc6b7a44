"""`manage.py maintenance`: stalled deliveries run again, finished message tasks are pruned."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from authflows import delivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_tasks")]
CONTEXT = {"code": "246810", "purpose": "first_factor", "minutes": 10}


def maintenance() -> str:
    out = StringIO()
    call_command("maintenance", stdout=out)
    return out.getvalue()


def test_a_delivery_left_running_by_a_dead_worker_is_sent_after_all(mailoutbox, run_worker):
    delivery.send_email(to="ada@example.com", event="verification_code", context=CONTEXT)
    row = DBTaskResult.objects.get()
    row.claim("a-worker-that-died")  # claimed, then the process was killed mid-send
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=5))
    assert "requeued 0 stalled deliveries" in maintenance()  # it may still be sending
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=11))
    assert "requeued 1 stalled deliveries" in maintenance()
    run_worker()
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]


def test_finished_message_tasks_are_pruned_after_a_day(run_worker):
    delivery.send_email(to="ada@example.com", event="verification_code", context=CONTEXT)
    run_worker()
    maintenance()
    assert DBTaskResult.objects.count() == 1  # finished just now: kept
    DBTaskResult.objects.update(finished_at=timezone.now() - timedelta(days=2))
    maintenance()
    assert DBTaskResult.objects.count() == 0


def test_maintenance_with_the_immediate_backend_only_clears_stale_state(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    output = maintenance()
    assert "abandoned 0 sign-ups" in output and "requeued" not in output
