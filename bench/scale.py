"""`make scale-check`: two app hosts behind HAProxy, sharing one PostgreSQL database and one
Redis, on loopback; what two hosts give over one, what a host's death costs, and that every
shared state holds across hosts.

Topology (all started here, all stopped at the end):

    load generator (bench/load.py) --> HAProxy 127.0.0.1:<lb> (round robin, /healthz checks)
                                         |-- host a: gunicorn on 127.0.0.2:<port>
                                         `-- host b: gunicorn on 127.0.0.3:<port>
    both hosts --> PostgreSQL (a database of its own: authflows_scale_<pid>, dropped after)
               --> redis-server (its own process on a free port)

No stickiness: consecutive requests of one browser land on either host. For the cross-host
checks the balancer honours an `X-Scale-Host: a|b` header (a test-only rule in this
configuration) and answers which host served in `X-Served-By`, so a check can make a
session, a lock or a Dashboard change on one host and use it on the other.

Steps: pre-trust one browser per account (not measured); the cross-host checks; the
trusted-client password flow at the same concurrency with both hosts, then with host b
stopped; then with both hosts again, host b killed (SIGKILL, master and worker) mid-run.
HAProxy's log says which requests failed, on which host, and whether they were in flight
when the host died. Writes bench/results/scale.{json,md}. Two to three minutes; loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import html.parser
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import children, cpu_by_pid, cpu_spent  # noqa: E402
from deploy.check import Browser, Processes, free_port, wait_for_port, wait_until  # noqa: E402

PY = sys.executable
RESULTS = ROOT / "bench" / "results"
HOSTS = {"a": "127.0.0.2", "b": "127.0.0.3"}
TEST_CODE = "424242"  # test mode: +clerk_test addresses accept it
CHECK_PASSWORD = "scale-check-passphrase-correct-7"
ADMIN = "scale-admin+clerk_test@example.com"
MEMBER = "scale-member+clerk_test@example.com"
LOCKED = "scale-locked+clerk_test@example.com"
RATE_WINDOW = 10  # sign_in_start: 5 per 10 s per IP (the default)


# --- the processes ---------------------------------------------------------------------------


@contextlib.contextmanager
def own_database(admin_url: str) -> Iterator[str]:
    name = f"authflows_scale_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


HAPROXY = """global
    maxconn 4096
    log stdout format raw local0
defaults
    mode http
    log global
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
    # A connection refused is retried on the other host (a dead host refuses at once); a GET
    # that got no answer too. A POST that reached a host is never sent twice.
    retry-on conn-failure empty-response
    option forwardfor
frontend site
    bind 127.0.0.1:{lb_port}
    log-format "%Ts.%ms %s %ST %Ta %HM %HU"
    http-request disable-l7-retry if METH_POST
    default_backend hosts
backend hosts
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # A busy sync worker answers the probe late, not never: a generous timeout, so only a
    # host that refuses or stays silent is taken out (a dead one refuses at once).
    timeout check 10s
    default-server inter 1s fall 2 rise 2
    use-server a if {{ req.hdr(x-scale-host) -m str a }}
    use-server b if {{ req.hdr(x-scale-host) -m str b }}
    http-response set-header X-Served-By %s
    server a {a}:{port} check
    server b {b}:{port} check
