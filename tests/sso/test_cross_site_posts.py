"""The two addresses identity providers post to cross-site carry no CSRF token (none can come
from another site) and so do nothing but send the browser on to a GET of the site's own,
where its cookies come along and the state decides."""

from __future__ import annotations

from django.test import Client

from authflows.models import AuthEvent, SSOState, User


def test_form_post_callback_only_forwards(connection, idp):
    connection()
    attacker = Client(enforce_csrf_checks=True)
    response = attacker.post("/sso/callback/test/", {"state": "s", "code": "c"})
    assert response.status_code == 302
    assert response["Location"] == "/sso/callback/test/?state=s&code=c"
    assert not AuthEvent.objects.exists() and not User.objects.exists()


def test_saml_post_only_forwards(db):
    attacker = Client(enforce_csrf_checks=True)
    response = attacker.post("/sso/saml/acme/acs/", {"SAMLResponse": "PHg+", "RelayState": "r"})
    assert response.status_code == 302
    assert response["Location"].startswith("/sso/saml/acme/acs/?received=")
    assert not AuthEvent.objects.exists() and not SSOState.objects.exists()
    # The kept response is useless without the state of the browser that started.
    followed = attacker.get(response["Location"])
    assert followed.status_code == 302 and followed["Location"] == "/sign-in/"
    assert not User.objects.exists()
