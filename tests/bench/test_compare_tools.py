"""The side-by-side comparison's own arithmetic and parsing, checked without timing anything:
flowload's report read into one repetition's figures, the per-pair ratios and their median,
the CPU-per-flow target, statements counted as the test suite counts them, and the users file
handed to the peer's load generator."""

from __future__ import annotations

import base64
import http.cookiejar
import json
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import compare
import flowload_loopback
import overhead
import run

from tests import conftest

FLOWLOAD_REPORT = {  # the keys flowload.py writes with --out (values of a short run)
    "flow": "authflows-password-trusted",
    "flows_started_incl_warmup": 250,
    "flows_ok": 200,
    "flows_failed": 1,
    "flows_per_s": 40.0,
    "errors": {"get_home: status 500 at /": 1},
    "error_count": 1,
    "flow_latency": {"count": 200, "p50_ms": 180.5, "p95_ms": 320.0},
    "user_pool": {"size": 400, "cooldown_s": 0, "waits": 0, "wait_s": 0.0},
    "totp_guard_waits": 0,
    "loadgen_cpu_s": 2.5,
}


def rep(site: str, rep: int, flows_per_s: float, server_ms: float = 30.0) -> dict:
    return {
        "site": site,
        "flow": "trusted",
        "rep": rep,
        "flows_per_s": flows_per_s,
        "error_count": 0,
        "server_cpu_ms_per_flow": server_ms,
        "worker_cpu_ms_per_flow": 0.5 if site == compare.AUTHFLOWS else 0.0,
        "db_cpu_ms_per_flow": 2.0,
        "cache_cpu_ms_per_flow": None,
        "other_cpu_share": 0.1,
        "flow_p50_ms": 100.0,
    }


def test_repetitions_alternate_the_sites_within_each_flow():
    assert compare.order(2, ["trusted", "totp"]) == [
        ("trusted", 0, "authflows"),
        ("trusted", 0, "allauth"),
        ("trusted", 1, "authflows"),
        ("trusted", 1, "allauth"),
        ("totp", 0, "authflows"),
        ("totp", 0, "allauth"),
        ("totp", 1, "authflows"),
        ("totp", 1, "allauth"),
    ]


def test_a_repetition_from_flowload_report_and_cpu_seconds():
    spent = {"server": 7.5, "worker": 0.25, "database": 0.5, "cache": 0.25}
    r = compare.record(FLOWLOAD_REPORT, spent, busy=20.0, site="authflows", flow="trusted", rep=3)
    assert r["flows_per_s"] == 40.0 and r["flows_ok"] == 200 and r["error_count"] == 1
    # CPU over every flow flowload started, warm-up included: 7.75 s / 250 flows
    assert r["server_cpu_ms_per_flow"] == 31.0
    assert r["worker_cpu_ms_per_flow"] == 1.0
    assert r["db_cpu_ms_per_flow"] == 2.0
    assert r["cache_cpu_ms_per_flow"] == 1.0
    assert r["load_cpu_ms_per_flow"] == 10.0
    # 20 s busy, 11 s of it ours (site, worker, database, cache, load generator)
    assert r["other_cpu_share"] == 0.45
    shared_cache = compare.record(FLOWLOAD_REPORT, spent, busy=20.0, site="allauth",
                                  flow="trusted", rep=3, cache_measured=False)  # fmt: skip
    assert shared_cache["cache_cpu_ms_per_flow"] is None


def test_pair_ratios_and_their_median():
    reps = [
        rep("authflows", 0, 60.0),
        rep("allauth", 0, 40.0),
        rep("authflows", 1, 30.0),
        rep("allauth", 1, 30.0),
        rep("authflows", 2, 45.0),
        rep("allauth", 2, 30.0),
        rep("authflows", 3, 50.0),  # its pair never ran: not a ratio
        rep("authflows", 4, 50.0),
        rep("allauth", 4, 0.0),  # allauth completed nothing: no ratio either
    ]
    assert compare.pair_ratios(reps) == [1.5, 1.0, 1.5]
    summary = compare.summarize(reps, verification_cpu_ms=20.0)["trusted"]
    assert summary["ratio_median"] == 1.5
    assert summary["sites"]["authflows"]["flows_per_s_median"] == 50.0
    assert summary["sites"]["allauth"]["flows_per_s_median"] == 30.0
    assert summary["sites"]["authflows"]["server_cpu_in_verifications"] == 1.5
    # the median of the pairs, not the ratio of the medians (50 / 30)
    assert summary["ratio_median"] != round(50.0 / 30.0, 3)