"""


class Cluster:
    def __init__(self, tmp: Path, database_url: str, workers: int) -> None:
        self.tmp = tmp
        self.processes = Processes(tmp)
        self.redis_port, self.smtp_port = free_port(), free_port()
        self.web_port, self.lb_port = free_port(), free_port()
        self.lb = f"http://127.0.0.1:{self.lb_port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "authflows.settings",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback, as in `make bench`
            "BEHIND_TLS_PROXY": "true",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",  # the load generator's sink
            "TASK_BACKEND": "immediate",
            "TRUSTED_PROXY_COUNT": "2",  # each virtual user's address, then HAProxy's
            "STATIC_ROOT": str(tmp / "static"),
            "WEB_CONCURRENCY": str(workers),
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start_redis(self) -> None:
        argv = [shutil.which("redis-server") or "redis-server", "--port", str(self.redis_port)]
        argv += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.tmp)]
        self.processes.start("redis", argv, self.env)
        assert wait_for_port(self.redis_port), "redis-server did not start"

    def start_host(self, name: str) -> None:
        env = {**self.env, "BIND": f"{HOSTS[name]}:{self.web_port}"}
        argv = [PY, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"]
        self.processes.start(f"host-{name}", [*argv, "authflows.wsgi:application"], env)

    def kill_host(self, name: str) -> None:
        """SIGKILL to the master and its workers at once: the machine is gone."""
        process = self.processes.running.pop(f"host-{name}")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def host_pids(self) -> list[int]:
        """Every gunicorn process (master and workers) of the hosts running now."""
        masters = [p.pid for name, p in self.processes.running.items() if name.startswith("host-")]
        return [pid for master in masters for pid in (master, *children(master))]

    def measure(self, accounts: Path, **flow: Any) -> dict[str, Any]:
        """A load run, with the CPU the hosts spent per completed flow."""
        pids = self.host_pids()
        before = cpu_by_pid(pids)
        report = finish(run_load(self, accounts, **flow))
        spent = cpu_spent(before, cpu_by_pid(pids))
        report["site_cpu_ms_per_flow"] = round(spent / max(report["flows"], 1) * 1000, 1)
        return report

    def start_balancer(self) -> None:
        config = self.tmp / "haproxy.cfg"
        config.write_text(
            HAPROXY.format(lb_port=self.lb_port, port=self.web_port, a=HOSTS["a"], b=HOSTS["b"])
        )
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.processes.start("haproxy", [haproxy, "-db", "-f", str(config)], self.env)
        assert wait_for_port(self.lb_port), self.processes.log("haproxy")

    def serving(self) -> set[str]:
        """The hosts the balancer sends requests to now."""
        seen = set()
        for _ in range(8):
            with contextlib.suppress(requests.RequestException):
                answer = requests.get(f"{self.lb}/healthz", timeout=5)
                if answer.status_code == 200:
                    seen.add(answer.headers.get("X-Served-By", ""))
        return seen

    def wait_serving(self, hosts: set[str], seconds: float = 30) -> None:
        if wait_until(lambda: self.serving() == hosts, seconds, step=0.5) is None:
            raise SystemExit(f"the balancer did not settle on {sorted(hosts)}")

    def balancer_log(self) -> list[dict[str, Any]]:
        rows = []
        for line in self.processes.log("haproxy").splitlines():
            parts = line.split()
            if len(parts) >= 6 and re.fullmatch(r"\d+\.\d+", parts[0]):
                at, server, status, active, _method, path = parts[:6]
                rows.append({"at": float(at), "server": server.rpartition("/")[2],
                             "status": int(status), "ms": int(active), "path": path})  # fmt: skip
        return rows


# --- load ------------------------------------------------------------------------------------


def run_load(
    cluster: Cluster, accounts: Path, *, scenario: str, concurrency: int, seconds: float,
    max_flows: int = 100_000, warmup: float = 2.0,
) -> Load:  # fmt: skip
    command = [
        PY, str(ROOT / "bench" / "load.py"), "--port", str(cluster.lb_port),
        "--accounts", str(accounts), "--scenario", scenario, "--group", "trusted",
        "--concurrency", str(concurrency), "--seconds", str(seconds),
        "--max-flows", str(max_flows), "--warmup", str(warmup),
        "--smtp-port", str(cluster.smtp_port),
    ]  # fmt: skip
    return Load(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True))


@dataclass
class Load:
    """A running load generator, and how busy the machine had been when it started."""

    process: subprocess.Popen[str]
    busy_before: float = field(default_factory=lambda: busy_seconds())
    started: float = field(default_factory=time.monotonic)


def finish(load: Load) -> dict[str, Any]:
    before = load.busy_before
    out, _ = load.process.communicate(timeout=600)
    if load.process.returncode:
        raise SystemExit("the load generator failed")
    report = json.loads(out)
    cores, elapsed = os.cpu_count() or 1, time.monotonic() - load.started
    # How busy the whole machine was (everything here, and any neighbour) while it ran.
    report["machine_busy"] = round(min((busy_seconds() - before) / (elapsed * cores), 1.0), 2)
    return report


def busy_seconds() -> float:
    """CPU seconds the machine has spent busy, all cores (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


# --- cross-host checks -----------------------------------------------------------------------


class Pinned:
    """A browser (cookie jar, CSRF token from the form) whose requests the balancer sends to
    the host it names; each answer must come from that host."""

    def __init__(self, cluster: Cluster, ip: str) -> None:
        self.browser = Browser(cluster.lb)
        self.browser.session.headers["X-Forwarded-For"] = ip

    def on(self, host: str) -> Browser:
        self.browser.session.headers["X-Scale-Host"] = host
        return self.browser

    def served_by(self, answer: requests.Response, host: str) -> requests.Response:
        assert answer.headers.get("X-Served-By") == host, answer.headers.get("X-Served-By")
        return answer

    def get(self, host: str, path: str) -> requests.Response:
        return self.served_by(self.on(host).get(path), host)

    def submit(
        self, host: str, path: str, fields: dict[str, str], button: str | None = None
    ) -> requests.Response:
        # The form page comes from the same host as the post.
        return self.served_by(self.on(host).submit(path, fields, button), host)

    def sign_in(self, host: str, email: str, password: str = CHECK_PASSWORD) -> requests.Response:
        return self.submit(host, "/sign-in/", {"identifier": email, "password": password})

    def code(self, host: str) -> requests.Response:
        return self.submit(host, "/sign-in/client-trust/", {"code": TEST_CODE}, button="action")

    def sign_out(self, host: str) -> requests.Response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(host, "/").text)
        assert token, "no sign-out form"
        answer = self.browser.session.post(
            f"{self.browser.base}/sign-out/", data={"csrfmiddlewaretoken": token.group(1)},
            allow_redirects=False, timeout=15,
        )  # fmt: skip
        return self.served_by(self.browser._through_proxy(answer), host)


