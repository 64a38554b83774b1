"""The root cause in the terminal: told once, before pytest's FAILURES, and each case it
explains shown briefly ("see the cause above" and its own exchanges) instead of in full.

The cases' brief texts were made where they ran (conformance.run.RunState.tell_cause, which
knew their exchanges) and travel on their reports. pytest-html, JUnit and compliance.json took
the full texts already, when each report arrived; only the terminal, which prints at the end,
gets the brief ones.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import pytest

from conformance.judge import TRANSCRIPT_SECTION


class TellCauseFirst:
    """A plugin object: its terminal summary wraps pytest's own, so it writes first."""

    def __init__(self, document: Callable[[], dict[str, Any]]) -> None:
        self.document = document

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter, exitstatus: int
    ) -> Generator[None]:
        if exitstatus != pytest.ExitCode.USAGE_ERROR:
            cause = self.document().get("cause")
            if cause:
                tell(terminalreporter, cause)
                for reports in terminalreporter.stats.values():
                    for report in reports:
                        shorten(report, cause["kind"])
        return (yield)


def tell(terminalreporter: pytest.TerminalReporter, cause: dict[str, Any]) -> None:
    terminalreporter.write_sep("=", "ROOT CAUSE", red=True)
    terminalreporter.write_line(cause["summary"], bold=True)
    terminalreporter.write_line(
        f"It explains {cause['cases']} failing or inconclusive cases; each says "
        '"see the cause above" with its own exchanges (report.html has them in full).'
    )
    if cause["transcript"]:
        terminalreporter.write_line("")
        terminalreporter.write_line(cause["transcript"])


def shorten(report: Any, kind: str) -> None:
    """A report the cause explains gets its brief text, where the terminal reads its text."""
    properties = dict(getattr(report, "user_properties", ()))
    brief = properties.get("cause_brief")
    if properties.get("cause") != kind or not isinstance(brief, str):
        return
    if isinstance(report.longrepr, str):
        report.longrepr = brief
    report.sections = [
        (name, brief if name == TRANSCRIPT_SECTION else text) for name, text in report.sections
    ]
