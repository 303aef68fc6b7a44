"""Locks live in PostgreSQL: a Redis restart (all counts gone) lifts neither a trusted
device's own lock nor the account's lock, and touches no other device."""

from __future__ import annotations

import pytest
import requests

from tests.faults.harness import sign_in, sign_out, signed_in_as, trust_and_sign_in, users_script

pytestmark = pytest.mark.postgres
WRONG = "not-the-password-at-all-1"


def is_locked_out(answer: requests.Response) -> bool:
    return answer.status_code == 400 and 'data-error-code="user_locked"' in answer.text


def test_a_device_lock_and_an_account_lock_survive_a_redis_restart(site, emails):
    ada = emails[0]
    site.shell(users_script(ada, lockout_max_attempts=5))
    device, other_device = site.browser(), site.browser()
    for browser in (device, other_device):
        trust_and_sign_in(browser, ada)
        sign_out(browser)
    for _ in range(5):
        sign_in(device, ada, WRONG)
    assert is_locked_out(sign_in(device, ada))  # the right password: the device's own lock
    stranger = site.browser()
    for _ in range(5):
        sign_in(stranger, ada, WRONG)
    assert is_locked_out(sign_in(stranger, ada))  # the account's lock (untrusted clients)

    site.kill_redis()
    site.start_redis()
    assert site.redis().dbsize() == 0  # every count is gone
    site.wait_healthy()

    assert is_locked_out(sign_in(device, ada))
    assert is_locked_out(sign_in(site.browser(), ada))  # any new device
    assert sign_in(other_device, ada).headers.get("Location") == "/"  # the owner's other device


def test_a_sign_in_in_progress_across_a_redis_restart_starts_again(site, emails):
    """A session that belongs to no one yet lives in Redis alone: after a restart the
    visitor is sent back to the first step (no error) and signs in; signed-in sessions are
    rows and stay signed in."""
    ada, bob = emails[0], emails[1]
    site.shell(users_script(ada, bob))
    signed_in = site.browser()
    trust_and_sign_in(signed_in, bob)
    halfway = site.browser()
    assert sign_in(halfway, ada).headers.get("Location") == "/sign-in/client-trust/"

    site.kill_redis()
    site.start_redis()
    site.wait_healthy()

    assert halfway.get("/sign-in/client-trust/").headers.get("Location") == "/sign-in/"
    trust_and_sign_in(halfway, ada)
    assert signed_in_as(halfway, ada)
    assert signed_in_as(signed_in, bob)
    log = site.processes.log("web")
    assert '" 500 ' not in log and "Traceback" not in log, log[-3000:]