def check_sessions_and_trust(cluster: Cluster) -> list[dict[str, Any]]:
    user = Pinned(cluster, "198.51.100.10")
    password = user.sign_in("a", MEMBER)
    code = user.code("b")  # the sign-in attempt made on a, finished on b
    landed = user.get("a", "/")
    session = f"Signed in as <strong>{MEMBER}</strong>" in user.get("b", "/").text
    user.sign_out("b")
    again = user.sign_in("a", MEMBER)  # the browser b trusted, on a: no code asked
    return [
        result(
            "a session made on host a works on host b (password on a, code on b, pages on both)",
            password.headers.get("Location") == "/sign-in/client-trust/"
            and code.headers.get("Location") == "/"
            and "Signed in as" in landed.text
            and session,
        ),
        result(
            "client trust granted on host b skips the code on host a",
            again.headers.get("Location") == "/",
            f"{again.status_code} {again.headers.get('Location')}",
        ),
    ]


def check_lockout(cluster: Cluster) -> list[dict[str, Any]]:
    # 5 wrong passwords (the Dashboard's maximum here) from new devices on both hosts, each
    # from an address of its own (per-IP limits are another check), then the right one.
    for n, host in enumerate("aaabb"):
        Pinned(cluster, f"198.51.100.{20 + n}").sign_in(host, LOCKED, "not-the-password-1")
    refused = [
        Pinned(cluster, f"198.51.100.{30 + n}").sign_in(h, LOCKED) for n, h in enumerate("ab")
    ]
    return [
        result(
            "failures counted on both hosts lock the account; both hosts refuse it",
            all('data-error-code="user_locked"' in answer.text for answer in refused),
            ", ".join(str(answer.status_code) for answer in refused),
        )
    ]


