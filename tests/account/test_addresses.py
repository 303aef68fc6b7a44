"""Adding, verifying, making primary and removing email addresses and phone numbers on
/user/, as a browser does it."""

from __future__ import annotations

import re

import pytest

from authflows import clock
from authflows.flows.reverify import RECENT_SECONDS
from authflows.models import AuthEvent, EmailAddress, PhoneNumber, User
from authflows.protect import ratelimit
from tests.account.conftest import add_and_verify_email, add_and_verify_phone, add_email
from tests.conftest import PASSWORD, error_codes, last_code, open_link, page_status, sign_in

pytestmark = pytest.mark.django_db


def test_the_account_page_lists_the_addresses(signed_in, ada):
    page = signed_in.get("/user/").content.decode()
    assert 'data-email-address="ada@example.com" data-primary="true" data-verified="true"' in page
    assert 'href="/user/email-addresses/add/"' in page


def test_adding_an_address_sends_a_code_and_the_code_verifies_it(signed_in, ada, mailoutbox):
    response = add_email(signed_in, "ada.work@example.com")
    row = EmailAddress.objects.get(email_address="ada.work@example.com")
    assert response["Location"] == f"/user/email-addresses/{row.public_id}/"
    assert not row.verified and not row.primary
    page = signed_in.get(response["Location"])
    assert page_status(page) == "email_address_unverified"
    message = mailoutbox[-1]
    assert message.to == ["ada.work@example.com"]
    assert "add this" in message.subject
    wrong = signed_in.post(response["Location"], {"action": "verify", "code": "000000"})
    assert error_codes(wrong) == ["form_code_incorrect"]
    done = signed_in.post(
        response["Location"], {"action": "verify", "code": last_code(message.body)}
    )
    assert done.status_code == 302 and done["Location"] == "/user/#email_addresses"
    row.refresh_from_db()
    assert row.verified and row.verified_at is not None and not row.primary
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.IDENTIFICATION_ADDED, user=ada).exists()
    # and it signs in
    signed_in.post("/sign-out/")
    assert sign_in(signed_in, "ada.work@example.com")["Location"] == "/"


def test_a_wrong_code_does_not_count_toward_the_account_lock(signed_in, ada, mailoutbox, instance):
    instance(lockout_max_attempts=5)
    page = add_email(signed_in, "ada.work@example.com")["Location"]
    signed_in.get(page)
    for _ in range(5):
        signed_in.post(page, {"action": "verify", "code": "000000"})
    ada.refresh_from_db()
    assert ada.locked_until is None


def test_resend_waits_for_the_cool_down(signed_in, ada, mailoutbox):
    page = add_email(signed_in, "ada.work@example.com")["Location"]
    signed_in.get(page)
    sent = len(mailoutbox)
    refused = signed_in.post(page, {"action": "resend"})
    assert error_codes(refused) == ["verification_code_too_many_requests"]
    clock.advance(31)
    assert signed_in.post(page, {"action": "resend"}).status_code == 200
    assert len(mailoutbox) == sent + 1


def test_adding_an_address_of_another_account_says_taken(signed_in, make_user):
    make_user(email="bob@example.com", email_verified=True)
    assert error_codes(add_email(signed_in, "BOB@example.com")) == ["form_identifier_exists"]
    assert not EmailAddress.objects.filter(
        email_address="bob@example.com", user__email="ada@example.com"
    ).exists()


def test_strict_mode_answers_alike_and_tells_the_owner(signed_in, make_user, mailoutbox, instance):
    instance(enumeration_protection="strict")
    make_user(email="bob@example.com", email_verified=True)
    pages = {}
    for address in ("bob@example.com", "free@example.com"):
        response = add_email(signed_in, address)
        assert response.status_code == 302
        before = len(mailoutbox)
        page = signed_in.get(response["Location"])
        pages[address] = page
        assert len(mailoutbox) == before + 1
        assert mailoutbox[-1].to == [address]
    taken, free = mailoutbox[-2], mailoutbox[-1]
    assert "another" in taken.subject and not any(ch.isdigit() for ch in taken.subject)
    assert last_code(free.body)
    status = {a: (p.status_code, page_status(p), error_codes(p)) for a, p in pages.items()}
    assert status["bob@example.com"] == status["free@example.com"]
    # the taken address can never be verified here: no code matches
    pending = EmailAddress.objects.get(
        email_address="bob@example.com", user__email="ada@example.com"
    )
    bob_page = f"/user/email-addresses/{pending.public_id}/"
    guess = signed_in.post(bob_page, {"action": "verify", "code": last_code(free.body)})
    assert error_codes(guess) == ["form_code_incorrect"]


