"""pytest-html's rows, counts and filters say what the terminal says: an INCONCLUSIVE case is
"Inconclusive" (not "Skipped"), a WARN "Warned" (not "Passed"), a case not run "Not run", and
the counts at the top of report.html equal the terminal's summary line.

pytest-html knows pytest's outcomes only, so this takes its public hooks as far as they go:
the report data gets the suite's categories (their checkboxes and counts); a row's Result cell
names its category (conformance.run.status_of, as the terminal does); the counts are taken from
the rows (pytest-html counts its own outcome names); a skipped row's log opens with its reason,
not pytest's raw (path, line, reason) tuple. One thing no hook reaches: the page's script keeps
its own list of the categories it filters by and hides rows of any other, so the written page
gets the suite's categories added to that list. Where a pytest-html version has no such list
(`supported` is False), rows keep pytest-html's names, so none is ever hidden.
"""

from __future__ import annotations

import functools
import html
import importlib.resources
import re
from collections import Counter
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from conformance.options import read_pytest_option
from conformance.run import NOT_RUN_CATEGORY, UNJUDGED, WARNED, state_of, status_of

LABELS = {WARNED: "Warned", UNJUDGED: "Inconclusive", NOT_RUN_CATEGORY: "Not run"}
FILTERS = "const possibleFilters = [\n"
REPORT_DATA = pytest.StashKey[Any]()
CSS = """
span.warned, .warned .col-result { color: #856404; }
span.inconclusive, .inconclusive .col-result, span.not.run, .not.run .col-result {
  color: #fd7e14; }
"""


@functools.cache
def supported() -> bool:
    """True when pytest-html's script has the filter list this module extends."""
    try:
        script = importlib.resources.files("pytest_html") / "resources" / "app.js"
        return FILTERS in script.read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return False


def _ours(config: pytest.Config) -> bool:
    return state_of(config) is not None and supported()


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    """The report data (its `outcomes`: a checkbox and a count each) gets the categories."""
    if not _ours(report.config):
        return
    report.config.stash[REPORT_DATA] = report
    outcomes = dict(report.outcomes)
    report.outcomes.clear()
    for name, entry in outcomes.items():
        report.outcomes[name] = entry
        if name == "skipped":
            for category, label in LABELS.items():
                report.outcomes[category] = {"label": label, "value": 0}


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: Any, cells: list[str]) -> None:
    status = status_of(report) if isinstance(report, pytest.TestReport) else None
    if status is not None and cells and supported():
        cells[0] = f'<td class="col-result">{LABELS[status[0]]}</td>'


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_html(report: Any, data: list[str]) -> None:
    """A skipped case's log opens with its verdict and reason ("INCONCLUSIVE: ..."), not with
    str() of pytest's (path, line, "conformance.failures.Inconclusive: ...") tuple."""
    longrepr = getattr(report, "longrepr", None)
    opens = bool(data) and data[0] == html.escape(getattr(report, "longreprtext", "")) + "\n"
    if isinstance(longrepr, tuple) and len(longrepr) == 3 and opens:
        properties = dict(getattr(report, "user_properties", ()))
        verdict, message = properties.get("verdict"), properties.get("message")
        reason = f"{verdict}: {message}" if verdict and message else str(longrepr[2])
        data[0] = html.escape(reason) + "\n"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    """The counts, from the rows: pytest-html counted each under its own outcome name."""
    report = session.config.stash.get(REPORT_DATA, None)
    if report is None:
        return
    rows = Counter(
        str(test.get("result", "")).lower()
        for tests in report.data["tests"].values()
        for test in tests
    )
    for name, entry in report.outcomes.items():
        entry["value"] = rows.get(name, 0)
    prefix.append(f"<style>{CSS}</style>")


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None]:
    """After pytest-html wrote the page: its script filters by the suite's categories too."""
    result = yield
    path = read_pytest_option(session.config, "htmlpath")
    if REPORT_DATA in session.config.stash and path and Path(path).is_file():
        page = Path(path).read_text(encoding="utf-8")
        added = "".join(f"    '{category}',\n" for category in LABELS)
        if not re.search(re.escape(FILTERS + added), page):
            Path(path).write_text(page.replace(FILTERS, FILTERS + added, 1), encoding="utf-8")
    return result