def check_rate_limit(cluster: Cluster) -> list[dict[str, Any]]:
    visitor = Pinned(cluster, "198.51.100.50")
    visitor.get("a", "/sign-in/")
    time.sleep(RATE_WINDOW - time.time() % RATE_WINDOW + 0.05)  # a fresh window
    statuses = [
        visitor.sign_in(host, "nobody@example.com", "whatever-password-1").status_code
        for host in "ababab"
    ]
    return [
        result(
            "sign_in_start (5 per 10 s per IP) counted across hosts: the 6th post answers 429",
            statuses[:5].count(429) == 0 and statuses[5] == 429,
            " ".join(map(str, statuses)),
        )
    ]


def check_dashboard(cluster: Cluster) -> list[dict[str, Any]]:
    admin = Pinned(cluster, "198.51.100.40")
    admin.sign_in("a", ADMIN)
    admin.code("a")
    page = "/admin/authflows/instancesettings/1/change/"
    before = "or username" in Pinned(cluster, "198.51.100.41").get("b", "/sign-in/").text
    form = admin.get("a", page).text
    fields = {**admin_form(form), "username_sign_in": "on", "_save": "Save"}
    saved = admin.served_by(
        admin.on("a").session.post(
            f"{cluster.lb}{page}", data=fields, allow_redirects=False, timeout=15
        ),
        "a",
    )
    after = "or username" in Pinned(cluster, "198.51.100.42").get("b", "/sign-in/").text
    return [
        result(
            "a Dashboard change saved on host a shows on host b's next request",
            not before and saved.status_code == 302 and after,
            f"before {before}, saved {saved.status_code}, after {after}",
        )
    ]


class AdminForm(html.parser.HTMLParser):
    """The fields of the admin change form as a browser would post them, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id", "").endswith("_form"):
            self.inside = True
        if not self.inside or (not a.get("name") and tag != "option"):
            return
        if tag == "input" and a.get("type") not in {"submit", "checkbox"}:
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.fields[a["name"]] = a.get("value", "on")
        elif tag == "select":
            self.select = a["name"]
        elif (
            tag == "option" and self.select and ("selected" in a or self.select not in self.fields)
        ):
            self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def admin_form(page: str) -> dict[str, str]:
    parser = AdminForm()
    parser.feed(page)
    return parser.fields


def result(check: str, ok: bool, detail: str = "") -> dict[str, Any]:
    print(f"{'ok  ' if ok else 'FAIL'}  {check}{f'  ({detail})' if detail else ''}", flush=True)
    return {"check": check, "ok": bool(ok), "detail": detail}


# --- the run ---------------------------------------------------------------------------------


def prepare(cluster: Cluster, accounts: Path, count: int) -> None:
    cluster.start_redis()
    cluster.manage("migrate", "--noinput", "-v0")
    cluster.manage("collectstatic", "--noinput", "-v0")
    setup = subprocess.run(
        [PY, str(ROOT / "bench" / "setup_data.py"), json.dumps({"trusted": count})],
        cwd=ROOT, env=cluster.env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    accounts.write_text(setup.stdout)
    cluster.manage("shell", "-c", CHECK_USERS)


CHECK_USERS = f"""
from authflows.models import InstanceSettings, User
User.objects.create_superuser(email={ADMIN!r}, password={CHECK_PASSWORD!r})
for email in ({MEMBER!r}, {LOCKED!r}):
    User.objects.create_user(email=email, password={CHECK_PASSWORD!r})
