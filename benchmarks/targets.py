"""What a run should cost, set beside what it did cost: printed, never asserted.

A benchmark reports; whether a figure is good enough is a reviewer's call, on a machine whose
load the benchmark does not control. The targets are those of a vendor's nightly gate: few
requests beyond what the requirements need, little time beyond waiting for the vendor, a
quick start, and almost nothing billable created.
"""

from __future__ import annotations

import operator
from typing import Any, Final

# Requests of the vendor-like run at the default budget, per request the requirements need.
TARGET_REQUESTS_PER_FLOOR: Final = 1.25
# Its wall time over a bare loop sending the same requests to the same server.
TARGET_OVERHEAD: Final = 1.15
TARGET_EMBEDDED_S: Final = 7.0
TARGET_EMBEDDED_NO_FUZZ_S: Final = 3.0
# From the spawn of the process to the first case starting (strictly below).
TARGET_FIRST_CASE_S: Final = 1.5
TARGET_COMPLETIONS: Final = 3

# The vendor-like runs that run their cases in one process; under xdist each worker creates
# its own completions, so those runs are not held to the same count.
SEQUENTIAL_VENDOR_RUNS: Final = ("latency", "latency_no_fuzz")


def target(label: str, figure: float | None, relation: str, bound: float) -> dict[str, Any]:
    """One line of the targets table; a missing figure has not met its target."""
    within = operator.lt if relation == "<" else operator.le
    met = figure is not None and bool(within(figure, bound))
    return {"label": label, "figure": figure, "target": f"{relation} {bound:g}", "met": met}


def targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every target with its figure, keyed by a name that stays stable across versions (the
    comparison with a previous bench.json matches on it)."""
    runs, startup = result["runs"], result["startup"]
    late = runs["latency"]
    ms = f"{result['settings']['delay_ms']:g} ms server"
    return {
        "requests_per_floor_at_latency_server": target(
            f"requests / floor, {ms}, default",
            late.get("requests_per_floor"),
            "<=",
            TARGET_REQUESTS_PER_FLOOR,
        ),
        "overhead_ratio_vs_latency_server": target(
            f"overhead, {ms}, default", late.get("overhead_ratio"), "<=", TARGET_OVERHEAD
        ),
        "embedded_default_wall_s": target(
            "wall s, embedded, default", runs["embedded"]["wall_s"], "<=", TARGET_EMBEDDED_S
        ),
        "embedded_no_fuzz_wall_s": target(
            "wall s, embedded, --no-fuzz",
            runs["embedded_no_fuzz"]["wall_s"],
            "<=",
            TARGET_EMBEDDED_NO_FUZZ_S,
        ),
        "start_up_to_first_case_s": target(
            "to the first case s, embedded, --no-fuzz",
            _first_case(startup, "embedded_no_fuzz"),
            "<",
            TARGET_FIRST_CASE_S,
        ),
        "start_up_to_first_case_s_limits": target(
            "to the first case s, -m limits --no-fuzz",
            _first_case(startup, "startup"),
            "<",
            TARGET_FIRST_CASE_S,
        ),
        "completions_created": target(
            "completions created by a vendor run (most)",
            _most_created(result),
            "<=",
            TARGET_COMPLETIONS,
        ),
    }


def _first_case(startup: dict[str, Any], key: str) -> float | None:
    row = startup.get(key)
    return None if row is None else row.get("to_first_case_s")


def _most_created(result: dict[str, Any]) -> int | None:
    """The most completions any sequential vendor-like run created, scaling rows included:
    what a vendor is billed for (the embedded runs also run the stateful fuzz case, which
    creates completions for free, and at a vendor is off unless asked for)."""
    counts = [result["runs"][k]["completions_created"] for k in SEQUENTIAL_VENDOR_RUNS]
    counts += [row["completions_created"] for row in result.get("scaling", [])]
    known = [c for c in counts if c is not None]
    return max(known) if known else None
