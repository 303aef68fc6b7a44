"""Helpers for the foundation and client-trust tests: what a browser does, step by step."""

from __future__ import annotations

import re

from django.db.models import BooleanField
from django.http import HttpRequest, HttpResponse
from django.test import Client

from authflows.admin import InstanceSettingsAdmin
from authflows.app_settings import app_settings
from authflows.clients import SALT
from authflows.models import InstanceSettings
from tests.conftest import PASSWORD, last_code, sign_in

CLIENT_COOKIE = "authflows_client"
CLIENT_TRUST_URL = "/sign-in/client-trust/"
ADMIN_DASHBOARD_URL = "/admin/authflows/instancesettings/1/change/"


def adopt_client(browser: Client, client_id: int) -> None:
    """Give a browser the signed cookie naming an existing Client row (signed as the site does)."""
    name = app_settings.CLIENT_COOKIE_NAME
    response = HttpResponse()
    response.set_signed_cookie(name, str(client_id), salt=SALT)
    browser.cookies[name] = response.cookies[name].value


def client_id_of(browser: Client) -> int:
    """The Client row a browser's cookie names (raises if the signature is not the site's)."""
    name = app_settings.CLIENT_COOKIE_NAME
    request = HttpRequest()
    request.COOKIES[name] = browser.cookies[name].value
    return int(request.get_signed_cookie(name, salt=SALT))


def verify_client_trust(browser: Client, mailoutbox: list) -> object:  # type: ignore[type-arg]
    """On the client-trust page: read the emailed code and post it. Returns the response."""
    browser.get(CLIENT_TRUST_URL)
    return browser.post(CLIENT_TRUST_URL, {"code": last_code(mailoutbox[-1].body)})


def complete_sign_in(
    browser: Client, identifier: str, mailoutbox: list, password: str = PASSWORD, **extra: str
) -> object:
    """Sign in with a password and, when asked, verify the new device by the emailed code."""
    response = sign_in(browser, identifier, password, **extra)
    if response.status_code == 302 and response["Location"] == CLIENT_TRUST_URL:
        response = verify_client_trust(browser, mailoutbox)
    return response


def link_path(body: str) -> str:
    """The path and query of the email link in a message body."""
    match = re.search(r"https?://[^/\s]+(/sign-in/verify/\?token=[\w-]+)", body)
    assert match, body
    return match.group(1)


def dashboard_form(row: InstanceSettings | None = None, **changes: object) -> dict[str, str]:
    """The Dashboard change form as the admin page posts it (unchecked boxes are absent)."""
    row = row or InstanceSettings.load()
    data: dict[str, str] = {}
    for _name, options in InstanceSettingsAdmin.fieldsets:
        for field in options["fields"]:
            value = changes.get(field, getattr(row, field))
            if isinstance(InstanceSettings._meta.get_field(field), BooleanField):
                if value:
                    data[field] = "on"
            else:
                data[field] = str(value)
    data["_save"] = "Save"
    return data