row = InstanceSettings.load()
row.test_mode = True
row.lockout_max_attempts = 5
row.save()
"""


def failover(cluster: Cluster, accounts: Path, args: argparse.Namespace) -> dict[str, Any]:
    seconds = args.seconds * 2
    started = time.time()
    load = run_load(cluster, accounts, scenario="trusted", concurrency=args.concurrency,
                    seconds=seconds, warmup=0)  # fmt: skip
    time.sleep(seconds * 0.4)
    killed_at = time.time()
    cluster.kill_host("b")
    report = finish(load)
    marked_down = wait_until(lambda: cluster.serving() == {"a"}, 5, step=0.2)
    rows = [r for r in cluster.balancer_log() if r["at"] >= started]
    failed = [r for r in rows if r["status"] >= 500 and r["path"] != "/healthz"]
    # In flight: reached the balancer before the kill took effect (its processes take a few
    # milliseconds to die) and ended after it.
    dying = (killed_at - 0.05, killed_at + 0.05)
    in_flight = [r for r in failed if r["at"] <= dying[1] and r["at"] + r["ms"] / 1000 >= dying[0]]
    return {
        "killed_after_s": round(seconds * 0.4, 1),
        "load": report,
        "failed_requests": len(failed),
        "failed_on_host_b": sum(r["server"] == "b" for r in failed),
        "failed_in_flight_at_the_kill": len(in_flight),
        # When each failed request reached the balancer, in ms from the kill (negative: before).
        "failed_started_ms_from_the_kill": [round((r["at"] - killed_at) * 1000) for r in failed],
        "failed_statuses": sorted({r["status"] for r in failed}),
        "requests_after_the_kill_served_by_a": sum(
            r["server"] == "a" and r["at"] > killed_at and r["status"] < 500 for r in rows
        ),
        "balancer_serving_only_a": marked_down is not None,
    }


def run(args: argparse.Namespace, tmp: Path, database_url: str) -> dict[str, Any]:
    cluster = Cluster(tmp, database_url, args.workers)
    accounts = tmp / "accounts.json"
    try:
        print("== database, Redis, users", flush=True)
        prepare(cluster, accounts, args.accounts)
        print("== two hosts behind HAProxy", flush=True)
        cluster.start_host("a")
        cluster.start_host("b")
        cluster.start_balancer()
        cluster.wait_serving({"a", "b"})
        print("== pre-trusting one browser per account (not measured)", flush=True)
        pre = finish(run_load(cluster, accounts, scenario="email", concurrency=8,
                              seconds=120, max_flows=args.accounts, warmup=0))  # fmt: skip
        if pre["errors"] or pre["flows"] != args.accounts:
            raise SystemExit(f"pre-trust failed: {pre['errors']}")
        print("== state shared across hosts", flush=True)
        checks = check_sessions_and_trust(cluster) + check_lockout(cluster)
        checks += check_rate_limit(cluster) + check_dashboard(cluster)
        print("== throughput: two hosts", flush=True)
        flow = {"scenario": "trusted", "concurrency": args.concurrency, "seconds": args.seconds}
        two = cluster.measure(accounts, **flow)
        print(f"   {two['flows_per_s']} flows/s, errors {two['errors']}", flush=True)
        print("== throughput: one host (b stopped)", flush=True)
        cluster.processes.stop("host-b")
        cluster.wait_serving({"a"})
        one = cluster.measure(accounts, **flow)
        print(f"   {one['flows_per_s']} flows/s, errors {one['errors']}", flush=True)
        print("== host b back, then killed mid-run", flush=True)
        cluster.start_host("b")
        cluster.wait_serving({"a", "b"})
        lost = failover(cluster, accounts, args)
        print(f"   {json.dumps({k: v for k, v in lost.items() if k != 'load'})}", flush=True)
    except BaseException:
        for name in ("host-a", "host-b", "haproxy", "redis"):
            print(f"--- {name} log (last lines) ---\n{cluster.processes.log(name)[-3000:]}")
        raise
    finally:
        cluster.processes.stop_all()
    return {
        "machine": {"cores": os.cpu_count()},
        "topology": {
            "balancer": "HAProxy (round robin, GET /healthz every 1 s, out after 2 failures)",
            "hosts": {
                name: f"{ip}, gunicorn {args.workers} sync worker(s)" for name, ip in HOSTS.items()
            },
            "shared": "one PostgreSQL database, one redis-server",
        },
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "two_hosts": two,
        "one_host": one,
        "scaling": round(two["flows_per_s"] / max(one["flows_per_s"], 0.01), 2),
        "failover": lost,
        "checks": checks,
    }


def markdown(results: dict[str, Any]) -> str:
    two, one, lost = results["two_hosts"], results["one_host"], results["failover"]
    errors = sum(lost["load"]["errors"].values())
    reasons = ", ".join(f"{k}: {v}" for k, v in lost["load"]["errors"].items())
    lines = [
        f"Two app hosts ({', '.join(results['topology']['hosts'].values())}) behind "
        f"{results['topology']['balancer']}; {results['topology']['shared']}; "
        f"{results['machine']['cores']} cores shared by everything (hosts, balancer, "
        "PostgreSQL, Redis, load generator).",
        "",
        f"Trusted-client password sign-in, {results['concurrency']} virtual users, "
        f"{results['seconds']:.0f} s per run, through the balancer:",
        "",
        "| hosts | flows/s | errors | p50 / p95 per step (ms) | hosts' CPU per flow | "
        "machine CPU busy |",
        "| --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for label, run in (("two", two), ("one (b stopped)", one)):
        steps = "; ".join(
            f"{n} {s['p50_ms']:.0f}/{s['p95_ms']:.0f}" for n, s in run["steps"].items()
        )
        lines.append(
            f"| {label} | {run['flows_per_s']:.1f} | {sum(run['errors'].values())} | {steps} "
            f"| {run['site_cpu_ms_per_flow']:.1f} ms | {run['machine_busy']:.0%} |"
        )
    lines += [
        "",
        f"Two hosts give **{results['scaling']}x** one host's throughput.",
        "",
        f"Host b killed (SIGKILL, master and worker) {lost['killed_after_s']} s into a "
        f"{results['seconds'] * 2:.0f} s run: {lost['load']['flows']} flows completed, "
        f"{errors} failed ({reasons or 'none'}). The balancer answered "
        f"{lost['failed_requests']} request(s) with an error "
        f"(HTTP {', '.join(map(str, lost['failed_statuses'])) or '-'}), "
        f"{lost['failed_on_host_b']} of them on host b, arriving at "
        f"{', '.join(f'{ms:+d}' for ms in lost['failed_started_ms_from_the_kill'])} ms from the "
        f"kill ({lost['failed_in_flight_at_the_kill']} still in flight when it came); host a "
        f"served {lost['requests_after_the_kill_served_by_a']} requests after the kill. "
        + ("The balancer then sent everything to host a." if lost["balancer_serving_only_a"]
           else "The balancer had not yet marked host b down."),
        "",
        "| shared across hosts | held |",
        "| --- | :---: |",
    ]  # fmt: skip
    lines += [f"| {c['check']} | {'yes' if c['ok'] else 'NO'} |" for c in results["checks"]]
    lines += ["", f"Whole run: {results['total_seconds']} s. Reproduce: `make scale-check`.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0, help="per throughput run")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per host")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--output", default=str(RESULTS / "scale"))
    args = parser.parse_args()
    assert "127.0.0.1" in args.postgres, "loopback only"
    for program in ("haproxy", "redis-server"):
        if not shutil.which(program) and not Path(f"/usr/sbin/{program}").exists():
            raise SystemExit(f"{program} is missing: apt-get install {program.split('-')[0]}")
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="authflows-scale-") as temp,
        own_database(args.postgres) as database_url,
    ):
        results = run(args, Path(temp), database_url)
    results["total_seconds"] = round(time.monotonic() - started, 1)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    output.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))
    if not all(c["ok"] for c in results["checks"]):
        raise SystemExit("a cross-host check failed")


if __name__ == "__main__":
    main()
