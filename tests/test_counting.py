"""Counting and wording: a case is counted once, a WARN reads as a warning everywhere, and the
verdict table keeps catalogue order, stays aligned, and wraps what it has to say.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from conformance.report.hooks import verdict_lines
from tests.conftest import SuiteRun
from tests.faults.catalogue import ValidationAnswers422

Run = Callable[..., SuiteRun]


def test_one_should_failure_is_one_warning_everywhere(run_against: Run) -> None:
    """One W in the progress line, "1 warned" in the summary, one case in the WARN section,
    passed (not xfailed: that is for a profile's known deviations) in pytest, HTML and JUnit."""
    run = run_against(ValidationAnswers422, "-k", "exactly_400 and seventeen")
    out = str(run.result.stdout)
    assert run.verdicts["UCC-ERR-VALIDATION-400"] == "WARN"
    assert run.result.ret == 0
    progress = next(line for line in run.result.stdout.lines if "test_errors.py" in line)
    assert re.search(r"test_errors\.py W\s", progress), progress
    summary = run.result.stdout.lines[-1]
    assert "1 warned" in summary and "xfail" not in summary, summary
    section = out.split("WARN: SHOULD requirements not met", 1)[1].split("requirement verdicts")[0]
    assert section.count("test_invalid_update_is_refused_with_exactly_400") == 1, section
    assert "expected HTTP 400, got HTTP 422" in section
    html = (run.reports_dir / "report.html").read_text(encoding="utf-8")
    assert "XFailed" not in html.split("data-jsonblob", 1)[1].split("</div>", 1)[0]
    testcase = ET.parse(run.reports_dir / "junit.xml").getroot().find(".//testcase")
    assert testcase is not None and testcase.find("skipped") is None


def requirement(rid: str, verdict: str, observation: str | None = None) -> dict[str, Any]:
    return {
        "id": rid,
        "level": "MUST",
        "verdict": verdict,
        "observation": observation,
        "cases": [],
    }


def test_verdict_table_is_aligned_and_wraps_long_observations() -> None:
    """The longest ID sets the column; an observation is wrapped under its row, never cut."""
    long = "the update was not visible within 30 s; " * 6
    doc = {
        "requirements": [
            requirement("UCC-A", "PASS"),
            requirement("UCC-VALID-GENERATED-INVALID-REJECTED", "FAIL", long),
            requirement("UCC-NOT-SELECTED", "NOT RUN"),
            requirement("UCC-B", "INFO", "merge"),
        ]
    }
    lines = [line for line, _ in verdict_lines(doc, 80)]
    assert [line.split()[1] for line in lines if not line.startswith(" ")] == [
        "UCC-A",
        "UCC-VALID-GENERATED-INVALID-REJECTED",
        "UCC-B",
    ]
    column = lines[1].index("the update")
    assert lines[-1].index("merge") == column
    continued = [line for line in lines if line.startswith(" ")]
    assert continued and all(line.index(line.strip()) == column for line in continued)
    assert all(len(line) <= 80 for line in lines)
    told = " ".join([lines[1][column:], *(line.strip() for line in continued)])
    assert " ".join(told.split()) == " ".join(long.split())
