"""One root cause is told once (conformance.causes, conformance.report.root_cause).

The store here is not read-your-writes: a new completion stays unreadable for a minute, and
the run demands read-your-writes (--consistency-timeout=0). Every case that updates one of the
run's completions then fails or cannot be judged for that one reason; the create and the
GET 404 that show it are told once, before the failures, and each case says "see the cause
above" with its own exchanges.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from markupsafe import escape

from conformance.causes import SEE_ABOVE, Cause, Watch
from conformance.client import Exchange
from conformance.consistency import Kind
from conformance.reference import ReferenceApi
from conformance.reference.store import Store
from conformance.report import job_summary
from tests.conftest import SuiteRun

Run = Callable[..., SuiteRun]


class UnreadableForAMinute(ReferenceApi):
    """New completions become readable a minute after their create (the reference store's own
    lag), updates at once: longer than any case of the run waits."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.store.create_delay = 60.0


@pytest.fixture
def lagging(run_against: Run) -> SuiteRun:
    return run_against(UnreadableForAMinute, "-p", "no:randomly")


def section(lines: list[str], title: str) -> list[str]:
    """The lines of a terminal section, from its `=== title ===` line to the next one."""
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"=+ {title} =+", line))
    end = next(i for i in range(start + 1, len(lines)) if re.fullmatch(r"=+ .* =+", lines[i]))
    return lines[start + 1 : end]


def test_unreadable_completions_are_told_once_and_each_case_points_to_them(
    lagging: SuiteRun,
) -> None:
    doc = lagging.compliance
    cause = doc["cause"]
    assert cause["kind"] == Cause.UNREADABLE.value
    assert re.match(
        r"\d+ new stored completions? never became readable: the first on the next "
        r"read \(--consistency-timeout=0\)",
        cause["summary"],
    ), cause["summary"]
    lines = lagging.result.outlines
    # The cause's own lines: the summary, what it explains, a blank, the exchanges.
    told = section(lines, "ROOT CAUSE")
    transcript = cause["transcript"].splitlines()
    assert told == [cause["summary"], told[1], "", *transcript], told[:4]
    assert len(told) == 3 + len(transcript)
    # ... each of them written once in the whole terminal output: the create and the GET 404.
    create = [line for line in transcript if line.startswith("reproduce: curl -X POST ")]
    read = [line for line in transcript if line.startswith("reproduce: curl -X GET ")]
    assert len(create) == len(read) == 1
    for line in (*create, *read):
        assert lines.count(line) == 1, line
    # Each affected case: one line pointing above, then its own exchange (not the create).
    explained = [
        c for r in doc["requirements"] for c in r["cases"] if c.get("cause") == cause["kind"]
    ]
    assert len(explained) == cause["cases"] >= 10
    assert all(c["message"].startswith(f"{SEE_ABOVE}: ") for c in explained)
    briefs = [line for line in lines if line.startswith(f"{SEE_ABOVE}: ")]
    assert len(briefs) == cause["cases"]
    # The full transcripts stay in compliance.json and report.html, each with its create.
    created = create[0].split(" -H ", 1)[0] + " -H "  # the run creates its two apart
    assert all(created in c["transcript"] for c in explained if "not visible" in c["message"])
    page = (lagging.reports_dir / "report.html").read_text("utf-8")
    assert "id='root-cause'" in page and str(escape(cause["summary"])) in page
    # Once under the cause, and in full (collapsed) in the transcript of each case it failed.
    assert page.count(str(escape(create[0]))) > 1
    assert "**Root cause**" in job_summary.render(doc)
    assert f"root cause (told above, {cause['cases']} cases): {cause['summary']}" in lines


def exchange(seq: int, method: str, path: str, *, status: int | None = 200, **kw: Any) -> Exchange:
    return Exchange(method, f"http://t.test/v1{path}", {}, None, status=status, seq=seq, **kw)


def test_a_target_that_stopped_answering_is_the_cause_of_what_was_not_sent() -> None:
    watch = Watch()
    hung = [
        exchange(i, "POST", "/chat/completions/c", status=None, error="no answer within 1 s")
        for i in (1, 2)
    ]
    skipped = exchange(
        3,
        "GET",
        "/chat/completions/c",
        status=None,
        error="not sent: the target stopped answering earlier (no answer within 1 s)",
    )
    for e in (*hung, skipped):
        watch.record(e)
    explained = watch.cause_of([skipped], lost=(), lost_now=())
    assert explained is not None and explained.cause is Cause.UNREACHABLE
    assert explained.shown == (hung[1],) and explained.own == (skipped,)


def test_rate_limiting_past_the_retries_is_a_cause_and_a_lone_404_is_none() -> None:
    watch = Watch()
    limited = exchange(1, "POST", "/chat/completions/c", status=429)
    missing = exchange(2, "GET", "/chat/completions/unknown", status=404)
    for e in (limited, missing):
        watch.record(e)
    explained = watch.cause_of([limited], lost=(), lost_now=())
    assert explained is not None and explained.cause is Cause.RATE_LIMITED
    assert watch.cause_of([missing], lost=(Kind.CREATE,), lost_now=()) is None
