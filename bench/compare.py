"""authflows against the allauth peer, side by side in one run, on the same terms.

Both sites are up at once (each with its own database and Redis database); one load
generator, the peer's flowload.py (through flowload_loopback.py, which sends Secure cookies on
loopback as browsers do), drives one of them at a time with the same concurrency,
duration and warm-up, in interleaved repetitions (authflows, allauth, authflows, allauth ...)
so that noise from the rest of the machine hits both. For each repetition it reads the CPU
time of each site's server processes (gunicorn master and workers; for authflows also its
task worker), of its PostgreSQL connections and of the benchmark's own Redis.

The figures that matter: the median over repetitions of the per-pair ratio (authflows'
flows/s over allauth's in the same pair), and each site's server CPU per flow next to one
Argon2 verification's CPU measured in the same run.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import processes

AUTHFLOWS, ALLAUTH = "authflows", "allauth"
#: flowload.py run as a browser on loopback (Secure cookies sent over http://127.0.0.1).
LOOPBACK = Path(__file__).resolve().parent / "flowload_loopback.py"
#: The two flows compared: the flow files of ../shared/bench/allauth-peer/flows/.
FLOWS = {
    "trusted": {
        "label": "password sign-in, trusted device",
        AUTHFLOWS: "authflows-trusted.json",
        ALLAUTH: "password.json",
    },
    "totp": {"label": "password + TOTP", AUTHFLOWS: "authflows-totp.json", ALLAUTH: "totp.json"},
}
#: Both sites accept a TOTP code one step either side, so neither load generator waits for a
#: fresh period before typing a code (the peer's flow file waits when it is nearly over).
NO_TOTP_WAIT = {"secret_field": "totp_secret", "digits": 6, "period": 30, "min_remaining_s": 0}
TARGET_RATIO = 1.3
TARGET_CPU_PER_VERIFICATION = 1.3
#: Above this share of the machine's CPU taken by other programs, a figure is flagged.
NOISY_SHARE = 0.25


@dataclass
class Site:
    name: str
    port: int
    server_pids: Callable[[], list[int]]  # gunicorn master and workers
    worker_pids: Callable[[], list[int]]  # the task worker (authflows), or none
    database_url: str
    flow_sets: dict[str, list[str]] = field(default_factory=dict)  # flow -> flowload --set


@dataclass
class Settings:
    python: str  # the interpreter that runs flowload.py (the peer's venv: it has httpx)
    flowload: Path
    flows_dir: Path
    env: dict[str, str]  # BENCH_DATA_DIR and PERF_BAR_DIR: where the users files are
    concurrency: int
    seconds: float
    warmup: float
    reps: int
    out_dir: Path
    cache_pids: list[int]  # the benchmark's own redis-server, or [] (a shared one)


def order(reps: int, flows: list[str]) -> list[tuple[str, int, str]]:
    """(flow, repetition, site): per flow A, B, A, B ... so each pair runs back to back."""
    return [
        (flow, rep, site) for flow in flows for rep in range(reps) for site in (AUTHFLOWS, ALLAUTH)
    ]


def flowload_argv(settings: Settings, site: Site, flow: str, rep: int, offset: int) -> list[str]:
    out = settings.out_dir / f"{flow}-{site.name}-{rep}.json"
    argv = [
        settings.python,
        str(LOOPBACK),
        str(settings.flowload),
        "--flow",
        str(settings.flows_dir / FLOWS[flow][site.name]),
        "--base-url",
        f"http://127.0.0.1:{site.port}",
        "--concurrency",
        str(settings.concurrency),
        "--duration",
        str(settings.seconds),
        "--warmup",
        str(settings.warmup),
        "--timeout",
        "60",
        "--user-offset",
        str(offset),
        "--label",
        f"{site.name} #{rep + 1}",
        "--out",
        str(out),
    ]
    for value in site.flow_sets.get(flow, []):
        argv += ["--set", value]
    return argv


def run_rep(settings: Settings, site: Site, flow: str, rep: int, offset: int) -> dict:
    """One flowload run against one site, with the CPU each part of the system spent."""
    argv = flowload_argv(settings, site, flow, rep, offset)
    out = Path(argv[argv.index("--out") + 1])
    out.unlink(missing_ok=True)
    server, worker = site.server_pids(), site.worker_pids()
    database = processes.database_backends(site.database_url)
    before = {
        "server": processes.cpu_by_pid(server),
        "worker": processes.cpu_by_pid(worker),
        "database": processes.cpu_by_pid(database),
        "cache": processes.cpu_by_pid(settings.cache_pids),
    }
    busy_before = processes.machine_busy_seconds()
    timeout = settings.warmup + settings.seconds + 180
    done = subprocess.run(argv, env=settings.env, capture_output=True, text=True, timeout=timeout)
    busy = processes.machine_busy_seconds() - busy_before
    database = sorted(set(database) | set(processes.database_backends(site.database_url)))
    spent = {
        "server": processes.cpu_spent(before["server"], processes.cpu_by_pid(server)),
        "worker": processes.cpu_spent(before["worker"], processes.cpu_by_pid(worker)),
        "database": processes.cpu_spent(before["database"], processes.cpu_by_pid(database)),
        "cache": processes.cpu_spent(before["cache"], processes.cpu_by_pid(settings.cache_pids)),
    }
    if not out.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"flowload wrote no report ({site.name}, {flow}): {last}")
    report = json.loads(out.read_text())
    return record(
        report,
        spent,
        busy,
        site=site.name,
        flow=flow,
        rep=rep,
        cache_measured=bool(settings.cache_pids),
    )


def record(
    report: dict,
    spent: dict[str, float],
    busy: float,
    *,
    site: str,
    flow: str,
    rep: int,
    cache_measured: bool = True,
) -> dict:
    """One repetition's figures from flowload's JSON report and the CPU seconds spent by the
    site's server processes, task worker, database connections and cache meanwhile. CPU is read
    around the whole flowload process, so it is divided by every flow it started (warm-up
    included), and flows/s is flowload's own, over its measured window."""
    flows = max(int(report["flows_started_incl_warmup"]), 1)

    def per_flow(seconds: float) -> float:
        return round(seconds / flows * 1000, 2)

    load_cpu = float(report["loadgen_cpu_s"])
    ours = spent["server"] + spent["worker"] + spent["database"] + spent["cache"] + load_cpu
    return {
        "site": site,
        "flow": flow,
        "rep": rep,
        "flows_per_s": float(report["flows_per_s"]),
        "flows_ok": int(report["flows_ok"]),
        "flows_started": int(report["flows_started_incl_warmup"]),
        "errors": dict(report.get("errors") or {}),
        "error_count": int(report.get("error_count") or 0),
        "flow_p50_ms": report["flow_latency"]["p50_ms"],
        "flow_p95_ms": report["flow_latency"]["p95_ms"],
        # the site's whole server side: gunicorn plus, for authflows, the task worker
        "server_cpu_ms_per_flow": per_flow(spent["server"] + spent["worker"]),
        "worker_cpu_ms_per_flow": per_flow(spent["worker"]),
        "db_cpu_ms_per_flow": per_flow(spent["database"]),
        "cache_cpu_ms_per_flow": per_flow(spent["cache"]) if cache_measured else None,
        "load_cpu_ms_per_flow": per_flow(load_cpu),
        "user_pool_waits": int(report.get("user_pool", {}).get("waits", 0)),
        "totp_guard_waits": int(report.get("totp_guard_waits", 0)),
        # CPU the rest of the machine took meanwhile: a noisy neighbour shows here
        "other_cpu_share": round(max(busy - ours, 0.0) / busy, 3) if busy > 0 else 0.0,
    }


