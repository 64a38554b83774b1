"""The content of reports/compliance.json (format FORMAT, schema specs/compliance.schema.json).

Built once per run from the run's settings, its target's counters and the requirement results;
the terminal summary and the HTML report render from the same document, so the three never
disagree. `seal` redacts every string and adds the digest last.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from conformance import __version__
from conformance.report.schema import FORMAT, digest
from conformance.requirements import CATALOGUE_PATH, OPENAPI_PATH, load_yaml
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


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def public_url(url: str) -> str:
    """The base URL as it may be published: no user info, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _case(case: CaseResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "nodeid": case.nodeid,
        "verdict": case.verdict.value,
        "message": case.message,
    }
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
    ending: dict[str, Any] = {"interrupted": interrupted, "stopped": stopped}
    catalogue_version = _catalogue_version()
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
                "version": catalogue_version,
            },
        },
        "target": {"base_url": public_url(settings.base_url), "embedded": settings.embedded},
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
                "cases": [_case(c) for c in r.cases],
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


def _catalogue_version() -> int | None:
    data = load_yaml(CATALOGUE_PATH)
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, int) else None
