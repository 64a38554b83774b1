"""What a run of the suite costs: time, requests, completions, overhead, parallel speed-up.

    .venv/bin/python benchmarks/run.py [--repeat=3] [--delay-ms=50] [--quick]
    make bench

The suite is run nightly against paid, rate-limited vendors, so its users need to know how
long a run takes, how many requests and billable completions it spends, and how much of the
time is the suite's own rather than the vendor's. One invocation measures, on this machine
and on loopback only:

- the default run and the run with `--no-fuzz`, against the embedded reference server and
  against a loopback reference server that adds a fixed latency to every answer (a stand-in
  for a vendor, run as a vendor target);
- requests sent (counted by the server, cross-checked with compliance.json), completions
  created, and the floor of requests the requirements need (measure.request_floor);
- the overhead ratio: wall time / (requests x median latency of a bare httpx request to the
  same server), 1.0 being the limit of a sequential run; the same for `schemathesis run` on
  the same spec and example budget, as the peer baseline;
- `pytest -n 2`: the speed-up, and whether the run works (exit 0, one merged report);
- the reference server's updates per second and p50/p99 latency under a bounded load.

Each figure is the median of up to `--repeat` runs, interleaved so drift hits all alike; once
`--budget-s` is spent no new repetition starts (the table says how many runs each figure
had). Every run is a subprocess with a timeout, and every server the benchmark starts stops
with it. It prints a table and writes reports/bench.json. It asserts nothing: the targets
(TARGET_*) are printed next to the measurements.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loadgen import bare_latency, create_stored, nodelay_client, run_load
from loopback import LoopbackServer
from measure import (
    ROOT,
    Measurement,
    case_costs,
    request_floor,
    run_schemathesis,
    run_suite,
)

from conformance.fuzz.settings import DEFAULT_EXAMPLES

MODEL = "bench-model"
# What a run should cost (a vendor's nightly gate): printed beside the figures, never asserted.
TARGET_OVERHEAD = 1.3
TARGET_EMBEDDED_S = 20.0
TARGET_COMPLETIONS = 3


@dataclass
class Scenario:
    """One thing to time: its row in the table, and how to run it once.

    `priority` orders the repetitions after the first: when the time budget runs out, the
    figures that have targets have had the most runs.
    """

    key: str
    label: str
    priority: int
    latency_s: float  # the bare request latency of the server it talks to
    run: Callable[[], Measurement]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


# --- what the runs use ----------------------------------------------------------------------
def fuzz_budget() -> tuple[int, str]:
    """The fuzz cases' example budget the runs use, and where it comes from."""
    given = os.environ.get("CONFORMANCE_FUZZ_EXAMPLES", "")
    if given.isdigit():
        return int(given), "$CONFORMANCE_FUZZ_EXAMPLES"
    return DEFAULT_EXAMPLES, "the suite's --fuzz-examples default"


def has_xdist() -> bool:
    return importlib.util.find_spec("xdist") is not None


def machine() -> dict[str, Any]:
    """Where the figures come from: they mean little without the machine and the checkout."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    spec = importlib.util.find_spec("schemathesis")
    cache = Path(spec.origin).parent / "__pycache__" if spec and spec.origin else None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {n: version(n) for n in ("pytest", "pytest-xdist", "schemathesis", "httpx")},
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty_files": len(git("status", "--porcelain").splitlines()),
        # pytest rewrites the asserts of every module of a plugin package; with bytecode
        # writing off nothing caches that, and each run recompiles them (see README).
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE"),
        "pytest_rewrite_cache_present": bool(cache and any(cache.glob("*-pytest-*.pyc"))),
    }


# --- the measurements ----------------------------------------------------------------------
def vendor_args(server: LoopbackServer, keys: list[str]) -> list[str]:
    """The suite as a vendor run: read-your-writes promised, so no consistency waits."""
    return [
        f"--base-url={server.base_url}",
        f"--api-key={keys[0]}",
        f"--second-api-key={keys[1]}",
        f"--model={MODEL}",
        "--consistency-timeout=0",
    ]


def scenarios(
    options: argparse.Namespace,
    late: LoopbackServer,
    keys: list[str],
    latency: tuple[float, float],
    workdir: Path,
) -> list[Scenario]:
    """Every configuration to time, in table order; the embedded server uses the 0 ms
    loopback server's latency (the same reference code, in its own process)."""
    vendor = vendor_args(late, keys)
    ms = f"{options.delay_ms:g} ms server"

    def suite(args: list[str], server: LoopbackServer | None) -> Callable[[], Measurement]:
        return lambda: run_suite(args, server, workdir, options.timeout)

    plan = [
        Scenario("embedded", "embedded, default", 0, latency[0], suite([], None)),
        Scenario(
            "embedded_no_fuzz", "embedded, --no-fuzz", 3, latency[0], suite(["--no-fuzz"], None)
        ),
        Scenario("latency", f"{ms}, default", 1, latency[1], suite(vendor, late)),
        Scenario(
            "latency_no_fuzz",
            f"{ms}, --no-fuzz",
            2,
            latency[1],
            suite([*vendor, "--no-fuzz"], late),
        ),
    ]
    if has_xdist():
        xdist = suite(["-n", "2"], None)
        plan.append(Scenario("embedded_xdist", "embedded, -n 2", 6, latency[0], xdist))
        xdist = suite([*vendor, "-n", "2"], late)
        plan.append(Scenario("latency_xdist", f"{ms}, -n 2", 5, latency[1], xdist))
    with nodelay_client(late.base_url, keys[0]) as client:
        completion_id = create_stored(client, MODEL)
    examples, _ = fuzz_budget()

    def cli() -> Measurement:
        return run_schemathesis(late, keys[0], completion_id, examples, workdir, options.timeout)

    plan.append(Scenario("schemathesis", f"schemathesis run, {ms}", 4, latency[1], cli))
    return plan


