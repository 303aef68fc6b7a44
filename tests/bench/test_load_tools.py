"""The benchmark's own tools, checked without timing anything: the SMTP sink reads the code
Django's SMTP backend sends, TOTP codes respect the once-per-step rule, stacks summarise."""

from __future__ import annotations

import base64
import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import pyotp
import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import load
import pyspy_summary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_smtp_sink_reads_the_code_of_each_address():
    port = free_port()
    sink = load.Mailbox(port)
    try:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port
        )
        for to, code in (("a@bench.example", "123456"), ("b@bench.example", "654321")):
            EmailMessage(f"{code} is your code", f"Code:\n\n    {code}\n", to=[to],
                         connection=connection).send()  # fmt: skip
        EmailMessage("New sign-in", "From 127.0.0.1 at 12:00", to=["a@bench.example"],
                     connection=connection).send()  # fmt: skip
        # As the task worker sends codes: plain text beside an HTML alternative.
        html = EmailMultiAlternatives("111222 is your code", "Code:\n\n    111222\n",
                                      to=["c@bench.example"], connection=connection)  # fmt: skip
        html.attach_alternative("<p>Your code: <b>111222</b></p>", "text/html")
        html.send()
        assert sink.code_for("b@bench.example", timeout=5) == "654321"
        assert sink.code_for("a@bench.example", timeout=5) == "123456"
        assert sink.code_for("c@bench.example", timeout=5) == "111222"
        assert sink.received == 4
        with pytest.raises(load.FlowFailed):
            sink.code_for("a@bench.example", timeout=0.2)  # each code is read once
    finally:
        sink.shutdown()
        sink.server_close()


def test_totp_codes_never_reuse_a_step(monkeypatch):
    monkeypatch.setattr(load, "time", SimpleNamespace(time=lambda: 30 * 1000 + 7))
    account = {"totp_key": "3132333435363738393031323334353637383930"}
    authenticator = pyotp.TOTP(base64.b32encode(bytes.fromhex(account["totp_key"])).decode())
    assert load.totp_code(account) == authenticator.at(30 * 1000)
    assert load.totp_code(account) == authenticator.at(30 * 1001)  # the next step: +1 tolerance
    with pytest.raises(load.FlowFailed):
        load.totp_code(account)  # a third code in this step would be refused by the server


def test_percentiles():
    summary = load.summarize([i / 1000 for i in range(1, 101)])
    assert summary == {"n": 100, "p50_ms": 51.0, "p95_ms": 96.0, "p99_ms": 100.0}


def test_profile_summary_by_layer(tmp_path):
    stacks = tmp_path / "stacks.txt"
    stacks.write_text(
        "run (gunicorn/workers/sync.py:1);__call__ (authflows/middleware.py:30);"
        "verify (nacl/pwhash/argon2id.py:2) 4\n"
        "run (gunicorn/workers/sync.py:1);__call__ (authflows/middleware.py:30);"
        "verify (argon2/_password_hasher.py:2) 2\n"
        "run (gunicorn/workers/sync.py:1);__call__ (authflows/middleware.py:30);"
        "execute (psycopg/cursor.py:3) 4\n"
        "run (gunicorn/workers/sync.py:1);process_response (csp/middleware.py:5);"
        "deepcopy (copy.py:9) 6\n"  # the standard library's frame counts for its caller
        "run (gunicorn/workers/sync.py:1);parse (gunicorn/http/message.py:7) 4\n"
        "run (gunicorn/workers/sync.py:1);render (django/template/base.py:9);<lambda> (\n"
    )
    text = pyspy_summary.summarize([stacks])
    assert "30.0%  password hashing (libsodium through PyNaCl, argon2-cffi)" in text
    assert "20.0%  database driver" in text
    assert "30.0%  Django and other middleware" in text  # not gunicorn, an outer frame
    assert "20.0%  gunicorn" in text
    assert "50.0%  __call__ (middleware.py)" in text
