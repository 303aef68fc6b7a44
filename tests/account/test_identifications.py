"""Email addresses and phone numbers as rows: the primary ones follow the user's columns,
every verified address signs in, an address belongs to one account once verified."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction

from authflows.flows.users import find_user
from authflows.models import EmailAddress, PhoneNumber, User
from tests.conftest import PASSWORD, error_codes, sign_in
from tests.core.helpers import complete_sign_in

pytestmark = pytest.mark.django_db


def add_row(user: User, address: str, *, verified: bool = True) -> EmailAddress:
    return EmailAddress.objects.create(user=user, email_address=address, verified=verified)


def test_a_new_user_has_primary_rows_with_public_ids(make_user):
    user = make_user(email="Ada@Example.COM", phone="+1 415 555 0100", email_verified=True)
    email = EmailAddress.objects.get(user=user)
    phone = PhoneNumber.objects.get(user=user)
    assert (email.email_address, email.primary, email.verified) == ("ada@example.com", True, True)
    assert email.verified_at is not None
    assert (phone.phone_number, phone.primary, phone.verified) == ("+14155550100", True, False)
    assert re.fullmatch(r"idn_[A-Za-z0-9]{27}", email.public_id)
    assert email.public_id != phone.public_id


def test_changing_the_primary_column_keeps_the_old_address_as_a_secondary(user):
    old = EmailAddress.objects.get(user=user)
    user.email, user.email_verified = "new@example.com", True
    user.save()
    rows = {r.email_address: r for r in EmailAddress.objects.filter(user=user)}
    assert rows["new@example.com"].primary and rows["new@example.com"].verified
    assert not rows["ada@example.com"].primary
    assert rows["ada@example.com"].public_id == old.public_id  # stable


def test_a_save_that_touches_no_address_writes_no_row(user, django_assert_num_queries):
    user.first_name = "Ada"
    with django_assert_num_queries(1):
        user.save()
    with django_assert_num_queries(1):
        user.save(update_fields=["password"])


def test_emptying_the_phone_column_leaves_no_primary_phone(make_user):
    user = make_user(phone="+14155550100", phone_verified=True)
    user.phone = None
    user.save()
    assert not PhoneNumber.objects.filter(user=user, primary=True).exists()


def test_every_verified_address_signs_in(client, user, mailoutbox):
    add_row(user, "ada.work@example.com")
    response = complete_sign_in(client, "ADA.work@example.com", mailoutbox)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_unverified_address_does_not_sign_in(client, user):
    add_row(user, "pending@example.com", verified=False)
    assert error_codes(sign_in(client, "pending@example.com")) == ["form_identifier_not_found"]


def test_the_lookup_by_a_secondary_address_is_one_query(user, django_assert_num_queries):
    add_row(user, "ada.work@example.com")
    with django_assert_num_queries(1):
        found = find_user("email", "ada.work@example.com", client_id=None)
    assert found is not None and found.pk == user.pk
    with django_assert_num_queries(1):
        assert find_user("email", "nobody@example.com", client_id=None) is None


def test_a_phone_reserved_for_mfa_does_not_sign_in(client, instance, user):
    instance(phone_sign_in=True)
    PhoneNumber.objects.create(
        user=user, phone_number="+14155550123", verified=True, reserved_for_second_factor=True
    )
    assert find_user("phone", "+14155550123", client_id=None) is None
    PhoneNumber.objects.filter(user=user).update(reserved_for_second_factor=False)
    assert find_user("phone", "+14155550123", client_id=None) == user


def test_a_passwordless_code_goes_to_the_address_typed(client, user, mailoutbox):
    add_row(user, "ada.work@example.com")
    client.post("/sign-in/", {"identifier": "ada.work@example.com", "action": "passwordless"})
    page = client.get("/sign-in/factor-one/")
    assert mailoutbox[-1].to == ["ada.work@example.com"]
    assert "a•••@example.com" in page.content.decode()


def test_an_address_belongs_to_one_account_once_verified(user, make_user):
    other = make_user(email="bob@example.com")
    add_row(user, "shared@example.com", verified=False)
    add_row(other, "shared@example.com", verified=False)  # pending on both: allowed
    EmailAddress.objects.filter(user=user, email_address="shared@example.com").update(verified=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailAddress.objects.filter(user=other, email_address="shared@example.com").update(
            verified=True
        )


def test_a_primary_address_is_reserved_even_unverified(user, make_user):
    other = make_user(email="bob@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        add_row(other, user.email)  # verified elsewhere while primary (unverified) here


def test_sign_up_refuses_an_address_verified_on_another_account(client, user):
    add_row(user, "ada.work@example.com")
    response = client.post(
        "/sign-up/", {"emailAddress": "ada.work@example.com", "password": PASSWORD + "x"}
    )
    assert error_codes(response) == ["form_identifier_exists"]


@pytest.mark.ratelimit
def test_admin_unlock_clears_the_windows_of_every_address(user):
    from authflows.flows import gate
    from authflows.protect import ratelimit

    add_row(user, "ada.work@example.com")
    limit, _window = ratelimit.limit_of("identifier_attempt")
    for _ in range(limit):
        ratelimit.hit("identifier_attempt", "ada.work@example.com")
    gate.unlock(None, user, actor="admin")
    ratelimit.hit("identifier_attempt", "ada.work@example.com")  # counting from zero again


def test_users_saved_in_bulk_sign_in_once_their_primary_rows_are_added(client, mailoutbox):
    from django.contrib.auth.hashers import make_password

    from authflows.models.identification import add_primary_rows

    users = User.objects.bulk_create(
        [
            User(email="bulk0@example.com", email_verified=True, password=make_password(PASSWORD)),
            User(email="bulk1@example.com", phone="+14155550111", password=make_password(PASSWORD)),
        ]
    )
    refused = sign_in(client, "bulk0@example.com")  # bulk_create bypasses User.save()
    assert refused.status_code == 400 and error_codes(refused)
    add_primary_rows(iter(users))
    rows = EmailAddress.objects.filter(user__in=users).order_by("email_address")
    assert [(r.email_address, r.primary, r.verified) for r in rows] == [
        ("bulk0@example.com", True, True),
        ("bulk1@example.com", True, False),
    ]
    assert rows[0].verified_at is not None and rows[1].verified_at is None
    phone = PhoneNumber.objects.get(user=users[1])
    assert (phone.phone_number, phone.primary, phone.verified) == ("+14155550111", True, False)
    response = complete_sign_in(client, "bulk0@example.com", mailoutbox)
    assert response.status_code == 302 and response["Location"] == "/"
