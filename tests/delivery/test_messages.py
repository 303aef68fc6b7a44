"""What the messages say: HTML and text parts for every event, subjects that name the purpose,
the requesting device and time, the configured From, the caller's language, the dev outbox,
and a failing provider that never reaches the request (immediate task backend)."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import UTC, datetime
from email.utils import parseaddr

import pytest
from django.core import mail
from django.test import Client

from authflows import delivery
from authflows.delivery import render
from authflows.models import OutboxMessage
from tests.conftest import page_status, sign_in
from tests.core.helpers import CLIENT_TRUST_URL

pytestmark = pytest.mark.django_db

PURPOSES = ["first_factor", "second_factor", "client_trust", "reset_password", "sign_up", "account"]
WHEN = datetime(2026, 3, 14, 15, 9, tzinfo=UTC)
SECURITY = {"device": "Firefox 128 on Linux", "ip": "203.0.113.9", "when": WHEN}
EVENTS = {
    "verification_code": {"code": "123456", "purpose": "sign_up", "minutes": 10},
    "verification_link": {"url": "https://example.com/sign-in/verify/?token=t", "minutes": 10},
    "account_locked": SECURITY,
    "new_sign_in": SECURITY,
    "sign_up_existing": {"sign_in_url": "https://example.com/sign-in/"},
}


def code_email(purpose: str, **extra: object) -> dict[str, str]:
    context = {"code": "123456", "purpose": purpose, "minutes": 10, **extra}
    return render.email(
        to="ada@example.com", event="verification_code", context=context, locale=None
    )


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_has_a_subject_a_text_and_an_html_part(event, mailoutbox):
    delivery.send_email(to="ada@example.com", event=event, context=EVENTS[event])
    [message] = mailoutbox
    assert message.subject and "\n" not in message.subject
    assert "{%" not in message.body and "{{" not in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert html.startswith("<!doctype html>") and "authflows" in html
    assert "style=" not in html and "<script" not in html


def test_subjects_say_what_each_code_is_for():
    subjects = {purpose: code_email(purpose)["subject"] for purpose in PURPOSES}
    assert len(set(subjects.values())) == len(PURPOSES)
    assert "sign-in code" in subjects["first_factor"]
    assert "new device" in subjects["client_trust"]
    assert "password reset" in subjects["reset_password"]
    assert "sign-up" in subjects["sign_up"]
    assert all(subject.startswith("123456 ") for subject in subjects.values())


def test_only_the_client_trust_email_says_the_password_was_used():
    for purpose in PURPOSES:
        text = code_email(purpose)["text"]
        assert "password alone" not in text
        says_password_known = "someone knows your password" in text
        assert says_password_known == (purpose in {"client_trust", "second_factor"}), purpose
    reset = code_email("reset_password")["text"]
    assert "your password stays as it is" in reset


def test_security_emails_show_the_device_address_and_time():
    for event in ("verification_code", "account_locked", "new_sign_in"):
        context = {**EVENTS[event], **SECURITY, "purpose": "client_trust"}
        message = render.email(to="a@example.com", event=event, context=context, locale=None)
        for part in (message["text"], message["html"]):
            assert "Firefox 128 on Linux" in part and "203.0.113.9" in part
            assert "2026-03-14 15:09 UTC" in part


def test_the_code_is_the_last_six_digit_number_of_the_text():
    text = code_email("client_trust", **SECURITY)["text"]
    assert re.findall(r"\b(\d{6})\b", text) == ["123456"]


def test_from_is_default_from_email_with_the_application_name(settings, instance, mailoutbox):
    settings.DEFAULT_FROM_EMAIL = "Ops <no-reply@example.org>"
    instance(application_name="Acme, “Cloud” Ünïcode")
    delivery.send_email(to="ada@example.com", event="new_sign_in", context=SECURITY)
    [message] = mailoutbox
    wire = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    [sender] = wire["From"].addresses
    assert sender.addr_spec == "no-reply@example.org"
    assert sender.display_name == "Acme, “Cloud” Ünïcode"
    assert parseaddr(str(message.message()["From"]))[1] == "no-reply@example.org"


def test_the_application_name_is_escaped_in_html_and_kept_as_is_in_text(instance):
    instance(application_name="Tom & <Jerry>")
    message = code_email("first_factor")
    assert "Tom & <Jerry>" in message["text"] and "Tom & <Jerry>" in message["subject"]
    assert "Tom &amp; &lt;Jerry&gt;" in message["html"] and "<Jerry>" not in message["html"]


def test_the_message_is_rendered_in_the_given_locale():
    german = render.email(to="a@example.com", event="new_sign_in", context=SECURITY, locale="de")
    english = render.email(to="a@example.com", event="new_sign_in", context=SECURITY, locale=None)
    assert '<html lang="de">' in german["html"]
    assert '<html lang="de">' not in english["html"]


def test_sms_from_a_template_or_a_body(sms_outbox, instance):
    instance(application_name="Acme")
    delivery.send_sms(to="+441632960961", event="verification_code", context={"code": "123456"})
    delivery.send_sms(to="+441632960961", event="sign_up_existing")
    delivery.send_sms(to="+441632960961", body="plain body")
    assert [m.body for m in sms_outbox] == [
        "123456 is your Acme verification code. It expires in 10 minutes.",
        "Someone tried to sign up for Acme with this number. If it was you, sign in instead.",
        "plain body",
    ]
    with pytest.raises(ValueError):
        delivery.send_sms(to="+441632960961")


def test_the_dev_outbox_keeps_a_copy_of_what_was_sent(settings, mailoutbox, sms_outbox, client):
    settings.DEBUG = settings.AUTHFLOWS_DEV_OUTBOX = True
    delivery.send_email(
        to="ada@example.com", event="verification_code", context=EVENTS["verification_code"]
    )
    delivery.send_sms(to="+441632960961", event="verification_code", context={"code": "654321"})
    copies = {m.channel: m for m in OutboxMessage.objects.all()}
    assert "123456" in copies["email"].body and "123456" in copies["email"].subject
    assert "654321" in copies["sms"].body
    page = client.get("/dev/outbox/").content.decode()
    assert "123456" in page and "654321" in page


def test_a_failing_mail_server_never_fails_the_request(settings, user, smtp_port, caplog):
    """Immediate backend (tests, `make run`): the send runs in the request and fails (nothing
    listens on the port); the page still answers."""
    browser = Client()
    assert sign_in(browser, "ada@example.com")["Location"] == CLIENT_TRUST_URL
    with caplog.at_level(logging.WARNING, logger="authflows.delivery"):
        page = browser.get(CLIENT_TRUST_URL)
    assert page.status_code == 200 and page_status(page) == "needs_client_trust"
    assert "email verification_code not delivered" in caplog.text
    assert mail.outbox == []