def test_the_first_verified_phone_becomes_primary(signed_in, ada, instance, sms_outbox):
    instance(phone_sign_in=True)
    row = add_and_verify_phone(signed_in, "+14155550123", sms_outbox)
    assert row.primary and row.verified
    ada.refresh_from_db()
    assert (ada.phone, ada.phone_verified) == ("+14155550123", True)


def test_making_an_address_primary(signed_in, ada, mailoutbox):
    row = add_and_verify_email(signed_in, "ada.work@example.com", mailoutbox)
    response = signed_in.post(f"/user/email-addresses/{row.public_id}/", {"action": "primary"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.email, ada.email_verified) == ("ada.work@example.com", True)
    rows = {r.email_address: r.primary for r in EmailAddress.objects.filter(user=ada)}
    assert rows == {"ada.work@example.com": True, "ada@example.com": False}
    notice = mailoutbox[-1]
    assert notice.to == ["ada@example.com"]
    assert "primary email address" in notice.subject
    assert "a•••@example.com" in notice.body
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.USER_UPDATED, user=ada).exists()


def test_making_primary_needs_a_recent_proof(signed_in, ada, mailoutbox):
    row = add_and_verify_email(signed_in, "ada.work@example.com", mailoutbox)
    clock.advance(RECENT_SECONDS + 1)
    here = f"/user/email-addresses/{row.public_id}/"
    response = signed_in.post(here, {"action": "primary"})
    assert (
        response["Location"]
        == f"/user/verify/?redirect_url=%2Fuser%2Femail-addresses%2F{row.public_id}%2F"
    )
    ada.refresh_from_db()
    assert ada.email == "ada@example.com"
    back = signed_in.post(response["Location"], {"password": PASSWORD})
    assert back["Location"] == here
    assert signed_in.post(here, {"action": "primary"}).status_code == 302
    ada.refresh_from_db()
    assert ada.email == "ada.work@example.com"


def test_removing_needs_a_recent_proof_a_pending_one_does_not(signed_in, ada, mailoutbox):
    row = add_and_verify_email(signed_in, "ada.work@example.com", mailoutbox)
    pending = EmailAddress.objects.get(
        public_id=add_email(signed_in, "later@example.com")["Location"].split("/")[-2]
    )
    clock.advance(RECENT_SECONDS + 1)
    removed = signed_in.post(f"/user/email-addresses/{pending.public_id}/", {"action": "remove"})
    assert removed["Location"] == "/user/#email_addresses"
    assert not EmailAddress.objects.filter(pk=pending.pk).exists()
    response = signed_in.post(f"/user/email-addresses/{row.public_id}/", {"action": "remove"})
    assert response["Location"].startswith("/user/verify/")
    assert EmailAddress.objects.filter(pk=row.pk).exists()


def test_removing_a_secondary_address(signed_in, ada, mailoutbox):
    row = add_and_verify_email(signed_in, "ada.work@example.com", mailoutbox)
    assert (
        signed_in.post(f"/user/email-addresses/{row.public_id}/", {"action": "remove"}).status_code
        == 302
    )
    assert not EmailAddress.objects.filter(pk=row.pk).exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.IDENTIFICATION_REMOVED, user=ada).exists()
    signed_in.post("/sign-out/")
    assert error_codes(sign_in(signed_in, "ada.work@example.com")) == ["form_identifier_not_found"]


def test_the_primary_stays_while_another_could_take_over(signed_in, ada, mailoutbox):
    add_and_verify_email(signed_in, "ada.work@example.com", mailoutbox)
    primary = EmailAddress.objects.get(email_address="ada@example.com")
    response = signed_in.post(f"/user/email-addresses/{primary.public_id}/", {"action": "remove"})
    assert error_codes(response) == ["identification_deletion_not_allowed"]
    assert "Make another one primary" in response.content.decode()


def test_the_last_way_to_sign_in_can_never_be_removed(signed_in, ada, instance):
    instance(email_required=False)
    primary = EmailAddress.objects.get(email_address="ada@example.com")
    response = signed_in.post(f"/user/email-addresses/{primary.public_id}/", {"action": "remove"})
    assert error_codes(response) == ["identification_deletion_not_allowed"]
    assert "last way to sign in" in response.content.decode()


