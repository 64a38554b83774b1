"""The regression gate: `--baseline path/to/previous/compliance.json`.

With a baseline a run fails only on requirements that PASSed in the baseline and FAIL now
(regressions); what still fails, what was never judged before and what only warns does not fail
it, so a nightly job goes red once per new breakage. The gate never forgives what keeps it from
vouching for the run: a case that ended in ERROR, a target that could not be set up, a run that
did not complete (INTERRUPTED, or stopped early) or judged nothing, a MUST not judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.report.history import target_key
from conformance.report.schema import load_document

FAILING = frozenset({"FAIL", "WARN", "XFAIL"})


def load_baseline(path: Path) -> dict[str, Any]:
    """The baseline document, checked like any compliance.json (ReportError if unusable)."""
    return load_document(path)


def diff(baseline: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """What changed since the baseline, in catalogue order."""
    before = {r["id"]: r["verdict"] for r in baseline["requirements"]}
    regressions, fixed, still, other = [], [], [], []
    for requirement in document["requirements"]:
        rid, now = requirement["id"], requirement["verdict"]
        was = before.get(rid, "NOT RUN")
        if was == "PASS" and now == "FAIL":
            regressions.append(rid)
        elif was in FAILING and now == "PASS":
            fixed.append(rid)
        elif was in FAILING and now in FAILING:
            still.append(rid)
        elif was != now:
            other.append({"id": rid, "before": was, "now": now})
    return {
        "started_at": baseline["started_at"],
        "digest": baseline["digest"]["value"],
        "catalogue": catalogue_change(baseline, document),
        "same_target": target_key(baseline) == target_key(document),
        "regressions": regressions,
        "fixed": fixed,
        "still_failing": still,
        "other_changes": other,
    }


def catalogue_change(baseline: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """Whether the baseline was judged against the same requirement catalogue: a run of
    another suite version may have requirements added, changed or retired (CHANGELOG.md), and
    a verdict that moved may be the catalogue's doing, not the target's."""
    was, now = baseline["spec"]["requirements"], document["spec"]["requirements"]
    same = was["sha256"] == now["sha256"]
    note = None
    if not same:
        note = (
            f"the baseline was judged against requirement catalogue version "
            f"{was.get('version')} (sha256 {was['sha256'][:12]}, suite "
            f"{baseline.get('suite_version')}), this run against version {now.get('version')} "
            f"(sha256 {now['sha256'][:12]}, suite {document.get('suite_version')}): "
            "requirements may have been added, changed or retired since (see CHANGELOG.md)"
        )
    return {"same": same, "version": was.get("version"), "sha256": was["sha256"], "note": note}


def gate(
    changes: dict[str, Any], failed_verdicts: Iterable[str | None], document: dict[str, Any]
) -> str | None:
    """Why the gated run fails (None: it passes).

    `failed_verdicts` holds the verdict of every report pytest counted as failed or error
    (None for one without a verdict, e.g. a collection error). A run that was interrupted or
    stopped early, judged nothing, whose setup failed, or that could not judge a MUST
    requirement, fails whatever the baseline says: the gate cannot vouch for what was not
    checked.
    """
    if document.get("verdict") in ("INTERRUPTED", "NOTHING JUDGED"):
        return f"the run's verdict is {document['verdict']}: the gate cannot vouch for it"
    if not document.get("complete", True):
        return f"the run is incomplete ({document.get('stopped')})"
    if changes["regressions"]:
        n = len(changes["regressions"])
        return f"{n} regression(s) against the baseline: {', '.join(changes['regressions'])}"
    other = sorted({v or "no verdict" for v in failed_verdicts if v != "FAIL"})
    if other:
        return f"failures the baseline cannot forgive ({', '.join(other)})"
    if document.get("verdict") in ("SETUP FAILED", "ERROR"):
        return f"the run's verdict is {document['verdict']}"
    undecided = [
        r["id"]
        for r in document["requirements"]
        if r["level"] == "MUST" and r["verdict"] == "INCONCLUSIVE"
    ]
    if undecided:
        return f"{len(undecided)} MUST requirement(s) could not be judged: {', '.join(undecided)}"
    return None


def lines(changes: dict[str, Any]) -> list[str]:
    """The diff as the terminal prints it."""
    out = [
        f"baseline: run of {changes['started_at']} (digest {changes['digest'][:12]})"
        + ("" if changes["same_target"] else " of ANOTHER target")
    ]
    note = (changes.get("catalogue") or {}).get("note")
    if note:
        out.append(f"baseline: {note}")
    for title, key in (
        ("new failures", "regressions"),
        ("fixed", "fixed"),
        ("still failing", "still_failing"),
    ):
        ids = changes[key]
        out.append(f"{title} ({len(ids)}): {', '.join(ids) if ids else '-'}")
    if changes["other_changes"]:
        shown = ", ".join(f"{c['id']} {c['before']}->{c['now']}" for c in changes["other_changes"])
        out.append(f"other changes ({len(changes['other_changes'])}): {shown}")
    return out
