"""The top bar and the language picker every page shares (built once per process, filled in
per request): each visitor, language, path and mount point gets its own."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import set_script_prefix

from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def nav(page: str) -> str:
    return page[page.index('<header class="topbar">') : page.index("</header>")]


def footer(page: str) -> str:
    return page[page.index('<footer class="site-footer">') : page.index("</footer>")]


def test_a_visitor_is_offered_sign_in_and_sign_up(client):
    top = nav(client.get("/sign-in/").content.decode())
    assert 'href="/sign-in/"' in top and 'href="/sign-up/"' in top
    assert "Sign out" not in top and "/admin/" not in top


def test_a_user_gets_account_and_a_working_sign_out(client, user, instance):
    instance(client_trust=False)
    assert sign_in(client, "ada@example.com", PASSWORD)["Location"] == "/"
    page = client.get("/").content.decode()
    top = nav(page)
    assert 'href="/user/"' in top and "/admin/" not in top and 'href="/sign-in/"' not in top
    token = TOKEN.search(top)
    assert token and token.group(1) in TOKEN.findall(footer(page))  # one token per page
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    assert checked.post("/sign-out/", {"csrfmiddlewaretoken": token.group(1)}).status_code == 302
    assert client.get("/user/").status_code == 302


def test_staff_get_the_admin_link(staff_client):
    assert 'href="/admin/"' in nav(staff_client.get("/").content.decode())


def test_the_picker_names_each_language_in_itself_and_keeps_the_path(client):
    page = client.get("/sign-in/?redirect_url=/x&a=<b>", HTTP_ACCEPT_LANGUAGE="de").content
    picker = footer(page.decode())
    assert '<span class="current-language" lang="de" aria-current="true">Deutsch</span>' in picker
    assert 'value="fr" lang="fr">Français</button>' in picker
    assert 'name="next" value="/sign-in/?redirect_url=/x&amp;a=%3Cb%3E"' in picker
    assert '<span id="language-picker-label">Sprache</span>' in picker
    english = footer(client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert '<span id="language-picker-label">Language</span>' in english
    assert 'lang="de">Deutsch</button>' in english


def test_the_application_name_is_escaped(client, instance):
    instance(application_name="Ada & <Co>")
    top = nav(client.get("/sign-in/").content.decode())
    assert '<a class="brand" href="/">Ada &amp; &lt;Co&gt;</a>' in top


def test_links_follow_the_mount_point_of_each_request(client):
    """Under a prefix (SCRIPT_NAME, which Django's WSGI handler sets for each request) the
    links carry it; the next request without it gets plain links."""
    set_script_prefix("/auth/")
    try:
        mounted = client.get("/sign-in/").content.decode()
    finally:
        set_script_prefix("/")
    assert 'href="/auth/sign-up/"' in nav(mounted) and 'href="/auth/"' in nav(mounted)
    assert 'action="/auth/' in footer(mounted)
    plain = client.get("/sign-in/").content.decode()
    assert 'href="/sign-up/"' in nav(plain) and "/auth/" not in nav(plain) + footer(plain)
