"""History without a server (--history): one compact line per run, and per requirement the
recent verdicts of the same target and the date it has been failing since.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.reference import BackgroundServer
from conformance.report.history import WINDOW, annotate, load, target_key
from tests.conftest import API_KEY, SuiteRun
from tests.faults.catalogue import UsageTotalOffByOne

Run = Callable[..., SuiteRun]
BROKEN = "UCC-SHAPE-USAGE-TOTAL"


def record(day: int, verdict: str | None, target: str = "http://a.test/v1") -> dict[str, Any]:
    return {
        "format": "ucc-history/1",
        "run_id": f"{day:016x}",
        "started_at": f"2026-01-{day:02d}T00:00:00Z",
        "target": [target, "m"],
        "verdicts": {"UCC-X": verdict} if verdict else {},
    }


def current(verdict: str) -> dict[str, Any]:
    """A document of day 28 with one requirement."""
    return {
        "run_id": "f" * 16,
        "started_at": "2026-01-28T00:00:00Z",
        "target": {"base_url": "http://a.test/v1", "embedded": False},
        "model": "m",
        "profile": None,
        "suite_version": "0",
        "complete": True,
        "headline": "",
        "requirements": [{"id": "UCC-X", "verdict": verdict}],
    }


def strip_of(verdict: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    doc = current(verdict)
    annotate(doc, records)
    history: dict[str, Any] = doc["requirements"][0]["history"]
    return history


def test_failing_since_is_the_start_of_the_current_streak() -> None:
    """A pass ends a streak; a skip or an unrun day neither ends nor extends it."""
    records = [
        record(1, "FAIL"),
        record(2, "PASS"),
        record(3, "WARN"),
        record(4, "SKIP"),
        record(5, None),
        record(6, "FAIL"),
        record(7, "PASS", target="http://other.test/v1"),  # another target: not counted
    ]
    history = strip_of("FAIL", records)
    assert history["failing_since"] == "2026-01-03T00:00:00Z"
    assert [h["verdict"] for h in history["recent"]] == [
        "FAIL",
        "PASS",
        "WARN",
        "SKIP",
        "NOT RUN",
        "FAIL",
        "FAIL",
    ]
    assert strip_of("PASS", records)["failing_since"] is None


def test_strip_shows_the_last_window_of_runs() -> None:
    records = [record(day, "PASS") for day in range(1, 20)]
    recent = strip_of("FAIL", records)["recent"]
    assert len(recent) == WINDOW and recent[-1]["verdict"] == "FAIL"
    assert recent[0]["started_at"] == f"2026-01-{20 - WINDOW + 1:02d}T00:00:00Z"


def test_damaged_line_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(record(1, "PASS")) + "\n{torn\n" + json.dumps(record(2, "FAIL")))
    assert [r["started_at"][:10] for r in load(path)] == ["2026-01-01", "2026-01-02"]


def test_runs_append_and_the_reports_show_the_strip(
    serve: Callable[..., BackgroundServer], run_suite: Run, tmp_path: Path
) -> None:
    """Two nightly runs against the same vendor: the second shows both, failing since the
    first."""
    server = serve(UsageTotalOffByOne)
    history = tmp_path / "history.jsonl"
    args = (
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        "--model=test-model",
        "--consistency-timeout=0",
        "-m",
        "shape",
        f"--history={history}",
    )
    first, second = run_suite(*args), run_suite(*args)
    lines = [json.loads(line) for line in history.read_text("utf-8").splitlines()]
    assert [line["run_id"] for line in lines] == [
        first.compliance["run_id"],
        second.compliance["run_id"],
    ]
    assert lines[1]["verdicts"][BROKEN] == "FAIL"
    assert lines[1]["digest"] == second.compliance["digest"]["value"]
    doc = second.compliance
    assert doc["history"] == {"runs": 2, "window": WINDOW}
    (entry,) = [r for r in doc["requirements"] if r["id"] == BROKEN]
    assert [h["verdict"] for h in entry["history"]["recent"]] == ["FAIL", "FAIL"]
    assert entry["history"]["failing_since"] == first.compliance["started_at"]
    html = (second.reports_dir / "report.html").read_text("utf-8")
    assert "Recent runs" in html and f"failing since {first.compliance['started_at'][:10]}" in html
    since = first.compliance["started_at"][:10]
    assert f"(failing since {since})" in second.verdict_row(BROKEN)


def test_embedded_runs_are_one_target_whatever_their_port() -> None:
    """The embedded server gets a new port each run; its history must still chain."""
    runs = [
        {"target": {"base_url": f"http://127.0.0.1:{port}/v1", "embedded": True}, "model": "r"}
        for port in (40001, 40002)
    ]
    assert target_key(runs[0]) == target_key(runs[1]) == ["embedded", "r"]
    vendor = {"target": {"base_url": "http://127.0.0.1:40001/v1", "embedded": False}, "model": "r"}
    assert target_key(vendor) != target_key(runs[0])
