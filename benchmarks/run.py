"""What a run of the suite costs: time, requests, completions, overhead, start-up, scaling.

    .venv/bin/python benchmarks/run.py [--repeat=3] [--delay-ms=50] [--quick] [--no-scaling]
                                       [--compare=FILE|none]
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
  same server), 1.0 being the limit of a sequential run, and "vs floor", the same with the
  floor of requests; the same for `schemathesis run` on the same spec and example budget,
  as the peer baseline;
- start-up: from the spawn of the process to the first case, for the embedded runs and for
  a small selection (`-m limits --no-fuzz`), and whether Schemathesis, Hypothesis and the
  SDK were already imported by then (bench_probe.WATCHED_MODULES);
- the cost of more power: the vendor-like run at other example budgets (SCALING_EXAMPLES,
  beside the default budget's row), and the requests and seconds each added example costs;
- `pytest -n 2`: the speed-up, and whether the run works (exit 0, one merged report);
- the reference server's updates per second and p50/p99 latency under a bounded load.

Each figure is the median of up to `--repeat` runs, interleaved so drift hits all alike; once
`--budget-s` is spent no new repetition starts (the table says how many runs each figure
had). The scaling runs come after, once each: they have no target, so the time goes to the
figures that have. Before the timed runs, one untimed run compiles and caches every module
a run imports (pytest's rewritten asserts too), even where PYTHONDONTWRITEBYTECODE is set:
the timed runs then find them cached, as anyone running the suite a second time does, and
start-up measures the suite's imports rather than this machine's setting.

Every run is a subprocess with a timeout, and every server the benchmark starts stops with
it. It prints a table, with the figures of the previous bench.json beside the new ones
(`--compare`), and writes reports/bench.json. It asserts nothing: the targets (targets.py)
are printed next to the measurements.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import math
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
from typing import Any, Final

from compare import load_previous, provenance
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
from tables import table
from targets import targets

from conformance.options import DEFAULT_FUZZ_EXAMPLES

MODEL = "bench-model"
# The example budgets of the scaling rows, beside the run's own budget (the `latency` row):
# from below the default to five times it, enough to see whether the cost grows linearly.
SCALING_EXAMPLES: Final = (10, 50, 100)
QUICK_SCALING_EXAMPLES: Final = (10, 50)
# The runs whose start-up is printed as its own section, in that order.
STARTUP_RUNS: Final = ("embedded_no_fuzz", "embedded", "startup")
NO_FUZZ: Final = ("--no-fuzz",)
LIMITS: Final = ("-m", "limits", "--no-fuzz")


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
    return DEFAULT_FUZZ_EXAMPLES, "the suite's --fuzz-examples default"


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
    loopback server's latency (the same reference code, in its own process). Priorities put
    the figures that have targets first."""
    vendor = vendor_args(late, keys)
    ms = f"{options.delay_ms:g} ms server"

    def suite(args: Sequence[str], server: LoopbackServer | None) -> Callable[[], Measurement]:
        return lambda: run_suite(list(args), server, workdir, options.timeout)

    embedded, slow = latency
    plan = [
        Scenario("embedded", "embedded, default", 0, embedded, suite([], None)),
        Scenario("embedded_no_fuzz", "embedded, --no-fuzz", 2, embedded, suite(NO_FUZZ, None)),
        # Start-up alone: a dozen quick cases that need neither fuzzing nor the SDK.
        Scenario("startup", "embedded, -m limits --no-fuzz", 3, embedded, suite(LIMITS, None)),
        Scenario("latency", f"{ms}, default", 1, slow, suite(vendor, late)),
        Scenario("latency_no_fuzz", f"{ms}, --no-fuzz", 4, slow, suite([*vendor, *NO_FUZZ], late)),
    ]
    if has_xdist():
        xdist = suite(["-n", "2"], None)
        plan.append(Scenario("embedded_xdist", "embedded, -n 2", 7, embedded, xdist))
        xdist = suite([*vendor, "-n", "2"], late)
        plan.append(Scenario("latency_xdist", f"{ms}, -n 2", 6, slow, xdist))
    plan.append(peer_scenario(options, late, keys, slow, workdir))
    return plan


