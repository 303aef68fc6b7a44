import pytest

from tests.conftest import PASSWORD, last_code

pytestmark = pytest.mark.django_db


def test_password_then_client_trust(fapi, user, mailoutbox):
    assert fapi.get("client").json() == {"response": None, "client": None}
    r = fapi.post("client/sign_ins", identifier="ada@example.com", password=PASSWORD)
    print(r.json())
    assert r.status_code == 200
    sign_in = r.json()["response"]
    assert sign_in["status"] == "needs_client_trust"
    entry = sign_in["supported_second_factors"][0]
    r = fapi.post(
        f"client/sign_ins/{sign_in['id']}/prepare_second_factor",
        strategy="email_code",
        email_address_id=entry["email_address_id"],
    )
    print(r.json())
    assert r.status_code == 200
    r = fapi.post(
        f"client/sign_ins/{sign_in['id']}/attempt_second_factor",
        strategy="email_code",
        code=last_code(mailoutbox[-1].body),
    )
    print(r.json())
    body = r.json()
    assert body["response"]["status"] == "complete"
    sid = body["response"]["created_session_id"]
    assert body["client"]["sessions"][0]["id"] == sid
    r = fapi.post(f"client/sessions/{sid}/touch", intent="select_session")
    assert r.status_code == 200
    r = fapi.post(f"client/sessions/{sid}/tokens", organization_id="")
    print(r.json())
    assert r.json()["object"] == "token"
    r = fapi.get("client")
    print(r.json())
    r = fapi.delete("client/sessions")
    assert r.status_code == 200
    assert r.json()["response"]["sessions"] == []
