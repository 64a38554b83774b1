"""One timed run of the suite (or of Schemathesis's CLI) in a subprocess, and what it cost.

A run is a fresh process, as a user's is: interpreter start, plugin imports and collection
are part of what a run costs, so they are timed too, then broken down by the probe plugin
(benchmarks/bench_probe.py). Every run has its own reports directory; its compliance.json
gives the suite's own request and creation counts, the loopback server gives an independent
request count. Each subprocess runs in its own process group with a timeout, so a hung run
is killed (it and its xdist workers, nothing else) and the benchmark still ends.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopback import LoopbackServer

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = ROOT / ".venv" / "bin"
SPEC = ROOT / "specs" / "update-chat-completion.openapi.yaml"
READS = frozenset({"retrieve", "list", "messages"})


@dataclass
class Measurement:
    """One subprocess: how long it took, how it ended, and what it and the server counted."""

    wall_s: float
    rc: int
    cpu_s: float = 0.0
    load_avg: float = 0.0
    compliance: dict[str, Any] | None = None
    served: dict[str, Any] | None = None
    probe: dict[str, Any] | None = None
    report_files: list[str] = field(default_factory=list)
    output_tail: str = ""

    @property
    def requests(self) -> int | None:
        """Requests the server counted, or (embedded server) those the suite counted."""
        if self.served is not None:
            return int(self.served["requests"])
        if self.compliance is not None:
            return int(self.compliance["requests_sent"])
        return None

    @property
    def cases_in_report(self) -> int | None:
        if self.compliance is None:
            return None
        return sum(len(r.get("cases") or []) for r in self.compliance.get("requirements", []))


@dataclass
class Finished:
    wall_s: float
    rc: int
    output: str
    cpu_s: float
    load_avg: float


def _run(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> Finished:
    """Run and time one command; on timeout kill its whole process group (xdist workers too).

    CPU seconds (user + system, the command and every process it waited for, xdist workers
    included) are reported beside the wall time: on a shared machine they move much less
    than wall time when other work competes for the cores. The 1-minute load average at
    the end says how much other work there was.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        output += f"\n[benchmark] killed after {timeout:g} s"
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Finished(wall, process.returncode, output, round(cpu, 3), os.getloadavg()[0])


def run_suite(
    args: list[str],
    server: LoopbackServer | None,
    workdir: Path,
    timeout: float,
    write_bytecode: bool = False,
) -> Measurement:
    """`python -m pytest <args>` with a fresh reports directory and the probe plugin.

    `write_bytecode` lets the run cache compiled modules (and pytest's rewritten asserts)
    even where PYTHONDONTWRITEBYTECODE is set; the timed runs leave the environment as it is.
    """
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    reports = run_dir / "reports"
    probe_out = run_dir / "probe.json"
    env = dict(os.environ)
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    env["BENCH_PROBE_OUT"] = str(probe_out)
    command = [str(VENV_BIN / "python"), "-m", "pytest", "-p", "bench_probe"]
    command += [f"--reports-dir={reports}", *args]
    if server is not None:
        server.stats(reset=True)
    spawned = time.monotonic()
    done = _run(command, env, ROOT, timeout)
    exited = time.monotonic()
    measurement = Measurement(
        wall_s=done.wall_s,
        rc=done.rc,
        cpu_s=done.cpu_s,
        load_avg=done.load_avg,
        output_tail=done.output[-3000:],
    )
    if server is not None:
        measurement.served = server.stats(reset=True)
    compliance = reports / "compliance.json"
    if compliance.exists():
        measurement.compliance = json.loads(compliance.read_text(encoding="utf-8"))
    if reports.is_dir():
        measurement.report_files = sorted(p.name for p in reports.iterdir())
    if probe_out.exists():
        probe = json.loads(probe_out.read_text(encoding="utf-8"))
        probe["phases"] = phases(probe["marks"], spawned, exited)
        probe["workers"] = {}
        for path in sorted(run_dir.glob("probe.json.*")):  # xdist workers: when were they ready
            marks = json.loads(path.read_text(encoding="utf-8"))["marks"]
            probe["workers"][path.suffix[1:]] = phases(marks, spawned, None)
        measurement.probe = probe
    return measurement


def run_schemathesis(
    server: LoopbackServer,
    api_key: str,
    completion_id: str,
    examples: int,
    workdir: Path,
    timeout: float,
) -> Measurement:
    """The peer baseline: `schemathesis run` on the same spec, operation and example budget.

    Configured as the suite's fuzz cases are (conformance/fuzz/schemas.py): the update
    operation only, the path id fixed to a stored completion, no other methods probed, no
    example database; the key as a header. Its requests are the server's count.
    """
    run_dir = Path(tempfile.mkdtemp(prefix="st-", dir=workdir))
    config = run_dir / "schemathesis.toml"
    config.write_text(
        "[generation]\n"
        'database = "none"\n'
        "with-security-parameters = false\n"
        "[parameters]\n"
        f'"path.completion_id" = "{completion_id}"\n'
        "[phases.coverage]\n"
        "unexpected-methods = []\n",
        encoding="utf-8",
    )
    command = [
        str(VENV_BIN / "schemathesis"),
        f"--config-file={config}",
        "run",
        str(SPEC),
        f"--url={server.base_url}",
        "-H",
        f"Authorization: Bearer {api_key}",
        "--include-operation-id=updateChatCompletion",
        f"--max-examples={examples}",
        "--phases=examples,coverage,fuzzing",
        "--mode=all",
        "--seed=1",
        "--workers=1",
        "--no-color",
    ]
    server.stats(reset=True)
    done = _run(command, dict(os.environ), run_dir, timeout)
    return Measurement(
        wall_s=done.wall_s,
        rc=done.rc,
        cpu_s=done.cpu_s,
        load_avg=done.load_avg,
        served=server.stats(reset=True),
        output_tail=done.output[-3000:],
    )