def peer_scenario(
    options: argparse.Namespace,
    late: LoopbackServer,
    keys: list[str],
    latency_s: float,
    workdir: Path,
) -> Scenario:
    """`schemathesis run` at the latency server, on a completion stored for it."""
    with nodelay_client(late.base_url, keys[0]) as client:
        completion_id = create_stored(client, MODEL)
    examples, _ = fuzz_budget()

    def cli() -> Measurement:
        return run_schemathesis(late, keys[0], completion_id, examples, workdir, options.timeout)

    label = f"schemathesis run, {options.delay_ms:g} ms server"
    return Scenario("schemathesis", label, 5, latency_s, cli)


def scaling_points(options: argparse.Namespace, examples: int) -> list[int]:
    """The example budgets to run besides the run's own, which the `latency` row measures."""
    if options.no_scaling:
        return []
    chosen = QUICK_SCALING_EXAMPLES if options.quick else SCALING_EXAMPLES
    return sorted({n for n in chosen if n != examples})


def scaling_plan(
    options: argparse.Namespace,
    late: LoopbackServer,
    keys: list[str],
    latency_s: float,
    workdir: Path,
) -> dict[int, Scenario]:
    """The vendor-like run (the `latency` row's arguments) at each other example budget.

    A larger budget takes longer, so its timeout grows with it: a timeout is there to stop
    a hung run, not a slow one.
    """
    vendor = vendor_args(late, keys)
    examples, _ = fuzz_budget()

    def suite(n: int) -> Callable[[], Measurement]:
        timeout = options.timeout * max(1.0, n / examples)
        return lambda: run_suite([*vendor, f"--fuzz-examples={n}"], late, workdir, timeout)

    label = f"{options.delay_ms:g} ms server, --fuzz-examples="
    return {
        n: Scenario(f"examples_{n}", f"{label}{n}", 9, latency_s, suite(n))
        for n in scaling_points(options, examples)
    }


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
    if runs[0].served is not None:
        out["served_by_kind"] = runs[0].served["kinds"]
    if runs[0].probe is not None:
        out.update(probed(runs, latency_s, out["requests"]))
    if any(r.rc != 0 for r in runs):
        out["failed_output_tail"] = next(r.output_tail for r in runs if r.rc != 0)[-1500:]
    return out


def probed(runs: list[Measurement], latency_s: float, requests: int | None) -> dict[str, Any]:
    """What the probe inside the runs saw: the phases (medians), and from the first run the
    imports done before the first case, where the case time went and the floor of requests."""
    first = runs[0]
    assert first.probe is not None
    stages = [r.probe["phases"] for r in runs if r.probe]
    out: dict[str, Any] = {
        "phases_s": {k: round(median([s[k] for s in stages if k in s]), 3) for k in stages[0]}
    }
    if first.probe["workers"]:
        out["worker_phases_s"] = first.probe["workers"]
    if not first.probe["durations"]:  # under xdist the cases ran in the workers
        return out
    out["modules_at_first_case"] = first.probe.get("modules_at_first_case")
    out["case_costs"] = case_costs(first.probe)
    out["floor"] = request_floor(first.probe)
    floor = out["floor"]["floor"]
    wall = median([r.wall_s for r in runs])
    out["overhead_vs_floor"] = round(wall / (floor * latency_s), 2) if floor else None
    if floor and requests:
        out["requests_per_floor"] = round(requests / floor, 2)
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
    keys = [f"sk-bench-{secrets.token_hex(12)}", f"sk-bench-other-{secrets.token_hex(12)}"]
    result: dict[str, Any] = {"machine": machine(), "settings": settings(options)}
    with (
        LoopbackServer(0, keys) as bare,
        LoopbackServer(options.delay_ms, keys) as late,
    ):
        latency = bare_latencies(options, bare, late, keys[0])
        result["bare_request_latency"] = latency
        speeds = (latency["loopback_0ms"]["median_s"], latency[late_key(options)]["median_s"])
        warm_up(workdir, options.timeout)
        plan = scenarios(options, late, keys, speeds, workdir)
        result["runs"] = figures(plan, repeat(plan, options.repeat, started + options.budget_s))
        extra = scaling_plan(options, late, keys, speeds[1], workdir)
        scaled = figures(list(extra.values()), repeat(list(extra.values()), 1, math.inf))
        measured = {n: scaled[s.key] for n, s in extra.items()}
        if measured:
            measured[result["settings"]["fuzz_examples"]] = result["runs"]["latency"]
        result["scaling"] = scaling_rows(measured, result["settings"])
        threads, each = (2, 50) if options.quick else (options.load_threads, options.load_updates)
        load = run_load(bare.base_url, keys[0], threads, each, lambda: bare.stats()["cpu_s"])
        result["reference_load"] = load.as_dict()
    result.update(derived(result, latency[late_key(options)]))
    result["benchmark_wall_s"] = round(time.monotonic() - started, 1)
    return result


