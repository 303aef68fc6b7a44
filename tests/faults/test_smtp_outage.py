"""The mail server hangs or refuses under a running site (gunicorn and the message worker,
production settings): no request waits on it, trusted sign-ins stay fast, and a code asked for
during a refusal arrives once the server is back. The refusal scenario is the deploy check's
own (deploy/check.py), run here against the fault tests' site."""

from __future__ import annotations

import sys

import pytest

import deploy.check as deploy_check
from tests.delivery.servers import HungServer, free_port
from tests.faults.harness import (
    sign_in,
    sign_out,
    signed_in_as,
    timed,
    trust_and_sign_in,
    users_script,
    wait_until,
)

pytestmark = pytest.mark.postgres


def test_a_hung_mail_server_leaves_every_request_fast(site, emails):
    ada = emails[0]
    newcomer = ada.replace("+clerk_test", "")  # a real address: its code is mailed
    site.shell(users_script(ada, newcomer))
    trusted = site.browser()
    trust_and_sign_in(trusted, ada)
    sign_out(trusted)
    hung = HungServer()
    try:
        site.start_worker(EMAIL_URL=f"smtp://127.0.0.1:{hung.port}", EMAIL_TIMEOUT="5")
        new_device = site.browser()
        asked, took = timed(lambda: sign_in(new_device, newcomer))
        # EMAIL_TIMEOUT=5: a send in the request would take 5 s or more.
        assert asked.headers.get("Location") == "/sign-in/client-trust/" and took < 4
        page, took = timed(lambda: new_device.get("/sign-in/client-trust/"))
        assert page.status_code == 200 and took < 4  # the code is queued, not sent here
        stuck = wait_until(lambda: "not delivered" in site.processes.log("worker"), 20)
        assert stuck is not None  # the worker waited EMAIL_TIMEOUT on the hung server
        for _ in range(5):
            answer, took = timed(lambda: sign_in(trusted, ada))
            assert answer.headers.get("Location") == "/" and took < 4, took
            assert signed_in_as(trusted, ada)
            sign_out(trusted)
    finally:
        hung.close()


def test_a_refusing_mail_server_delays_the_code_and_fails_no_request(site, tmp_path):
    site.shell(
        users_script(
            deploy_check.EMAIL,
            password=deploy_check.PASSWORD,
            test_mode=False,
            application_name=deploy_check.APPLICATION_NAME,
        )
    )
    smtp_port = free_port()
    smtp = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}"]
    smtp += ["-c", "aiosmtpd.handlers.Mailbox", str(tmp_path / "maildir")]
    site.processes.start("smtp", smtp, site.env)
    site.start_worker(EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}")
    deploy_check.failures.clear()
    deploy_check.check_sign_in_through_an_smtp_outage(
        site.processes, site.browser(), tmp_path / "maildir", smtp, site.env
    )
    assert deploy_check.failures == []
    log = site.processes.log("web")
    assert '" 500 ' not in log and "Traceback" not in log
