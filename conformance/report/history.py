"""Run history without a server: `--history reports/history.jsonl` appends one compact line per
run, and each report shows per requirement the recent verdicts of the same target (base URL and
model; every embedded run counts as one target) and the date it has been failing since.

"Failing since" is the start of the current failing streak: the earliest run, walking back from
this one, in which the requirement failed (FAIL, WARN or XFAIL) with no pass in between; runs
that did not judge it (skipped, inconclusive, not run) neither break nor extend the streak.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.report.schema import ReportError
from conformance.writable import file_problem

HISTORY_FORMAT = "ucc-history/1"
WINDOW = 10  # verdicts shown per requirement, the current run included
FAILING = frozenset({"FAIL", "WARN", "XFAIL"})
PASSING = frozenset({"PASS", "INFO"})


def target_key(document: dict[str, Any]) -> list[Any]:
    target = document["target"]
    where = "embedded" if target.get("embedded") else target["base_url"]
    return [where, document.get("model")]


def record(document: dict[str, Any]) -> dict[str, Any]:
    """The compact line of a run: when, what target, and each judged requirement's verdict."""
    return {
        "format": HISTORY_FORMAT,
        "run_id": document["run_id"],
        "started_at": document["started_at"],
        "target": target_key(document),
        "profile": (document.get("profile") or {}).get("name"),
        "suite_version": document["suite_version"],
        "complete": document["complete"],
        "headline": document["headline"],
        "digest": document["digest"]["value"],
        "verdicts": {
            r["id"]: r["verdict"] for r in document["requirements"] if r["verdict"] != "NOT RUN"
        },
    }


def load(path: Path) -> list[dict[str, Any]]:
    """The records of a history file; a missing file is empty, a damaged line is left out."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("format") == HISTORY_FORMAT:
            records.append(entry)
    return records


def check(path: Path) -> None:
    """A ReportError unless the run can append its line to `path`: a new file, or one that
    holds history records already (never another file a typo named, which would be written
    to)."""
    problem = file_problem(path)
    if problem is not None:
        raise ReportError(problem)
    if path.exists() and path.stat().st_size and not load(path):
        raise ReportError(
            f"{path} is not a history file (no line of it is a {HISTORY_FORMAT} record); "
            "name a new file or one an earlier run wrote"
        )


def append(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")


def annotate(document: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Add the history view to a document: its run count and, per requirement, the strip."""
    current = record({**document, "digest": {"value": ""}})
    runs = [
        r
        for r in records
        if r.get("target") == current["target"] and r.get("run_id") != current["run_id"]
    ]
    runs = [*sorted(runs, key=lambda r: str(r.get("started_at"))), current]
    document["history"] = {"runs": len(runs), "window": WINDOW}
    for requirement in document["requirements"]:
        rid = requirement["id"]
        recent = [
            {"started_at": r["started_at"], "verdict": r.get("verdicts", {}).get(rid, "NOT RUN")}
            for r in runs[-WINDOW:]
        ]
        requirement["history"] = {"recent": recent, "failing_since": _failing_since(runs, rid)}


def _failing_since(runs: list[dict[str, Any]], rid: str) -> str | None:
    if runs[-1]["verdicts"].get(rid) not in FAILING:
        return None
    since = None
    for run in reversed(runs):
        verdict = run.get("verdicts", {}).get(rid)
        if verdict in FAILING:
            since = run["started_at"]
        elif verdict in PASSING:
            break
    return str(since) if since is not None else None
