"""The campaign's report: reports/mutation.json and its readable twin reports/mutation.md.

Counts per file, per path (create, retrieve, update, delete, list, or code every path runs)
and per requirement area (the areas of the requirements whose cases FAILed or WARNed against
the mutant, read from that run's compliance.json), the score, and each survivor with its diff
and its triage from tests/faults/mutants.md.

The score is killed / (tested - equivalent). Equivalent mutants are the survivors triaged as
such: no client could tell them from the reference server. A mutant killed only because the
suite itself broke (an ERROR, a target that could not be set up), with no requirement FAILed,
is counted as killed but listed apart, since the run failed without saying which rule.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome

from conformance.requirements import catalogue

FORMAT = "ucc-mutation/1"
TRIAGE_KINDS = ("equivalent", "out of scope", "gap")
TRIAGE_ROW = re.compile(
    r"^\|\s*`?(?P<id>[a-z]+-[0-9a-f]{8})`?\s*\|\s*(?P<kind>equivalent|out of scope|gap)\s*\|"
)
# Which request path each function of the mutated files serves. "every path" is code that
# every request runs (authentication, body parsing, rendering, errors, the storage's setup);
# the goal of 95% is set for the functions of the update, retrieve and create paths.
PATHS = {
    "update": {
        "validate_update",
        "validate_metadata",
        "check_pair_count",
        "check_key",
        "check_value",
        "merge_metadata",
        "update",
        "update_endpoint",
        "render_update",
        "set_metadata",
    },
    "retrieve": {"retrieve_endpoint", "find", "get"},
    "create": {"complete", "create_endpoint", "new_id", "insert"},
    "delete": {"delete_endpoint", "delete"},
    "list": {"list_endpoint", "_limit", "_page", "list"},
}
TARGET_PATHS = ("update", "retrieve", "create")


def path_of(definition: str | None) -> str:
    for path, names in PATHS.items():
        if definition in names:
            return path
    return "every path"


@dataclass
class Mutant:
    id: str
    file: str
    line: int
    definition: str | None
    operator: str
    status: str  # killed, timeout, survived, incompetent, skipped, no-test
    diff: str = ""
    seconds: float | None = None
    verdicts: dict[str, str] = field(default_factory=dict)
    note: str = ""
    triage: str | None = None
    job_id: str = ""

    @property
    def path(self) -> str:
        return path_of(self.definition)

    @property
    def caught_by(self) -> list[str]:
        return sorted(r for r, v in self.verdicts.items() if v in ("FAIL", "WARN"))

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.file,
            "line": self.line,
            "function": self.definition,
            "path": self.path,
            "operator": self.operator,
            "status": self.status,
            "caught_by": self.caught_by,
            "other_verdicts": {r: v for r, v in self.verdicts.items() if v not in ("FAIL", "WARN")},
            "seconds": self.seconds,
            "triage": self.triage,
            "note": self.note or None,
            "diff": self.diff if self.status == "survived" else None,
        }


def _changed_lines(diff: str) -> str:
    lines = [
        line[1:].strip()
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return "\n".join(lines)


def mutants_of(db_path: Path) -> list[Mutant]:
    """Every mutant of one session, with a stable id: the file, the function, the operator
    and the changed lines' text, so an id survives edits elsewhere in the file."""
    found: list[Mutant] = []
    with use_db(str(db_path), WorkDB.Mode.open) as db:
        results = dict(db.results)
        for item in db.work_items:
            mutation = item.mutations[0]
            result = results.get(item.job_id)
            file = Path(mutation.module_path).name
            status, note, record = "pending", "", {}
            if result is not None:
                if result.worker_outcome == WorkerOutcome.SKIPPED:
                    status, note = "skipped", result.output or ""
                elif result.worker_outcome == WorkerOutcome.NO_TEST:
                    status = "no-test"
                elif result.worker_outcome != WorkerOutcome.NORMAL:
                    status, note = "incompetent", (result.output or "")[-500:]
                else:
                    record = json.loads(result.output or "{}")
                    if record.get("timed_out"):
                        status = "timeout"
                    elif result.test_outcome == TestOutcome.KILLED:
                        status = "killed"
                        tail = [ln for ln in record.get("tail", "").splitlines() if ln.strip()]
                        note = tail[-1][:300] if tail else ""
                    elif result.test_outcome == TestOutcome.SURVIVED:
                        status = "survived"
                    else:
                        status, note = "incompetent", record.get("tail", "")[-500:]
            diff = (result.diff or "") if result is not None else ""
            diff = "\n".join(line for line in diff.splitlines() if line != "--- mutation diff ---")
            found.append(
                Mutant(
                    id="",
                    file=file,
                    line=mutation.start_pos[0],
                    definition=mutation.definition_name,
                    operator=mutation.operator_name,
                    status=status,
                    diff=diff,
                    seconds=record.get("seconds"),
                    verdicts=record.get("verdicts", {}),
                    note=note,
                    job_id=item.job_id,
                )
            )
    found.sort(key=lambda m: (m.file, m.line, m.operator))
    seen: Counter[str] = Counter()
    for mutant in found:
        text = "\n".join(
            [
                mutant.file,
                str(mutant.definition),
                mutant.operator,
                _changed_lines(mutant.diff) or str(mutant.line),
            ]
        )
        digest = hashlib.sha256(text.encode()).hexdigest()
        seen[digest] += 1
        if seen[digest] > 1:  # the same change twice in one function: tell them apart
            digest = hashlib.sha256(f"{text}\n{seen[digest]}".encode()).hexdigest()
        mutant.id = f"{Path(mutant.file).stem}-{digest[:8]}"
    return found