def pair_ratios(reps: list[dict]) -> list[float]:
    """authflows' flows/s over allauth's, per repetition in which both ran and allauth
    completed flows."""
    by_rep: dict[int, dict[str, float]] = {}
    for r in reps:
        by_rep.setdefault(r["rep"], {})[r["site"]] = r["flows_per_s"]
    return [
        round(pair[AUTHFLOWS] / pair[ALLAUTH], 3)
        for _, pair in sorted(by_rep.items())
        if AUTHFLOWS in pair and pair.get(ALLAUTH, 0) > 0
    ]


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def summarize(reps: list[dict], verification_cpu_ms: float | None) -> dict:
    """Per flow: each site's median flows/s and CPU per flow over its repetitions, the ratios
    of the pairs and their median, and server CPU per flow in verifications."""
    flows: dict[str, dict] = {}
    for flow in dict.fromkeys(r["flow"] for r in reps):
        mine = [r for r in reps if r["flow"] == flow]
        sites = {}
        for site in (AUTHFLOWS, ALLAUTH):
            runs = [r for r in mine if r["site"] == site]
            if not runs:
                continue
            server = median([r["server_cpu_ms_per_flow"] for r in runs])
            caches = [
                r["cache_cpu_ms_per_flow"] for r in runs if r["cache_cpu_ms_per_flow"] is not None
            ]
            sites[site] = {
                "reps": len(runs),
                "flows_per_s_median": median([r["flows_per_s"] for r in runs]),
                "flows_per_s": [r["flows_per_s"] for r in runs],
                "errors": sum(r["error_count"] for r in runs),
                "server_cpu_ms_per_flow_median": server,
                "worker_cpu_ms_per_flow_median": median(
                    [r["worker_cpu_ms_per_flow"] for r in runs]
                ),
                "db_cpu_ms_per_flow_median": median([r["db_cpu_ms_per_flow"] for r in runs]),
                "cache_cpu_ms_per_flow_median": median(caches),
                "server_cpu_in_verifications": (
                    round(server / verification_cpu_ms, 3)
                    if server is not None and verification_cpu_ms
                    else None
                ),
                "other_cpu_share_median": median([r["other_cpu_share"] for r in runs]),
                "flow_p50_ms_median": median(
                    [r["flow_p50_ms"] for r in runs if r["flow_p50_ms"] is not None]
                ),
            }
        ratios = pair_ratios(mine)
        flows[flow] = {
            "label": FLOWS.get(flow, {}).get("label", flow),
            "sites": sites,
            "pair_ratios": ratios,
            "ratio_median": median(ratios),
        }
    return flows