def phases(marks: dict[str, float], spawned: float, exited: float | None) -> dict[str, float]:
    """Seconds spent in each stage of a run, from the probe's stamps (one monotonic clock).

    `to_first_case` is not a stage but their sum up to the first case: from the spawn of the
    process to the start of the cases, what a user waits before anything is checked. For an
    xdist worker, start-up counts from the spawn of the whole run: it is when the worker
    could first take a case.
    """

    def span(start: float | None, end: float | None) -> float | None:
        return round(end - start, 3) if start is not None and end is not None else None

    stages = {
        "start_up": span(spawned, marks.get("configured")),
        "collection": span(marks.get("collection_start"), marks.get("collection_end")),
        "cases": span(marks.get("cases_start"), marks.get("cases_end")),
        "reports_and_exit": span(marks.get("cases_end"), exited),
        "to_first_case": span(spawned, marks.get("cases_start")),
    }
    return {k: v for k, v in stages.items() if v is not None}


def case_costs(probe: dict[str, Any]) -> dict[str, Any]:
    """Where the case time went: waiting on the wire versus the suite's own work.

    Wire time is the client's elapsed time per request; the rest of a case's setup, call
    and teardown is Python in the suite's process (generation, checks, rendering).
    """
    fuzz = set(probe.get("fuzz_cases", []))
    wire: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    for request in probe["requests"]:
        group = "fuzz" if request["node"] in fuzz else "cases"
        wire[group] += request["elapsed"]
        sent[group] += 1
    spent: Counter[str] = Counter()
    for node, stages in probe["durations"].items():
        spent["fuzz" if node in fuzz else "cases"] += sum(stages.values())
    out: dict[str, Any] = {}
    for group in ("cases", "fuzz"):
        out[group] = {
            "count": sum(1 for n in probe["durations"] if (n in fuzz) == (group == "fuzz")),
            "time_s": round(spent[group], 3),
            "requests": sent[group],
            "wire_s": round(wire[group], 3),
            # Against the bare request's median: connection reuse shows here.
            "wire_per_request_ms": round(1000 * wire[group] / sent[group], 2)
            if sent[group]
            else None,
            "own_s": round(spent[group] - wire[group], 3),
        }
    return out


def request_floor(probe: dict[str, Any]) -> dict[str, Any]:
    """The fewest requests that check the same requirements, derived from what each case sent.

    - a hand-written case needs one request of each kind its requirement involves (the
      update under test; a retrieve if the requirement is about what is stored; a list or
      a delete if it is about those; the list entry and the stored messages the invariants
      read once after a case that wrote): the number of distinct kinds it sent;
    - the shared completions need their creates and deletes, not the reads that wait for
      them (the loopback target is read-your-writes);
    - a fuzz input needs sending once, whichever checks look at the answer, plus one read
      back if a requirement checks what it stored: repeats of an identical request
      (method, path, body, key) are not needed.
    The measured count minus this floor is what the suite could save without checking less.
    """
    fuzz = set(probe.get("fuzz_cases", []))
    per_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    fixtures = 0
    for request in probe["requests"]:
        if request["when"] == "call":
            per_case[request["node"]].append(request)
        elif request["kind"] in ("create", "delete"):
            fixtures += 1
    cases = sum(len({r["kind"] for r in reqs}) for n, reqs in per_case.items() if n not in fuzz)
    sent_inputs: set[str] = set()
    read_back: set[str] = set()
    fuzz_floor = 0
    for node in sorted(n for n in per_case if n in fuzz):
        last_write: str | None = None
        for request in per_case[node]:
            if request["kind"] in READS and last_write is not None:
                if last_write not in read_back:
                    read_back.add(last_write)
                    fuzz_floor += 1
            elif request["input"] not in sent_inputs:
                sent_inputs.add(request["input"])
                fuzz_floor += 1
            if request["kind"] not in READS:
                last_write = request["input"]
    sent = len(probe["requests"])
    kinds = Counter(r["kind"] for r in probe["requests"])
    by_phase = Counter(
        ("fuzz " if r["node"] in fuzz else "") + f"{r['when']} {r['kind']}"
        for r in probe["requests"]
    )
    per_case_counts = Counter(len(reqs) for n, reqs in per_case.items() if n not in fuzz)
    return {
        "sent": sent,
        "floor": cases + fixtures + fuzz_floor,
        "floor_cases": cases,
        "floor_fixtures": fixtures,
        "floor_fuzz": fuzz_floor,
        "hand_written_cases": sum(1 for n in probe["durations"] if n not in fuzz),
        "fuzz_cases": len(fuzz),
        "fuzz_sent": sum(len(reqs) for n, reqs in per_case.items() if n in fuzz),
        "by_kind": dict(kinds.most_common()),
        "by_phase": dict(by_phase.most_common()),
        "requests_per_case": dict(sorted(per_case_counts.items())),
        "fuzz_per_case": {n.split("::")[-1]: len(r) for n, r in per_case.items() if n in fuzz},
    }