def read_triage(path: Path) -> dict[str, str]:
    """Mutant id -> triage kind, from the table rows of tests/faults/mutants.md."""
    if not path.exists():
        return {}
    triage = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = TRIAGE_ROW.match(line)
        if match:
            triage[match["id"]] = match["kind"]
    return triage


def _counts(mutants: Iterable[Mutant]) -> dict[str, Any]:
    mutants = list(mutants)
    status = Counter(m.status for m in mutants)
    tested = status["killed"] + status["timeout"] + status["survived"]
    killed = status["killed"] + status["timeout"]
    equivalent = sum(1 for m in mutants if m.status == "survived" and m.triage == "equivalent")
    out_of_scope = sum(1 for m in mutants if m.status == "survived" and m.triage == "out of scope")
    untriaged = sum(1 for m in mutants if m.status == "survived" and m.triage is None)
    judged = tested - equivalent
    return {
        "generated": len(mutants),
        "skipped": status["skipped"] + status["no-test"],
        "pending": status["pending"],
        "incompetent": status["incompetent"],
        "tested": tested,
        "killed": killed,
        "killed_by_timeout": status["timeout"],
        "killed_without_failed_requirement": sum(
            1 for m in mutants if m.status == "killed" and not m.caught_by
        ),
        "survived": status["survived"],
        "equivalent": equivalent,
        "out_of_scope": out_of_scope,
        "untriaged": untriaged,
        "score": round(killed / judged, 4) if judged else None,
        # What the page forbids: leaving out the survivors it allows as well.
        "score_on_faults": round(killed / (judged - out_of_scope), 4)
        if judged - out_of_scope
        else None,
        "run_seconds": round(sum(m.seconds or 0 for m in mutants), 1),
    }