def targets(comparison: dict) -> list[dict]:
    """The throughput target: >= 1.3x allauth's flows/s on each flow (median of the pair
    ratios). A comparison that did not run is reported so, never as met or missed."""
    ran = comparison.get("status") == "run"
    checks = []
    for flow, spec in FLOWS.items():
        target = f"{spec['label']}: >= {TARGET_RATIO}x allauth's flows/s (median of pair ratios)"
        value = comparison["flows"].get(flow, {}).get("ratio_median") if ran else None
        if value is None:
            status = "not run" if ran else comparison.get("status") or "not run"
            reason = "not in this run" if ran else comparison.get("reason") or status
            checks.append({"target": target, "value": f"{status}: {reason}", "met": None})
        else:
            check = {"target": target, "value": value, "met": value >= TARGET_RATIO}
            sites = comparison["flows"][flow].get("sites", {}).values()
            other = max((site["other_cpu_share_median"] for site in sites), default=0.0)
            checks.append(with_noise(check, other))
    return checks


def with_noise(check: dict, other_share: float | None) -> dict:
    """Marks a figure measured while other programs took much of the machine."""
    if other_share is not None and other_share > NOISY_SHARE:
        check["note"] = f"other programs took {other_share:.0%} of the CPU: not conclusive"
    return check


def cpu_target(server_cpu_ms: float | None, verification_cpu_ms: float | None, source: str) -> dict:
    ratio = (
        round(server_cpu_ms / verification_cpu_ms, 3)
        if server_cpu_ms is not None and verification_cpu_ms
        else None
    )
    return {
        "target": f"authflows server CPU per trusted password sign-in <= "
        f"{TARGET_CPU_PER_VERIFICATION}x one verification ({source})",
        "value": ratio if ratio is not None else "not measured",
        "server_cpu_ms": server_cpu_ms,
        "verification_cpu_ms": verification_cpu_ms,
        "met": None if ratio is None else ratio <= TARGET_CPU_PER_VERIFICATION,
    }