def repeat(plan: list[Scenario], times: int, deadline: float) -> dict[str, list[Measurement]]:
    """Every scenario once, then again by priority while the time budget lasts, interleaved
    so that a drift in the machine's load hits every figure alike."""
    runs: dict[str, list[Measurement]] = {s.key: [] for s in plan}
    for rep in range(times):
        for scenario in plan if rep == 0 else sorted(plan, key=lambda s: s.priority):
            if rep and time.monotonic() > deadline:
                counts = ", ".join(f"{s.key} {len(runs[s.key])}" for s in plan)
                print(f"[bench] time budget spent; runs: {counts}", file=sys.stderr)
                return runs
            print(f"[bench] {rep + 1}/{times} {scenario.label}", file=sys.stderr)
            runs[scenario.key].append(scenario.run())
    return runs


def summarise(runs: list[Measurement], latency_s: float) -> dict[str, Any]:
    """Medians over the repetitions, and the first run's breakdown (all runs are alike)."""
    walls = [r.wall_s for r in runs]
    requests = [r.requests for r in runs if r.requests is not None]
    counted = [r.compliance["requests_sent"] for r in runs if r.compliance]
    created = [r.compliance["completions_created"] for r in runs if r.compliance]
    wall = median(walls)
    out: dict[str, Any] = {
        "repetitions": len(runs),
        "wall_s": round(wall, 3),
        "wall_s_all": [round(w, 3) for w in walls],
        "cpu_s": round(median([r.cpu_s for r in runs]), 3),
        "load_avg_max": round(max(r.load_avg for r in runs), 2),
        "exit_codes": [r.rc for r in runs],
        "requests": int(median(requests)) if requests else None,
        "requests_all": requests,
        "requests_counted_by_suite": int(median(counted)) if counted else None,
        "requests_counts_agree": all(
            r.served is None
            or r.compliance is None
            or r.served["requests"] == r.compliance["requests_sent"]
            for r in runs
        ),
        "completions_created": int(max(created)) if created else None,
        "cases_in_report": runs[0].cases_in_report,
        "report_files": runs[0].report_files,
    }
    if requests:
        out["overhead_ratio"] = round(wall / (median(requests) * latency_s), 2)
    first = runs[0]
    if first.served is not None:
        out["served_by_kind"] = first.served["kinds"]
    if first.probe is not None:
        stages = [r.probe["phases"] for r in runs if r.probe]
        out["phases_s"] = {k: round(median([s[k] for s in stages if k in s]), 3) for k in stages[0]}
        if first.probe["workers"]:
            out["worker_phases_s"] = first.probe["workers"]
        if first.probe["durations"]:  # cases ran in this process (not under xdist)
            out["case_costs"] = case_costs(first.probe)
            out["floor"] = request_floor(first.probe)
            floor = out["floor"]["floor"]
            out["overhead_vs_floor"] = round(wall / (floor * latency_s), 2) if floor else None
    if any(r.rc != 0 for r in runs):
        out["failed_output_tail"] = next(r.output_tail for r in runs if r.rc != 0)[-1500:]
    return out


