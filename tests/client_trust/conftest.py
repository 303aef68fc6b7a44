from __future__ import annotations

import pytest
from django.test import Client

from authflows.models import User
from tests.conftest import PASSWORD
from tests.core.helpers import complete_sign_in


@pytest.fixture
def staff(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff: User, mailoutbox) -> Client:  # type: ignore[no-untyped-def]
    """A browser signed in as staff through /sign-in/, where the admin login sends it."""
    browser = Client()
    login = browser.get(browser.get("/admin/")["Location"])
    assert login.status_code == 302
    assert login["Location"] == "/sign-in/?redirect_url=%2Fadmin%2F"
    response = complete_sign_in(browser, staff.email, mailoutbox, PASSWORD, redirect_url="/admin/")
    assert response["Location"] == "/admin/"
    return browser