def run(settings: Settings, sites: dict[str, Site], flows: list[str]) -> list[dict]:
    """All repetitions, interleaved. Each site's users are taken round-robin where its
    previous run of the flow stopped, so a TOTP account rests between uses across runs too."""
    offsets: dict[tuple[str, str], int] = {}
    reps = []
    for flow, rep, name in order(settings.reps, flows):
        offset = offsets.get((flow, name), 0)
        r = run_rep(settings, sites[name], flow, rep, offset)
        offsets[(flow, name)] = offset + r["flows_started"]
        reps.append(r)
        print(
            f"   {flow:8} #{rep + 1} {name:9} {r['flows_per_s']:7.1f} flows/s  server CPU "
            f"{r['server_cpu_ms_per_flow']:6.1f} ms/flow  errors={r['error_count']}  other "
            f"programs' CPU {r['other_cpu_share']:.0%}",
            flush=True,
        )
    return reps


def markdown(comparison: dict, verification: dict | None) -> list[str]:
    """The comparison table, or the reason it was not run."""
    if comparison.get("status") != "run":
        status = comparison.get("status") or "not run"
        return [f"Side by side with django-allauth: **{status}** ({comparison.get('reason')})."]
    s = comparison["settings"]
    v = "not measured"
    if verification:
        alone = verification.get("one_process_median", {}).get("verify_cpu_ms_median")
        theirs = verification.get("peer_cpu_ms")
        v = (
            f"{verification['cpu_ms']} ms CPU through authflows' verifier "
            f"({verification.get('verifier') or 'as chosen'}) with every core verifying at once"
            + (f"; {theirs} ms through allauth's (argon2-cffi from PyPI's wheel)" if theirs else "")
            + (f"; {alone} ms through allauth's in one process alone" if alone else "")
        )
    lines = [
        f"Side by side with django-allauth {comparison.get('allauth_version', '')} (same Argon2 "
        f"parameters, PostgreSQL and Redis in own databases, gunicorn {s['workers']} sync "
        f"workers each, flowload at {s['concurrency']} concurrent users, {s['seconds']:g} s "
        f"measured after {s['warmup']:g} s warm-up, {s['reps']} interleaved repetitions "
        f"per flow; allauth's rate limits off, authflows' raised out of reach). One Argon2 "
        f"verification, measured in the same run: {v}.",
        "",
        "| flow | site | flows/s (median) | per-pair ratio (median) | server CPU ms/flow "
        "| in verifications | db / cache CPU ms/flow | errors | other programs' CPU |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for flow in comparison["flows"].values():
        for name, site in flow["sites"].items():
            ratio = ""
            if name == AUTHFLOWS and flow["ratio_median"] is not None:
                ratio = f"**{flow['ratio_median']:.2f}x** ({numbers(flow['pair_ratios'], 2)})"
            server = number(site["server_cpu_ms_per_flow_median"])
            if name == AUTHFLOWS and site["worker_cpu_ms_per_flow_median"]:
                server += f" (task worker {number(site['worker_cpu_ms_per_flow_median'])})"
            lines.append(
                f"| {flow['label']} | {name} | {number(site['flows_per_s_median'])} "
                f"({numbers(site['flows_per_s'])}) | {ratio} | {server} "
                f"| {number(site['server_cpu_in_verifications'], 2)} "
                f"| {number(site['db_cpu_ms_per_flow_median'])} / "
                f"{number(site['cache_cpu_ms_per_flow_median'])} "
                f"| {site['errors']} | {site['other_cpu_share_median']:.0%} |"
            )
    return lines


def number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def numbers(values: list[float], digits: int = 1) -> str:
    return ", ".join(number(v, digits) for v in values)