def xdist_check(parallel: dict[str, Any], sequential: dict[str, Any]) -> dict[str, Any]:
    """Does the suite work under xdist: exit 0, one compliance.json, all cases merged once,
    and (at the loopback server) the controller's request total equal to the server's."""
    reports = [f for f in parallel["report_files"] if f.startswith("compliance")]
    check = {
        "exit_0": all(rc == 0 for rc in parallel["exit_codes"]),
        "one_compliance_json": reports == ["compliance.json"],
        "all_cases_merged": parallel["cases_in_report"] == sequential["cases_in_report"],
        "request_totals_agree": parallel["requests_counts_agree"],
        "speed_up": round(sequential["wall_s"] / parallel["wall_s"], 2),
        "completions_created": parallel["completions_created"],
    }
    check["works"] = all(
        check[k]
        for k in ("exit_0", "one_compliance_json", "all_cases_merged", "request_totals_agree")
    )
    return check


def measure_all(options: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Every figure of the benchmark, as the JSON it writes; the servers stop on the way out."""
    started = time.monotonic()
    deadline = started + options.budget_s
    examples, examples_source = fuzz_budget()
    keys = [f"sk-bench-{secrets.token_hex(12)}", f"sk-bench-other-{secrets.token_hex(12)}"]
    result: dict[str, Any] = {"machine": machine(), "settings": {}}
    with (
        LoopbackServer(0, keys) as bare,
        LoopbackServer(options.delay_ms, keys) as late,
    ):
        samples = 10 if options.quick else 40
        latency = {
            "loopback_0ms": bare_latency(bare.base_url, keys[0], samples * 5),
            f"loopback_{options.delay_ms:g}ms": bare_latency(late.base_url, keys[0], samples),
        }
        bare_0 = latency["loopback_0ms"]["median_s"]
        bare_late = latency[f"loopback_{options.delay_ms:g}ms"]["median_s"]
        result["bare_request_latency"] = latency
        # One untimed collection first: every module the runs import is then read once and
        # in the OS cache, as for anyone running the suite a second time.
        run_suite(["--collect-only", "-q"], None, workdir, options.timeout)
        plan = scenarios(options, late, keys, (bare_0, bare_late), workdir)
        runs = repeat(plan, options.repeat, deadline)
        figures = {s.key: {"label": s.label, **summarise(runs[s.key], s.latency_s)} for s in plan}
        result["runs"] = figures
        result["settings"] = {
            "repeat": options.repeat,
            "delay_ms": options.delay_ms,
            "fuzz_examples": examples,
            "fuzz_examples_source": examples_source,
        }
        threads, each = (2, 50) if options.quick else (options.load_threads, options.load_updates)
        load = run_load(bare.base_url, keys[0], threads, each, lambda: bare.stats()["cpu_s"])
        result["reference_load"] = load.as_dict()
    for parallel, sequential in (("embedded_xdist", "embedded"), ("latency_xdist", "latency")):
        if parallel in figures:
            result.setdefault("xdist", {})[sequential] = xdist_check(
                figures[parallel], figures[sequential]
            )
    result["fuzz_cases_alone"] = marginal(
        figures["latency"], figures["latency_no_fuzz"], latency[f"loopback_{options.delay_ms:g}ms"]
    )
    result["targets"] = targets(result)
    result["benchmark_wall_s"] = round(time.monotonic() - started, 1)
    return result


def marginal(full: dict[str, Any], without: dict[str, Any], bare: dict[str, Any]) -> dict[str, Any]:
    """What the fuzz cases add to a run (default minus --no-fuzz): the figure to set beside
    `schemathesis run`, which is fuzzing alone, with no start-up of a whole suite."""
    seconds = full["wall_s"] - without["wall_s"]
    requests = (full["requests"] or 0) - (without["requests"] or 0)
    ratio = seconds / (requests * bare["median_s"]) if requests > 0 else None
    return {
        "wall_s": round(seconds, 3),
        "requests": requests,
        "overhead_ratio": round(ratio, 2) if ratio is not None else None,
    }


def targets(result: dict[str, Any]) -> dict[str, Any]:
    """The targets next to the figures (not asserted: a benchmark reports)."""
    runs = result["runs"]
    overhead = runs["latency"].get("overhead_ratio")
    embedded = runs["embedded"]["wall_s"]
    # What a vendor is billed for: the run against the latency server is a vendor run (the
    # embedded run also runs the stateful fuzz case, which creates completions for free).
    created = runs["latency"]["completions_created"]
    return {
        "overhead_ratio_vs_latency_server": {
            "target": f"<= {TARGET_OVERHEAD}",
            "figure": overhead,
            "met": overhead is not None and overhead <= TARGET_OVERHEAD,
        },
        "embedded_default_wall_s": {
            "target": f"< {TARGET_EMBEDDED_S:g}",
            "figure": embedded,
            "met": embedded < TARGET_EMBEDDED_S,
        },
        "completions_created": {
            "target": f"<= {TARGET_COMPLETIONS}",
            "figure": created,
            "met": created is not None and created <= TARGET_COMPLETIONS,
        },
    }


# --- output --------------------------------------------------------------------------------
def _cell(value: Any, spec: str = "") -> str:
    if value is None:
        return "-"
    return format(value, spec) if spec else str(value)


def table(result: dict[str, Any]) -> str:
    """The figures as text: what `make bench` prints."""
    runs = list(result["runs"].values())
    parts = [
        _preamble(result),
        _runs_table(runs),
        _phases_table(runs),
        _notes(result, runs),
        _requests_at_latency(result),
        _reference_load(result["reference_load"]),
        _targets(result["targets"]),
    ]
    return "\n".join(line for part in parts for line in part)


def _preamble(result: dict[str, Any]) -> list[str]:
    """The machine, the repetitions and the bare request latency the ratios divide by."""
    m, s = result["machine"], result["settings"]
    lat = result["bare_request_latency"]
    return [
        f"machine: {m['nproc']} cores, {m['cpu_model']}, Python {m['python']}, {m['date']} "
        f"(commit {m['git_commit']}, {m['git_dirty_files']} uncommitted files)",
        f"up to {s['repeat']} runs each (n; medians), within the time budget; fuzz budget: "
        f"{s['fuzz_examples']} examples ({s['fuzz_examples_source']})",
        "bare httpx request, median: "
        + ", ".join(
            f"{k.removeprefix('loopback_')} server {v['median_s'] * 1000:.2f} ms"
            for k, v in lat.items()
        ),
    ]


def _runs_table(runs: list[dict[str, Any]]) -> list[str]:
    """One row per scenario: time, requests, completions, overhead, exit codes."""
    header = (
        f"{'run':<34} {'n':>2} {'wall s':>7} {'CPU s':>6} {'requests':>8} {'floor':>6} "
        f"{'created':>7} {'overhead':>8} {'vs floor':>8} {'exit':>6}"
    )
    lines = ["", header, "-" * len(header)]
    for figures in runs:
        floor = figures.get("floor", {}).get("floor")
        rcs = ",".join(str(rc) for rc in figures["exit_codes"])
        lines.append(
            f"{figures['label']:<34} {figures['repetitions']:>2} "
            f"{figures['wall_s']:>7.2f} {figures['cpu_s']:>6.1f} "
            f"{_cell(figures['requests']):>8} {_cell(floor):>6} "
            f"{_cell(figures['completions_created']):>7} "
            f"{_cell(figures.get('overhead_ratio'), '.2f'):>8} "
            f"{_cell(figures.get('overhead_vs_floor'), '.2f'):>8} {rcs:>6}"
        )
    return lines


def _phases_table(runs: list[dict[str, Any]]) -> list[str]:
    """Where each scenario's wall time goes, and when xdist workers were ready."""
    header = (
        f"{'where the wall time goes (s)':<34} {'start-up':>8} {'collect':>7} {'cases':>6} "
        f"{'reports':>7}  xdist workers ready at"
    )
    lines = ["", header, "-" * len(header)]
    for figures in runs:
        if "phases_s" not in figures:
            continue
        p = figures["phases_s"]
        workers = ", ".join(
            f"{name} {w.get('start_up', 0) + w.get('collection', 0):.1f}"
            for name, w in figures.get("worker_phases_s", {}).items()
        )
        lines.append(
            f"{figures['label']:<34} {_cell(p.get('start_up'), '.2f'):>8} "
            f"{_cell(p.get('collection'), '.2f'):>7} {_cell(p.get('cases'), '.2f'):>6} "
            f"{_cell(p.get('reports_and_exit'), '.2f'):>7}  {workers}"
        )
    return lines


def _notes(result: dict[str, Any], runs: list[dict[str, Any]]) -> list[str]:
    """What the ratios mean, the machine's load, xdist and the fuzz cases' own cost."""
    m, s = result["machine"], result["settings"]
    lines = [
        "",
        "overhead = wall / (requests x median bare request latency of that server), 1.0 = the "
        "limit of a sequential run;\nvs floor = the same with the floor of requests instead; "
        "embedded rows use the 0 ms loopback server's latency",
    ]
    worst = max(f["load_avg_max"] for f in runs)
    if worst > m["nproc"]:
        lines.append(
            f"NOTE: load average up to {worst:.1f} on {m['nproc']} cores during the runs: other "
            "work competed for the CPU; wall times are inflated, CPU seconds much less"
        )
    for name, check in result.get("xdist", {}).items():
        lines.append(
            f"-n 2 vs sequential ({name}): speed-up x{check['speed_up']}, "
            f"{'works' if check['works'] else 'BROKEN'} (exit 0: {check['exit_0']}, one "
            f"compliance.json: {check['one_compliance_json']}, all cases merged: "
            f"{check['all_cases_merged']}, request totals agree: {check['request_totals_agree']}"
            f"), completions created {check['completions_created']}"
        )
    alone = result.get("fuzz_cases_alone")
    if alone:
        lines.append(
            f"fuzz cases alone at the {s['delay_ms']:g} ms server (default - --no-fuzz): "
            f"+{alone['wall_s']:.2f} s for +{alone['requests']} requests, overhead "
            f"{_cell(alone['overhead_ratio'], '.2f')}; schemathesis run: "
            f"{_cell(result['runs']['schemathesis'].get('overhead_ratio'), '.2f')}"
        )
    return lines


def _requests_at_latency(result: dict[str, Any]) -> list[str]:
    """The requests the vendor-like run sent against its floor, and where its time went."""
    late, delay = result["runs"]["latency"], result["settings"]["delay_ms"]
    if "floor" not in late:
        return []
    f = late["floor"]
    lines = [
        f"requests at the {delay:g} ms server: {f['sent']} sent, floor {f['floor']} "
        f"= {f['floor_cases']} hand-written cases + {f['floor_fixtures']} creates/deletes + "
        f"{f['floor_fuzz']} distinct fuzz inputs and read-backs (fuzz sent {f['fuzz_sent']})",
        "  by kind: " + ", ".join(f"{k} {v}" for k, v in f["by_kind"].items()),
    ]
    for group, c in late.get("case_costs", {}).items():
        lines.append(
            f"  {group}: {c['count']} cases, {c['time_s']:.2f} s = {c['requests']} requests "
            f"{c['wire_s']:.2f} s on the wire ({_cell(c['wire_per_request_ms'], '.1f')} "
            f"ms each) + {c['own_s']:.2f} s in the suite"
        )
    return lines


def _reference_load(load: dict[str, Any]) -> list[str]:
    return [
        f"reference server: {load['updates_per_s']:.0f} updates/s ({load['threads']} threads x "
        f"{load['updates_each']}), p50 {load['p50_ms']:.2f} ms, p99 {load['p99_ms']:.2f} ms, "
        f"errors {load['errors']}",
        f"  server busy {_cell(load['server_cpu_share'], '.0%')} of one core, "
        f"{_cell(load['server_cpu_ms_per_update'])} ms CPU per update: about "
        f"{_cell(load['server_updates_per_core_s'], '.0f')} updates/s per core if saturated",
    ]


def _targets(targets: dict[str, Any]) -> list[str]:
    lines = ["targets (figures, not asserted):"]
    for name, t in targets.items():
        lines.append(
            f"  {name}: {t['figure']} (target {t['target']}) {'met' if t['met'] else 'NOT met'}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="latency the server adds")
    parser.add_argument("--quick", action="store_true", help="1 repetition, a tiny load")
    parser.add_argument("--load-threads", type=int, default=4)
    parser.add_argument("--load-updates", type=int, default=250, help="updates per thread")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per subprocess")
    parser.add_argument("--budget-s", type=float, default=240.0, help="no new repetition after")
    parser.add_argument("--output", type=Path, default=ROOT / "reports" / "bench.json")
    options = parser.parse_args(argv)
    if options.quick:
        options.repeat = 1
    with tempfile.TemporaryDirectory(prefix="ucc-bench-") as tmp:
        result = measure_all(options, Path(tmp))
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(table(result))
    print(f"\nwritten: {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