def late_key(options: argparse.Namespace) -> str:
    return f"loopback_{options.delay_ms:g}ms"


def settings(options: argparse.Namespace) -> dict[str, Any]:
    """How the figures were taken, for whoever reads or compares them later."""
    examples, source = fuzz_budget()
    points = scaling_points(options, examples)
    return {
        "repeat": options.repeat,
        "delay_ms": options.delay_ms,
        "fuzz_examples": examples,
        "fuzz_examples_source": source,
        "scaling_examples": sorted([*points, examples]) if points else [],
        "bytecode": "compiled and cached by an untimed warm-up run before the timed runs",
    }


def bare_latencies(
    options: argparse.Namespace, bare: LoopbackServer, late: LoopbackServer, key: str
) -> dict[str, dict[str, float]]:
    """What a bare request costs at each server: what the overhead ratios divide by."""
    samples = 10 if options.quick else 40
    return {
        "loopback_0ms": bare_latency(bare.base_url, key, samples * 5),
        late_key(options): bare_latency(late.base_url, key, samples),
    }


def warm_up(workdir: Path, timeout: float) -> None:
    """One untimed run that imports everything a run imports (a fuzz case of each kind and
    the SDK check, at the smallest budget) and may write bytecode: every module is then read
    once, in the OS cache, compiled and its asserts rewritten, as for anyone running the
    suite a second time. Without it, where PYTHONDONTWRITEBYTECODE is set, every timed run
    would recompile everything and start-up would measure that."""
    print("[bench] warm-up (untimed)", file=sys.stderr)
    run_suite(["--fuzz-examples=1", "-q"], None, workdir, timeout, write_bytecode=True)


def figures(plan: list[Scenario], runs: dict[str, list[Measurement]]) -> dict[str, Any]:
    """Each scenario's summary under its key, with its label, in plan order."""
    return {s.key: {"label": s.label, **summarise(runs[s.key], s.latency_s)} for s in plan}


def scaling_rows(
    measured: dict[int, dict[str, Any]], config: dict[str, Any]
) -> list[dict[str, Any]]:
    """The cost of more power: per example budget, what the vendor-like run cost, and what
    each example added since the row before cost (requests and seconds per added example).
    The default budget's row is the `latency` run's."""
    rows: list[dict[str, Any]] = []
    for n in sorted(measured):
        f = measured[n]
        default = " (default)" if n == config["fuzz_examples"] else ""
        row = {
            "examples": n,
            "label": f"{config['delay_ms']:g} ms server, --fuzz-examples={n}{default}",
            "repetitions": f["repetitions"],
            "wall_s": f["wall_s"],
            "requests": f["requests"],
            "floor": (f.get("floor") or {}).get("floor"),
            "requests_per_floor": f.get("requests_per_floor"),
            "overhead_ratio": f.get("overhead_ratio"),
            "overhead_vs_floor": f.get("overhead_vs_floor"),
            "to_first_case_s": (f.get("phases_s") or {}).get("to_first_case"),
            "completions_created": f["completions_created"],
            "exit_codes": f["exit_codes"],
        }
        row["per_added_example"] = per_added_example(rows[-1] if rows else None, row)
        rows.append(row)
    return rows


