"""Every MFA page stays within the query budget (8 per request), enrolment included."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD, last_code, sign_in
from tests.mfa.conftest import PHONE, app_code, backup_codes_form, shown_secret

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_on")]


def test_account_pages(signed_in, sms_outbox, django_assert_max_num_queries):
    c = signed_in
    # The account page reads the user, then one statement per list it shows: the MFA summary,
    # trusted devices, sessions, recent activity, passkeys, connected accounts, email addresses
    # and phone numbers.
    with django_assert_max_num_queries(9):
        assert c.get("/user/").status_code == 200
    with django_assert_max_num_queries(8):
        secret = shown_secret(c.get("/user/mfa/totp/").content.decode())
    with django_assert_max_num_queries(8):
        assert c.post("/user/mfa/totp/", {"code": app_code(secret)}).status_code == 302
    with django_assert_max_num_queries(8):
        assert c.post("/user/mfa/phone/", {"phone": PHONE, "action": "send"}).status_code == 200
    code = last_code(sms_outbox[-1].body)
    with django_assert_max_num_queries(8):
        response = c.post("/user/mfa/phone/", {"code": code, "action": "verify"})
    assert response.status_code == 302
    form = backup_codes_form(c)
    with django_assert_max_num_queries(8):
        assert c.post("/user/mfa/backup-codes/", form).status_code == 200
    with django_assert_max_num_queries(8):
        assert c.post("/user/mfa/phone/remove/", {"password": PASSWORD}).status_code == 302


def test_setup_mfa_task(instance, make_user, django_assert_max_num_queries):
    instance(mfa_required=True)
    make_user()
    browser = Client()
    sign_in(browser, "ada@example.com")
    with django_assert_max_num_queries(8):
        page = browser.get("/sign-in/tasks/setup-mfa/").content.decode()
    with django_assert_max_num_queries(8):
        response = browser.post(
            "/sign-in/tasks/setup-mfa/", {"method": "totp", "code": app_code(shown_secret(page))}
        )
    assert response.status_code == 302
