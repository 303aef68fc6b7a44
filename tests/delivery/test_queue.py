"""Messages through the database queue: one sealed task row in the caller's transaction, sent
by django-tasks-db's worker, retried with backoff against a real SMTP server process."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from authflows import clock, delivery, observability
from authflows.delivery import sealing, tasks
from authflows.delivery.sms import outbox as sms_outbox
from tests.delivery.servers import HungServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_tasks")]

CODE = "918273"
ADDRESS = "ada@example.com"
CONTEXT = {"code": CODE, "purpose": "client_trust", "minutes": 10}


def queue_code(to: str = ADDRESS) -> None:
    delivery.send_email(to=to, event="verification_code", context=CONTEXT)


def ready_rows() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(status="READY"))


def test_a_message_is_one_task_row_and_nothing_is_sent_before_the_worker(mailoutbox):
    queue_code()
    [row] = ready_rows()
    assert row.task_path == "authflows.delivery.tasks.deliver_message"
    assert mailoutbox == []


def test_the_task_row_commits_and_rolls_back_with_the_callers_transaction(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_code()
        assert len(ready_rows()) == 1
        raise RuntimeError("the state change failed")
    assert ready_rows() == []
    with transaction.atomic():
        queue_code()
    assert len(ready_rows()) == 1


def test_the_stored_payload_holds_no_code_address_or_link():
    queue_code()
    delivery.send_email(
        to=ADDRESS,
        event="verification_link",
        context={"url": "https://example.com/sign-in/verify/?token=tok-123456789", "minutes": 10},
    )
    delivery.send_sms(to="+441632960961", body=f"{CODE} is your code")
    rows = [row.args_kwargs for row in DBTaskResult.objects.all()]
    stored = json.dumps(rows)
    # The ciphertexts are random base64 and may spell "ada" or six digits by chance: each is
    # shown to open to its message, then taken out of what is searched.
    for [token] in (row["args"] for row in rows):
        assert sealing.unseal(token)["to"] in {ADDRESS, "+441632960961"}
        stored = stored.replace(token, "<sealed>")
    assert stored.count("<sealed>") == 3
    for secret in (CODE, ADDRESS, "ada", "tok-123456789", "+441632960961", "verification"):
        assert secret not in stored


def test_the_payload_is_aes_gcm_under_a_key_derived_from_secret_key(settings):
    queue_code()
    [token] = ready_rows()[0].args_kwargs["args"]
    assert sealing.unseal(token)["text"].count(CODE) == 1
    altered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(sealing.UnreadablePayload):
        sealing.unseal(altered)
    settings.SECRET_KEY = "another-key-" + "x" * 50
    with pytest.raises(sealing.UnreadablePayload):
        sealing.unseal(token)
    settings.SECRET_KEY_FALLBACKS = [
        "dev-only-insecure-secret-key-change-me-in-production-0123456789"
    ]
    assert sealing.unseal(token)["to"] == ADDRESS


def test_the_worker_sends_the_message(mailoutbox, run_worker):
    queue_code()
    assert run_worker() == 1
    [message] = mailoutbox
    assert message.to == [ADDRESS]
    assert CODE in message.body and CODE in message.subject
    assert message.alternatives[0][1] == "text/html"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_sms_is_sent_by_the_worker(run_worker):
    delivery.send_sms(to="+441632960961", event="verification_code", context=CONTEXT)
    assert sms_outbox == []
    run_worker()
    [sms] = sms_outbox
    assert sms.to == "+441632960961" and CODE in sms.body


def test_a_decoy_costs_the_same_row_and_sends_nothing(mailoutbox, run_worker):
    queue_code()
    delivery.send_decoy(to="nobody@example.com", event="verification_code", context=CONTEXT)
    real, decoy = (
        row.args_kwargs["args"][0] for row in DBTaskResult.objects.order_by("enqueued_at")
    )
    assert len(real) == len(decoy)
    assert DBTaskResult.objects.count() == 2
    assert run_worker() == 2
    assert [m.to for m in mailoutbox] == [[ADDRESS]]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_an_sms_decoy_sends_nothing(run_worker):
    delivery.send_decoy(
        to="+441632960961", event="verification_code", context=CONTEXT, channel="sms"
    )
    run_worker()
    assert sms_outbox == []


def test_backoff_starts_within_seconds_and_is_capped_at_a_minute():
    delays = [tasks.retry_delay(attempt) for attempt in range(1, 12)]
    assert delays[:4] == [1, 2, 4, 8]
    assert max(delays) == 60 == delays[-1]
    assert delays == sorted(delays)


def test_smtp_down_then_up_the_worker_retries_and_delivers(smtp_server, run_worker, caplog):
    with observability.request_id_context("req-42"), caplog.at_level(logging.WARNING):
        queue_code()
        run_worker()  # connection refused: the first try fails
    [retry] = ready_rows()
    wait = (retry.run_after - timezone.now()).total_seconds()
    assert 0 < wait <= 1.5
    [failure] = [r for r in caplog.records if r.name == "authflows.delivery"]
    assert "email verification_code not delivered (try 1: ConnectionRefusedError" in (
        failure.getMessage()
    )
    assert failure.request_id == "req-42"  # the request that queued it
    assert CODE not in caplog.text and ADDRESS not in caplog.text
    assert smtp_server.messages() == []

    smtp_server.start()
    time.sleep(max(0.0, wait) + 0.1)
    assert run_worker() == 1
    [message] = smtp_server.messages()
    assert message["To"] == ADDRESS
    assert CODE in message.get_body(("plain",)).get_content()
    assert CODE in message.get_body(("html",)).get_content()
    assert ready_rows() == []


def test_each_failure_waits_longer(smtp_port, run_worker, caplog):
    queue_code()
    waits = []
    for _ in range(4):
        run_worker()
        [retry] = ready_rows()
        waits.append(round((retry.run_after - timezone.now()).total_seconds()))
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # time passes
    assert waits == [1, 2, 4, 8]
    assert "try 4:" in caplog.text


def test_a_hung_mail_server_holds_the_worker_only_for_email_timeout(settings, run_worker):
    hung = HungServer()
    try:
        settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = hung.port, 1
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = "127.0.0.1", 0, 0
        queue_code()
        started = time.monotonic()
        run_worker()
        assert time.monotonic() - started < 5
    finally:
        hung.close()
    [retry] = ready_rows()
    assert retry.run_after > timezone.now() - timedelta(seconds=1)


def test_the_worker_gives_up_a_day_after_the_first_try(smtp_port, run_worker, caplog):
    queue_code()
    clock.advance(24 * 3600 + 60)
    run_worker()
    assert ready_rows() == []
    assert "giving up" in caplog.text
    assert CODE not in caplog.text


def test_a_message_sealed_under_an_unknown_key_is_dropped_with_a_log_line(
    settings, run_worker, mailoutbox, caplog
):
    queue_code()
    with override_settings(SECRET_KEY="rotated-" + "y" * 60, SECRET_KEY_FALLBACKS=[]):
        run_worker()
    assert mailoutbox == []
    assert "could not be opened" in caplog.text