def per_added_example(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """Δrequests/Δexamples and Δwall/Δexamples between two consecutive scaling rows: constant
    if a run's cost grows linearly with its budget."""
    if before is None:
        return {"requests": None, "wall_s": None}
    added = after["examples"] - before["examples"]
    requests = None
    if after["requests"] is not None and before["requests"] is not None:
        requests = round((after["requests"] - before["requests"]) / added, 2)
    return {"requests": requests, "wall_s": round((after["wall_s"] - before["wall_s"]) / added, 3)}


def derived(result: dict[str, Any], late_latency: dict[str, Any]) -> dict[str, Any]:
    """The figures computed from the runs': xdist's check, the fuzz cases' own cost, the
    start-up section and the targets."""
    runs = result["runs"]
    out: dict[str, Any] = {}
    for parallel, sequential in (("embedded_xdist", "embedded"), ("latency_xdist", "latency")):
        if parallel in runs:
            check = xdist_check(runs[parallel], runs[sequential])
            out.setdefault("xdist", {})[sequential] = check
    out["fuzz_cases_alone"] = marginal(runs["latency"], runs["latency_no_fuzz"], late_latency)
    out["startup"] = startup(runs)
    out["targets"] = targets({**result, **out})
    return out


def startup(runs: dict[str, Any]) -> dict[str, Any]:
    """From the spawn to the first case, and which heavy modules were imported by then."""
    out: dict[str, Any] = {}
    for key in STARTUP_RUNS:
        if key in runs:
            f = runs[key]
            out[key] = {
                "label": f["label"],
                "to_first_case_s": (f.get("phases_s") or {}).get("to_first_case"),
                "modules_loaded_at_first_case": f.get("modules_at_first_case"),
            }
    return out


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


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="latency the server adds")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 repetition, a tiny load, scaling at "
        + ", ".join(map(str, QUICK_SCALING_EXAMPLES))
        + " examples only (beside the default budget's row)",
    )
    parser.add_argument(
        "--no-scaling",
        action="store_true",
        help="skip the runs at other example budgets ("
        + ", ".join(map(str, SCALING_EXAMPLES))
        + "): the longest part of a full run",
    )
    parser.add_argument(
        "--compare",
        metavar="FILE",
        help="a previous bench.json to print beside the new figures (default: the --output "
        "file, read before it is overwritten, if it exists); 'none' to compare with nothing",
    )
    parser.add_argument("--load-threads", type=int, default=4)
    parser.add_argument("--load-updates", type=int, default=250, help="updates per thread")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per subprocess")
    parser.add_argument("--budget-s", type=float, default=240.0, help="no new repetition after")
    parser.add_argument("--output", type=Path, default=ROOT / "reports" / "bench.json")
    options = parser.parse_args(argv)
    if options.quick:
        options.repeat = 1
    if options.compare not in (None, "none") and not Path(options.compare).is_file():
        parser.error(f"--compare: {options.compare} is not a file")
    return options


def compare_path(options: argparse.Namespace) -> Path | None:
    """The previous figures' file: --compare's, none, or by default the one about to be
    overwritten."""
    if options.compare == "none":
        return None
    return Path(options.compare) if options.compare else Path(options.output)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    path = compare_path(options)
    previous, why_not = load_previous(path)  # before the new figures overwrite it
    with tempfile.TemporaryDirectory(prefix="ucc-bench-") as tmp:
        result = measure_all(options, Path(tmp))
    result["compared_with"] = provenance(path, previous) if path and previous else None
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(table(result, previous, why_not))
    print(f"\nwritten: {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
