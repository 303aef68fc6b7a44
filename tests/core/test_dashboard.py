"""The Dashboard: one row opened directly in /admin/, contradictions refused, and a saved
change seen on the next request of every worker (the cache is shared and invalidated)."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client

from authflows.models import AuthEvent, InstanceSettings
from authflows.models.instance import CACHE_KEY
from tests.conftest import error_codes, sign_in
from tests.core.helpers import ADMIN_DASHBOARD_URL, dashboard_form

pytestmark = pytest.mark.django_db

# (changes, the two settings the message must name). SPEC section 7 and the rest of clean().
CONTRADICTIONS = {
    "backup codes as the only MFA method": (
        {"mfa_totp": False, "mfa_phone_code": False, "mfa_backup_code": True},
        ("mfa_backup_code", "mfa_totp"),
    ),
    "SMS MFA without phone sign-in": (
        {"mfa_phone_code": True, "phone_sign_in": False},
        ("mfa_phone_code", "phone_sign_in"),
    ),
    "no identifier left to sign in with": (
        {"email_sign_in": False, "phone_sign_in": False, "username_sign_in": False},
        ("email_sign_in", "phone_sign_in"),
    ),
    "no first factor left to sign in with": (
        {"password_sign_up": False, "email_code_sign_in": False, "email_link_sign_in": False},
        ("password_sign_up", "email_code_sign_in"),
    ),
    "require MFA with no MFA method": (
        {
            "mfa_required": True,
            "mfa_totp": False,
            "mfa_phone_code": False,
            "mfa_backup_code": False,
        },
        ("mfa_required", "mfa_totp"),
    ),
    "both session limits off": (
        {"session_lifetime_enabled": False, "session_inactivity_enabled": False},
        ("session_lifetime_enabled", "session_inactivity_enabled"),
    ),
    "email link verification with email off": (
        {
            "email_verification": "link",
            "email_sign_up": False,
            "email_sign_in": False,
            "email_required": False,
            "phone_sign_up": True,
            "phone_sign_in": True,
        },
        ("email_verification", "email_sign_up"),
    ),
    "email link sign-in without email sign-in": (
        {"email_link_sign_in": True, "email_sign_in": False, "phone_sign_in": True},
        ("email_link_sign_in", "email_sign_in"),
    ),
    "email required without email sign-up": (
        {"email_required": True, "email_sign_up": False},
        ("email_required", "email_sign_up"),
    ),
    "phone required without phone sign-up": (
        {"phone_required": True, "phone_sign_up": False},
        ("phone_required", "phone_sign_up"),
    ),
    "username sign-in without passwords": (
        {"username_sign_in": True, "username_sign_up": False, "password_sign_up": False},
        ("username_sign_in", "password_sign_up"),
    ),
    "username minimum above maximum": (
        {"username_min_length": 40, "username_max_length": 10},
        ("username_min_length", "username_max_length"),
    ),
    "legacy status without client trust": (
        {"client_trust_legacy_status": True, "client_trust": False},
        ("client_trust_legacy_status", "client_trust"),
    ),
}


def both_names(fields: tuple[str, str]) -> str:
    first, second = (InstanceSettings._meta.get_field(f).verbose_name for f in fields)
    return f"“{first}” and “{second}”"


# --- the single row --------------------------------------------------------------------------


def test_the_list_opens_the_single_row(staff_client):
    response = staff_client.get("/admin/authflows/instancesettings/")
    assert response.status_code == 302
    assert response["Location"] == ADMIN_DASHBOARD_URL
    page = staff_client.get(ADMIN_DASHBOARD_URL)
    html = page.content.decode()
    assert page.status_code == 200
    for group in ("Application", "Email", "Phone", "Username", "Password", "Multi-factor"):
        assert f">{group}<" in html
    for group in ("Protect", "Sessions", "Test mode"):
        assert f">{group}<" in html
    assert "deletelink" not in html


def test_no_add_and_no_delete(staff_client):
    assert staff_client.get("/admin/authflows/instancesettings/add/").status_code == 403
    assert staff_client.get("/admin/authflows/instancesettings/1/delete/").status_code == 403
    assert (
        staff_client.post(
            "/admin/authflows/instancesettings/1/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert InstanceSettings.objects.count() == 1
    with pytest.raises(ValidationError):
        InstanceSettings.load().delete()


def test_any_object_id_edits_the_one_row(staff_client):
    response = staff_client.post(
        "/admin/authflows/instancesettings/7/change/", dashboard_form(application_name="Acme")
    )
    assert response.status_code == 302
    assert list(InstanceSettings.objects.values_list("pk", "application_name")) == [(1, "Acme")]


def test_defaults_are_those_of_a_new_clerk_application(db):
    row = InstanceSettings.load()
    assert row.email_sign_up and row.email_required and row.email_sign_in
    assert row.email_code_sign_in and not row.email_link_sign_in
    assert row.email_verification == "code"
    assert not row.phone_sign_up and not row.phone_sign_in and not row.username_sign_in
    assert row.password_sign_up and row.password_min_length == 8 and row.password_reject_compromised
    assert row.mfa_totp and row.mfa_backup_code and not row.mfa_phone_code and not row.mfa_required
    assert row.client_trust and not row.client_trust_legacy_status
    assert row.lockout_enabled and row.lockout_max_attempts == 10
    assert row.lockout_duration_minutes == 60
    assert row.session_lifetime_enabled and row.session_max_lifetime_hours == 7 * 24
    assert not row.session_inactivity_enabled


# --- contradictions --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CONTRADICTIONS, ids=list(CONTRADICTIONS))
def test_admin_refuses_a_contradiction_naming_both_settings(staff_client, case):
    changes, fields = CONTRADICTIONS[case]
    before = InstanceSettings.load().updated_at
    response = staff_client.post(ADMIN_DASHBOARD_URL, dashboard_form(**changes))
    html = response.content.decode()
    assert response.status_code == 200  # the form again, with errors
    assert "errornote" in html
    assert both_names(fields) in html
    assert InstanceSettings.objects.get(pk=1).updated_at == before
    assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.SETTINGS_CHANGED).exists()


@pytest.mark.parametrize("case", CONTRADICTIONS, ids=list(CONTRADICTIONS))
def test_model_validation_puts_the_error_on_both_fields(db, case):
    changes, fields = CONTRADICTIONS[case]
    row = InstanceSettings.load()
    for name, value in changes.items():
        setattr(row, name, value)
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    for field in fields:
        assert any(both_names(fields) in m for m in caught.value.message_dict[field])


def test_a_valid_change_is_saved_and_audited(staff_client, staff):
    response = staff_client.post(ADMIN_DASHBOARD_URL, dashboard_form(username_sign_in=True))
    assert response.status_code == 302
    assert InstanceSettings.objects.get(pk=1).username_sign_in
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.SETTINGS_CHANGED)
    assert event.actor == staff.email
    assert event.data["fields"] == ["username_sign_in"]


def test_non_staff_cannot_open_the_dashboard(client, user, mailoutbox):
    from tests.core.helpers import complete_sign_in

    complete_sign_in(client, "ada@example.com", mailoutbox)
    response = client.get(ADMIN_DASHBOARD_URL)
    assert response["Location"].startswith("/admin/login/")
    assert client.get(response["Location"])["Location"] == "/"


# --- a change seen by every worker without restart -------------------------------------------


def test_a_saved_change_is_seen_by_another_browser_on_its_next_request(
    staff_client, make_user, browser
):
    make_user(email="sam@example.com", username="sammy")
    before = browser.get("/sign-in/")
    assert "or username" not in before.content.decode()
    assert error_codes(sign_in(browser, "sammy")) == ["form_param_format_invalid"]

    saved = staff_client.post(ADMIN_DASHBOARD_URL, dashboard_form(username_sign_in=True))
    assert saved.status_code == 302

    after = browser.get("/sign-in/")
    assert "or username" in after.content.decode()
    assert sign_in(browser, "sammy").status_code == 302


def test_load_after_save_reads_the_new_row_through_a_fresh_cache_connection(staff_client):
    assert InstanceSettings.load().application_name == "authflows"  # held now
    # Another worker: its own connection to the shared cache (Redis in the PostgreSQL pass).
    other_worker = caches.create_connection("default")
    version = other_worker.get(CACHE_KEY)
    assert version
    staff_client.post(ADMIN_DASHBOARD_URL, dashboard_form(application_name="Acme"))
    assert other_worker.get(CACHE_KEY) is None  # every worker's copy is out of date
    assert InstanceSettings.load().application_name == "Acme"
    assert other_worker.get(CACHE_KEY) not in (None, version)
    # Every later read is this process's copy: no query, and a copy of its own each time.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        mine = InstanceSettings.load()
        mine.application_name = "changed, not saved"
        assert InstanceSettings.load().application_name == "Acme"
    assert len(queries) == 0


def test_a_version_set_before_the_commit_is_dropped_after_it(
    db, django_capture_on_commit_callbacks
):
    """Between the save and the admin's commit another worker can still read the old row and
    tag it with a new version; the invalidation after the commit removes that version, so the
    worker reads again."""
    InstanceSettings.load()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = InstanceSettings.objects.get(pk=1)
        row.application_name = "Renamed"
        row.save()
        cache.set(CACHE_KEY, "another-workers-read", timeout=None)  # before the commit
    assert cache.get(CACHE_KEY) != "another-workers-read"
    assert InstanceSettings.load().application_name == "Renamed"


def test_two_test_clients_share_the_settings_without_a_restart(instance, browser):
    first = Client()
    assert "or phone number" not in first.get("/sign-in/").content.decode()
    instance(phone_sign_in=True)
    assert "or phone number" in browser.get("/sign-in/").content.decode()
    assert "or phone number" in first.get("/sign-in/").content.decode()
