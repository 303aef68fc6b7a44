"""Redis round trips per sign-in flow, on the Redis pass (make test-postgres): every command
redis-py sends while the browser's requests run, counted as it goes out. The ceilings are
today's counts, so that a change can only lower them. A check that passes gives back its
places in the lock's count and the account's window together (authflows.cache.uncount), and
the session comes in the same round trip as the version keys (authflows.cache.read_along)."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.cache import RedisCache
from authflows.flows.sso import connections as sso_connections
from authflows.models import InstanceSettings
from tests.budgets.test_query_budgets import trust_this_client
from tests.conftest import PASSWORD

# Rate limits on, as in production: their counters are part of the count.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.ratelimit]

#: Form 1 (the per-process copies' versions); password 5 (versions, the per-IP limit, the
#: lock's count and its give-back, the signed-in session's copy); landing 1 (the session's copy
#: read with the versions). The lock's generation comes with the user's row, and a count whose
#: first place the sign-in took is not deleted: it holds nothing.
TRUSTED_FLOW = 7
#: Form 1; password 6 (as above, with the account's window counted, and given back in the
#: lock's round trip, and the pending session saved); second-factor page 1 (session and
#: versions together); code 7 (versions and session, the per-IP limit, the count, the window,
#: the give-back, the signed-in session's copy, the pending session's deletion); landing 1.
#: The session read apart from the versions, the generation from Redis and the empty count
#: deleted would make it 22.
PASSWORD_TOTP_FLOW = 16


@pytest.fixture(autouse=True)
def _on_redis() -> None:
    if not isinstance(caches["default"], RedisCache):
        pytest.fail("the Redis pass (make test-postgres) runs this test")


def sign_in(client, redis_commands: list[str], lands: str) -> None:  # type: ignore[no-untyped-def]
    InstanceSettings.load()  # the Dashboard row and the connections are cached per deployment
    sso_connections.summary()
    redis_commands.clear()
    assert client.get("/sign-in/").status_code == 200
    response = client.post("/sign-in/", {"identifier": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == lands


def test_trusted_sign_in(client, user, mailoutbox, redis_commands):
    trust_this_client(client, mailoutbox)
    sign_in(client, redis_commands, "/")
    assert b"Signed in as" in client.get("/").content
    assert len(redis_commands) <= TRUSTED_FLOW, redis_commands


def test_password_and_totp(client, user, redis_commands):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(client, redis_commands, "/sign-in/factor-two/")
    client.get("/sign-in/factor-two/")
    totp = TOTP(device.bin_key)
    totp.time = clock.now().timestamp()  # the site's clock, moved to a window's start
    code = f"{totp.token():06d}"
    response = client.post("/sign-in/factor-two/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/"
    assert b"Signed in as" in client.get("/").content
    assert len(redis_commands) <= PASSWORD_TOTP_FLOW, redis_commands