def test_targets_met_missed_and_not_run():
    not_run = compare.targets({"status": "not run", "reason": "the allauth peer is missing"})
    assert [c["met"] for c in not_run] == [None, None]
    assert all("the allauth peer is missing" in c["value"] for c in not_run)
    assert "not run" in run.markdown_row(not_run[0])
    flows = {"trusted": {"ratio_median": 1.31}, "totp": {"ratio_median": 1.1}}
    ran = {"status": "run", "flows": flows}
    assert [c["met"] for c in compare.targets(ran)] == [True, False]
    only_trusted = {"status": "run", "flows": {"trusted": {"ratio_median": 1.4}}}
    assert [c["met"] for c in compare.targets(only_trusted)] == [True, None]


def test_figures_from_a_busy_machine_are_flagged():
    sites = {
        "authflows": {"other_cpu_share_median": 0.1},
        "allauth": {"other_cpu_share_median": 0.6},
    }
    busy = {"status": "run", "flows": {"trusted": {"ratio_median": 1.5, "sites": sites}}}
    check = compare.targets(busy)[0]
    assert check["met"] is True
    assert "60%" in check["note"] and "not conclusive" in run.markdown_row(check)
    quiet = compare.with_noise(compare.cpu_target(25.0, 20.0, "runs"), 0.05)
    assert "note" not in quiet and "not conclusive" not in run.markdown_row(quiet)


def test_cpu_per_flow_target_against_one_verification():
    met = compare.cpu_target(25.0, 20.0, "side-by-side runs")
    assert met["value"] == 1.25 and met["met"] is True
    missed = compare.cpu_target(35.0, 20.0, "side-by-side runs")
    assert missed["value"] == 1.75 and missed["met"] is False
    unmeasured = compare.cpu_target(None, 20.0, "no trusted sign-in run")
    assert unmeasured["met"] is None


def test_comparison_not_run_or_failed_is_said_not_faked():
    lines = compare.markdown({"status": "not run", "reason": "--no-compare"}, None)
    assert lines == ["Side by side with django-allauth: **not run** (--no-compare)."]
    failed = {"status": "failed", "reason": "flowload wrote no report (allauth, totp):"}
    assert "**failed**" in compare.markdown(failed, None)[0]
    assert [c["met"] for c in compare.targets(failed)] == [None, None]
    assert all(c["value"].startswith("failed: flowload") for c in compare.targets(failed))


def test_statements_counted_as_the_test_suite_counts_them():
    queries = [
        {"sql": "BEGIN"},
        {"sql": 'SAVEPOINT "s1_x"'},
        {"sql": 'SELECT "authflows_user"."id" FROM "authflows_user"'},
        {"sql": 'RELEASE SAVEPOINT "s1_x"'},
        {"sql": 'INSERT INTO "django_tasks_db_dbtaskresult" VALUES (1)'},
        {"sql": "  commit"},
        {"sql": "ROLLBACK"},
    ]
    assert overhead.data_statements(queries) == conftest.data_statements(queries)
    assert len(overhead.data_statements(queries)) == 2


def test_rate_limits_raised_out_of_reach_keep_their_windows():
    value = run.limits_out_of_reach({"sign_in_start": 10, "factor_attempt": 10, "code_send": 60})
    assert value == (
        "code_send=1000000000/60;factor_attempt=1000000000/10;sign_in_start=1000000000/10"
    )


def test_users_file_for_the_peer_flows(tmp_path):
    key = "3132333435363738393031323334353637383930"
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({
        "password": "pw",
        "users": {
            "trusted": [{"email": "trusted0@bench.example", "client": "abc"}],
            "cmptotp": [{"email": "cmptotp0@bench.example", "totp_key": key}],
        },
    }))  # fmt: skip
    out = tmp_path / "authflows-users.json"
    run.flowload_users(accounts, out)
    users = json.loads(out.read_text())
    assert users["trusted"] == [
        {"email": "trusted0@bench.example", "password": "pw", "client": "abc"}
    ]
    secret = users["totp"][0]["totp_secret"]
    # flowload's base32 secret is the site device's hex key
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == bytes.fromhex(key)
    assert users["totp"][0]["email"] == "cmptotp0@bench.example"


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("http://127.0.0.1:8000/", True),
        ("https://example.com/", True),
        ("http://example.com/", False),
    ],
)
def test_secure_cookies_are_sent_on_loopback_or_https_only(url, sent, monkeypatch):
    assert flowload_loopback.is_loopback("http://localhost:8000/")
    assert flowload_loopback.is_loopback("http://[::1]:8000/")
    monkeypatch.setattr(
        http.cookiejar.DefaultCookiePolicy, "return_ok_secure", flowload_loopback.return_ok_secure
    )
    jar = http.cookiejar.CookieJar()
    host = url.split("/")[2].split(":")[0]
    cookie = http.cookiejar.Cookie(
        0, "sessionid", "s3cret", None, False, host, False, False, "/", False, True,
        None, False, None, None, {},
    )  # fmt: skip
    jar.set_cookie(cookie)
    request = urllib.request.Request(url)
    jar.add_cookie_header(request)
    assert (request.get_header("Cookie") == "sessionid=s3cret") is sent
