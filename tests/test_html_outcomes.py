"""report.html's pytest-html table counts what the terminal counts
(conformance.report.html_outcomes), on a run with failed, passed, skipped and inconclusive
cases: the store of tests/test_root_cause.py, whose new completions stay unreadable.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable

import pytest

from tests.conftest import SuiteRun
from tests.test_root_cause import UnreadableForAMinute

Run = Callable[..., SuiteRun]


@pytest.fixture
def lagging(run_against: Run) -> SuiteRun:
    return run_against(UnreadableForAMinute, "-p", "no:randomly")


def test_html_rows_and_counts_are_the_terminals(lagging: SuiteRun) -> None:
    """The same run seen in report.html: INCONCLUSIVE rows say so, the counts at the top are
    the terminal's summary line, and no log opens with a Python tuple."""
    summary = lagging.result.outlines[-1]
    terminal = {
        word: int(n)
        for n, word in re.findall(r"(\d+) (failed|passed|skipped|inconclusive)", summary)
    }
    assert terminal["inconclusive"] > 0 and terminal["failed"] > 0, summary
    page = (lagging.reports_dir / "report.html").read_text("utf-8")
    counts = {
        name: int(n)
        for name, n in re.findall(r'<span class="([a-z ]+)">(\d+) [^<]*</span>', page)
        if int(n)
    }
    assert counts == terminal
    blob = re.search(r'data-jsonblob="([^"]*)"', page)
    assert blob is not None
    rows = [
        t for tests in json.loads(html.unescape(blob.group(1)))["tests"].values() for t in tests
    ]
    assert Counter(t["result"].lower() for t in rows) == terminal
    unjudged = [t for t in rows if t["result"] == "Inconclusive"]
    assert unjudged and all(t["log"].startswith("INCONCLUSIVE: ") for t in unjudged)
    assert not any(t["log"].startswith("(") for t in rows)
    assert "const possibleFilters = [\n    'warned',\n    'inconclusive',\n" in page
