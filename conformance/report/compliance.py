"""The content of reports/compliance.json (format FORMAT, schema specs/compliance.schema.json).

Built once per run from the run's settings, its target's counters and the requirement results;
the terminal summary and the HTML report render from the same document, so the three never
disagree. `seal` redacts every string and adds the digest last.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from conformance import __version__
from conformance.causes import SEE_ABOVE, TITLES, Cause
from conformance.report.schema import FORMAT, digest
from conformance.requirements import CATALOGUE_PATH, OPENAPI_PATH, catalogue_version, file_sha256
from conformance.verdicts import (
    TRANSCRIBED,
    CaseResult,
    RequirementResult,
    Verdict,
    headline,
    run_verdict,
    void,
)

if TYPE_CHECKING:
    from conformance.settings import Settings

TRANSCRIPT_CHARS = 20_000
VERDICTS = [v.value for v in Verdict] + ["NOT RUN"]


def public_url(url: str) -> str:
    """The base URL as it may be published: no user info, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _case(case: CaseResult, cause: dict[str, Any] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "nodeid": case.nodeid,
        "verdict": case.verdict.value,
        "message": case.message,
    }
    if case.cause:
        entry["cause"] = case.cause
        if cause is not None and case.cause == cause["kind"] and case.message:
            entry["message"] = f"{SEE_ABOVE}: {case.message}"
    if case.transcript and case.verdict in TRANSCRIBED:
        text = case.transcript
        if len(text) > TRANSCRIPT_CHARS:
            text = text[:TRANSCRIPT_CHARS] + f"\n… ({len(case.transcript)} characters in all)"
        entry["transcript"] = text
    return entry


def build(
    *,
    run_id: str,
    settings: Settings,
    totals: dict[str, Any],
    started: float,
    duration: float,
    results: dict[str, RequirementResult],
    stopped: str | None,
    setup_failures: Sequence[str] = (),
    interrupted: bool = False,
) -> dict[str, Any]:
    """The document before the profile, baseline and history parts (added by the caller).

    `setup_failures` are the transcripts of what could not be set up; with any, no
    requirement keeps a PASS or FAIL (verdicts.void) and the run's verdict is SETUP FAILED.
    `stopped` says why the run did not complete; `interrupted`, that it was interrupted
    (Ctrl-C): its verdict is then INTERRUPTED.
    """
    failures = [{"cause": setup_cause(text), "transcript": text} for text in setup_failures]
    if failures:
        void(results, f"not judged: setup failed ({failures[0]['cause']})")
    setup_failed = failures[0]["cause"] if failures else None
    cause = root_cause([c for r in results.values() for c in r.cases], totals)
    ending: dict[str, Any] = {"interrupted": interrupted, "stopped": stopped}
    counts = dict.fromkeys(VERDICTS, 0)
    for result in results.values():
        counts[result.verdict.value if result.verdict else "NOT RUN"] += 1
    return {
        "format": FORMAT,
        "suite_version": __version__,
        "run_id": run_id,
        "complete": stopped is None,
        "stopped": stopped,
        "spec": {
            "openapi": {"path": _rel(OPENAPI_PATH), "sha256": file_sha256(OPENAPI_PATH)},
            "requirements": {
                "path": _rel(CATALOGUE_PATH),
                "sha256": file_sha256(CATALOGUE_PATH),
                "version": catalogue_version(),
            },
        },
        # How the requests reached it (secret values redacted): the key's header, the extra
        # headers and query parameters, and the fields added to every create.
        "target": {
            "base_url": public_url(settings.base_url),
            "embedded": settings.embedded,
            **settings.access.public(),
        },
        "model": settings.model,
        "strict": settings.strict,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(duration, 3),
        # requests_sent, completions_created, max_storage_delay_s and the retry counters,
        # summed over the process and its xdist workers (RunState.totals).
        **totals,
        "verdict": run_verdict(results, setup_failed, **ending).value,
        "setup_failures": failures,
        "headline": headline(results, setup_failed, **ending),
        # One root cause that explains many failures, told once (conformance.causes).
        "cause": cause,
        "counts": counts,
        "capabilities": {},
        "profile": None,
        "baseline": None,
        "history": None,
        "requirements": [
            {
                "id": r.requirement.id,
                "level": r.requirement.level.value,
                "area": r.requirement.area,
                "summary": r.requirement.summary,
                "quote": r.requirement.quote,
                "basis": r.requirement.basis,
                "verdict": r.verdict.value if r.verdict else "NOT RUN",
                "observation": r.observation,
                "cases": [_case(c, cause) for c in r.cases],
            }
            for r in results.values()
        ],
    }


def seal(document: dict[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    """Redact every string of the document (defence in depth), then add its digest."""
    text = redact(json.dumps({k: v for k, v in document.items() if k != "digest"}))
    sealed: dict[str, Any] = json.loads(text)
    sealed["digest"] = digest(sealed)
    return sealed


def setup_cause(transcript: str) -> str:
    """The one-line cause of a setup failure's transcript (its heading, a blank, the cause)."""
    lines = transcript.splitlines()
    return lines[2] if len(lines) > 2 else transcript.strip()


def _rel(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def lost_writes(lost: list[dict[str, Any]]) -> dict[str, str]:
    """Per kind of write ("create", "update"), what never became visible, in one line: "2 new
    stored completions never became readable: the first on the next read
    (--consistency-timeout=0) (in UCC-RESP-STATUS)"."""
    found = {}
    for kind, noun, verb in (
        ("create", "new stored completion", "became readable"),
        ("update", "update", "became visible"),
    ):
        mine = [w for w in lost if w["kind"] == kind]
        if not mine:
            continue
        first = mine[0]
        within = (
            f"within {first['bound_s']:g} s"
            if first["bound_s"] > 0
            else "on the next read (--consistency-timeout=0)"
        )
        text = (
            f"{len(mine)} {noun}{'s' if len(mine) > 1 else ''} never {verb}: "
            f"the first {within} (in {first['requirement']})"
        )
        if len(mine) > 1 and first["bound_s"] > 0:
            text += f", {len(mine) - 1} more on a single read (waits cut short after the first)"
        found[kind] = text
    return found


# The causes whose one line is the lost-writes line of their kind (the counts are the run's).
LOST_KIND = {Cause.UNREADABLE.value: "create", Cause.LOST_UPDATES.value: "update"}


def root_cause(cases: Sequence[CaseResult], totals: dict[str, Any]) -> dict[str, Any] | None:
    """The root cause that leads the run's reports: of the causes that explain failures
    (conformance.causes), the one that explains the most cases, when it explains at least two
    (one case tells its own story). None when there is none."""
    counts = Counter(c.cause for c in cases if c.cause)
    order = [c.value for c in Cause]
    ranked = sorted(counts, key=lambda kind: (-counts[kind], order.index(kind)))
    if not ranked or counts[ranked[0]] < 2:
        return None
    kind = ranked[0]
    text = next((c.cause_text for c in cases if c.cause == kind and c.cause_text), "")
    parts = text.split("\n\n", 2)
    lost = lost_writes(totals.get("writes_never_visible") or []).get(LOST_KIND.get(kind, ""))
    return {
        "kind": kind,
        "summary": lost or (parts[1] if len(parts) > 1 else TITLES[Cause(kind)]),
        "cases": counts[kind],
        "transcript": parts[2] if len(parts) > 2 else "",
    }