def build(db_paths: Iterable[Path], triage_path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    mutants = [m for p in db_paths for m in mutants_of(p)]
    triage = read_triage(triage_path)
    for mutant in mutants:
        mutant.triage = triage.get(mutant.id)
    requirements = catalogue()
    by_area: dict[str, list[Mutant]] = defaultdict(list)
    by_requirement: Counter[str] = Counter()
    for mutant in mutants:
        if mutant.status == "killed":
            for area in sorted(
                {requirements[r].area for r in mutant.caught_by if r in requirements}
            ):
                by_area[area].append(mutant)
            by_requirement.update(mutant.caught_by)
    files = sorted({m.file for m in mutants})
    paths = [p for p in (*PATHS, "every path") if any(m.path == p for m in mutants)]
    in_target = [m for m in mutants if m.path in TARGET_PATHS]
    return {
        "format": FORMAT,
        **meta,
        "totals": _counts(mutants),
        "target": {
            "paths": list(TARGET_PATHS),
            "goal": 0.95,
            **_counts(in_target),
        },
        "per_file": {f: _counts(m for m in mutants if m.file == f) for f in files},
        "per_path": {p: _counts(m for m in mutants if m.path == p) for p in paths},
        "per_area": {a: len(ms) for a, ms in sorted(by_area.items())},
        "per_requirement": dict(sorted(by_requirement.items())),
        "stale_triage": sorted(set(triage) - {m.id for m in mutants}),
        "mutants": [m.as_json() for m in mutants if m.status != "skipped"],
        "skipped": [
            {"id": m.id, "file": m.file, "line": m.line, "operator": m.operator, "why": m.note}
            for m in mutants
            if m.status == "skipped"
        ],
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _row(name: str, c: dict[str, Any]) -> str:
    return (
        f"| {name} | {c['tested']} | {c['killed']} | {c['killed_by_timeout']} | {c['survived']} "
        f"| {c['equivalent']} | {c['out_of_scope']} | {c['untriaged']} | {_pct(c['score'])} |"
    )


HEADER = (
    "| | tested | killed | of which timeout | survived | equivalent | out of scope | untriaged "
    "| score |\n|---|---|---|---|---|---|---|---|---|"
)


def markdown(doc: dict[str, Any]) -> str:
    totals, target = doc["totals"], doc["target"]
    lines = [
        "# Mutation testing of the reference server",
        "",
        f"{doc['date']}, commit {doc['commit']}, {doc['mode']}, cosmic-ray {doc['tool_version']}; "
        f"this invocation ran {doc['ran']} mutants in {doc['wall_s']:.0f} s.",
        "",
        f"**Score {_pct(totals['score'])}** (killed / non-equivalent): {totals['killed']} of "
        f"{totals['tested']} tested mutants killed ({totals['killed_by_timeout']} by timeout), "
        f"{totals['equivalent']} equivalent. The functions of the update, retrieve and create "
        f"paths: {_pct(target['score'])} (goal 95%). Leaving out as well the survivors the "
        f"page allows (out of scope): {_pct(totals['score_on_faults'])}, target paths "
        f"{_pct(target['score_on_faults'])}.",
        "",
        f"The mutants' runs took {totals['run_seconds']:.0f} s in all (over every invocation "
        "that added results).",
        "",
        f"Generated {totals['generated']}, skipped {totals['skipped']} (operator filter, scope), "
        f"pending {totals['pending']}, incompetent {totals['incompetent']}; killed with no "
        f"requirement failed (the suite broke instead): "
        f"{totals['killed_without_failed_requirement']}.",
        "",
        HEADER,
        _row("all", totals),
        _row("**target paths**", target),
        *[_row(f"`{name}`", c) for name, c in doc["per_file"].items()],
        *[_row(f"path: {name}", c) for name, c in doc["per_path"].items()],
        "",
        "## Mutants killed per requirement area",
        "",
        "A mutant counts in every area one of whose requirements FAILed or WARNed against it.",
        "",
        "| area | mutants |",
        "|---|---|",
        *[f"| {area} | {n} |" for area, n in doc["per_area"].items()],
        "",
        "## Survivors",
        "",
    ]
    survivors = [m for m in doc["mutants"] if m["status"] == "survived"]
    if not survivors:
        lines.append("None.")
    for mutant in survivors:
        others = ", ".join(f"{r} {v}" for r, v in mutant["other_verdicts"].items())
        lines += [
            f"### `{mutant['id']}` {mutant['file']}:{mutant['line']} `{mutant['function']}` "
            f"({mutant['operator'].split('/')[-1]}): {mutant['triage'] or 'UNTRIAGED'}",
            "",
            *([f"Other verdicts: {others}", ""] if others else []),
            "```diff",
            mutant["diff"] or "(no diff)",
            "```",
            "",
        ]
    unexplained = [m for m in doc["mutants"] if m["status"] == "killed" and not m["caught_by"]]
    if unexplained:
        lines += [
            "## Killed with no requirement failed",
            "",
            "The run failed, but not under a requirement: the suite could not be set up against",
            "the mutant, or could not even import it (a SyntaxWarning is an error in the suite's",
            "pytest settings). Each line gives the run's last line of output.",
            "",
        ]
        lines += [
            f"- `{m['id']}` {m['file']}:{m['line']} `{m['function']}` "
            f"({m['operator'].split('/')[-1]}): {(m['note'] or '')[:160]}"
            for m in unexplained
        ]
        lines.append("")
    incompetent = [m for m in doc["mutants"] if m["status"] == "incompetent"]
    if incompetent:
        lines += ["## Incompetent (the test command could not run)", ""]
        lines += [f"- `{m['id']}` {m['file']}:{m['line']}: {m['note'][:200]}" for m in incompetent]
    if doc["stale_triage"]:
        lines += [
            "",
            "Triage entries that match no mutant any more: " + ", ".join(doc["stale_triage"]),
        ]
    return "\n".join(lines) + "\n"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")