def test_a_required_email_address_stays(signed_in, ada, instance, sms_outbox):
    instance(phone_sign_in=True)
    add_and_verify_phone(signed_in, "+14155550123", sms_outbox)
    primary = EmailAddress.objects.get(email_address="ada@example.com")
    response = signed_in.post(f"/user/email-addresses/{primary.public_id}/", {"action": "remove"})
    assert error_codes(response) == ["identification_deletion_not_allowed"]
    instance(email_required=False)
    response = signed_in.post(f"/user/email-addresses/{primary.public_id}/", {"action": "remove"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.email, ada.phone) == (None, "+14155550123")
    signed_in.post("/sign-out/")
    assert sign_in(signed_in, "+14155550123")["Location"] == "/"  # this browser is trusted
    assert signed_in.session["_auth_user_id"] == str(ada.pk)


def test_another_users_address_page_is_not_found(signed_in, make_user):
    bob = make_user(email="bob@example.com")
    row = EmailAddress.objects.get(user=bob)
    response = signed_in.post(f"/user/email-addresses/{row.public_id}/", {"action": "remove"})
    assert response.status_code == 302 and response["Location"] == "/user/"
    assert EmailAddress.objects.filter(pk=row.pk).exists()


def test_email_link_verification_in_another_browser(signed_in, ada, mailoutbox, instance, browser):
    instance(email_verification="link")
    page = add_email(signed_in, "ada.work@example.com")["Location"]
    shown = signed_in.get(page)
    assert "I opened the link" in shown.content.decode()
    found = re.search(
        r"http://testserver(/user/email-addresses/verify/\?token=[\w-]+)", mailoutbox[-1].body
    )
    assert found, mailoutbox[-1].body
    link = found.group(1)
    landed = open_link(browser, link)
    assert landed.status_code == 200 and page_status(landed) == "verified"
    assert EmailAddress.objects.get(email_address="ada.work@example.com").verified
    checked = signed_in.post(page, {"action": "check"})
    assert checked.status_code == 302
    assert open_link(browser, link).status_code == 400  # used once


def test_a_reserved_phone_is_never_primary_and_never_signs_in(signed_in, ada, instance, sms_outbox):
    instance(phone_sign_in=True, mfa_phone_code=True)
    response = signed_in.post(
        "/user/phone-numbers/add/", {"phoneNumber": "+14155550123", "reservedForSecondFactor": "on"}
    )
    page = response["Location"]
    signed_in.get(page)
    code = last_code(sms_outbox[-1].body)
    signed_in.post(page, {"action": "verify", "code": code})
    row = PhoneNumber.objects.get(phone_number="+14155550123")
    assert row.verified and row.reserved_for_second_factor and not row.primary
    refused = signed_in.post(page, {"action": "primary"})
    assert error_codes(refused) == ["identification_reserved_for_second_factor"]
    assert User.objects.get(pk=ada.pk).phone is None


def test_sms_codes_on_a_verified_number_need_no_second_code(signed_in, ada, instance, sms_outbox):
    from authflows.models import PhoneMFA

    instance(phone_sign_in=True, mfa_phone_code=True)
    add_and_verify_phone(signed_in, "+14155550123", sms_outbox)
    sent = len(sms_outbox)
    response = signed_in.post("/user/mfa/phone/", {"action": "send", "phone": "+14155550123"})
    assert response.status_code == 302
    assert PhoneMFA.objects.get(user=ada).phone == "+14155550123"
    assert len(sms_outbox) == sent


def test_the_old_primary_phone_is_told_by_sms(signed_in, ada, instance, sms_outbox):
    instance(phone_sign_in=True)
    add_and_verify_phone(signed_in, "+14155550123", sms_outbox)
    second = add_and_verify_phone(signed_in, "+14155550124", sms_outbox)
    assert not second.primary
    response = signed_in.post(f"/user/phone-numbers/{second.public_id}/", {"action": "primary"})
    assert response["Location"] == "/user/#phone_numbers"
    ada.refresh_from_db()
    assert ada.phone == "+14155550124"
    assert sms_outbox[-1].to == "+14155550123"
    assert "no longer the primary phone number" in sms_outbox[-1].body


@pytest.mark.ratelimit
def test_codes_for_added_addresses_spend_the_users_proven_budget(signed_in, ada, mailoutbox):
    limit, _window = ratelimit.limit_of("code_send_attempt")  # per signed-in user
    sent = len(mailoutbox)
    for n in range(limit):
        page = add_email(signed_in, f"ada{n}@example.com")["Location"]
        assert signed_in.get(page).status_code == 200
    assert len(mailoutbox) == sent + limit
    page = add_email(signed_in, "one.more@example.com")["Location"]
    refused = signed_in.get(page)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert len(mailoutbox) == sent + limit
