"""What a run tells its readers: the terminal verdict table, the HTML report's additions,
reports/compliance.json, the history line and the regression gate.

Everything renders from one document (conformance.report.compliance), built once at the end of
the session, so the terminal, the HTML and the JSON never disagree. Written only by the xdist
controller (or the only process).
"""

from __future__ import annotations

import html
import json
import secrets
import shutil
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _pytest import junitxml

from conformance import __version__
from conformance.judge import TRANSCRIPT_SECTION
from conformance.options import read_pytest_option
from conformance.profiles import today
from conformance.report import baseline as gate_
from conformance.report import compliance, history, markup
from conformance.report.profiles import assess, detect_capabilities
from conformance.report.root_cause import TellCauseFirst
from conformance.report.schema import ReportError
from conformance.requirements import catalogue
from conformance.run import LATE_PREFIX, RunState, state_of
from conformance.verdicts import CaseResult, summarize, waive


@dataclass
class RunReport:
    """The reporting side of a run, in config.stash (controller only)."""

    run_id: str
    history: Path | None
    baseline: dict[str, Any] | None
    stopped: str | None = None
    interrupted: bool = False  # Ctrl-C (or pytest's own interruption): exit status 2
    document: dict[str, Any] | None = None


REPORT = pytest.StashKey[RunReport]()


def _running(config: pytest.Config) -> RunState:
    """The run's state, where a run report exists (the controller of a conformance run)."""
    state = state_of(config)
    if state is None:
        raise RuntimeError("no conformance run is under way")
    return state


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Runs after the plugin's own configure: a bad --baseline or --history is a usage error
    up front."""
    state = state_of(config)
    if state is None or _is_worker(config):
        return
    history_path = state.options.get("history")
    baseline = None
    baseline_path = state.options.get("baseline")
    if baseline_path:
        try:
            baseline = gate_.load_baseline(Path(baseline_path))
        except ReportError as exc:
            raise pytest.UsageError(f"--baseline: {exc}") from None
    if history_path:
        try:
            history.check(Path(history_path))
        except ReportError as exc:
            raise pytest.UsageError(f"--history: {exc}") from None
    report = config.stash[REPORT] = RunReport(
        run_id=secrets.token_hex(8),
        history=Path(history_path) if history_path else None,
        baseline=baseline,
    )
    config.pluginmanager.register(Interruption(report), "conformance-interruption")
    config.pluginmanager.register(
        TellCauseFirst(lambda: document(config)), "conformance-root-cause"
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """JUnit readers see whose run it is, as the other reports say (after every configure,
    when the JUnit writer exists)."""
    state = state_of(session.config)
    xml = session.config.stash.get(junitxml.xml_key, None)
    if state is not None and xml is not None:
        xml.add_global_property("conformance_target", state.target_label)
        xml.add_global_property("conformance_embedded", str(state.settings.embedded).lower())


def _failed_verdicts(config: pytest.Config) -> list[str | None]:
    """The verdict of every report pytest counted as a failure or error."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {})
    failed = [*stats.get("failed", []), *stats.get("error", [])]
    return [
        next((str(v) for k, v in getattr(r, "user_properties", []) if k == "verdict"), None)
        for r in failed
    ]


def document(config: pytest.Config) -> dict[str, Any]:
    """The run's compliance document, built on first use at the end of the session."""
    report = config.stash[REPORT]
    if report.document is not None:
        return report.document
    state = _running(config)
    if state.cleanup_interrupted and not report.interrupted:
        report.interrupted = True  # the cases ran, but the user stopped the cleanup
        report.stopped = "the run was interrupted during its cleanup"
    results = summarize(catalogue(), state.results)
    on = today()
    profile = state.profile
    if profile is not None:
        waive(results, profile.live_ids(on))
    doc = compliance.build(
        run_id=report.run_id,
        settings=state.settings,
        totals=state.totals(),
        started=state.started,
        duration=time.time() - state.started,
        results=results,
        stopped=report.stopped,
        interrupted=report.interrupted,
        setup_failures=_setup_failures(state.results),
    )
    doc["capabilities"] = detect_capabilities(results)
    if profile is not None:
        doc["profile"] = assess(profile, results, doc["capabilities"], on)
        listed = {d["requirement"]: d for d in doc["profile"]["deviations"]}
        for requirement in doc["requirements"]:
            if requirement["id"] in listed:
                requirement["deviation"] = {
                    k: v for k, v in listed[requirement["id"]].items() if k != "requirement"
                }
    if report.baseline is not None:
        changes = gate_.diff(report.baseline, doc)
        reason = gate_.gate(changes, _failed_verdicts(config), doc)
        changes["gate"] = {"fails": reason is not None, "reason": reason}
        doc["baseline"] = changes
    if report.history is not None:
        history.annotate(doc, history.load(report.history))
    report.document = compliance.seal(doc, state.redact)
    return report.document


def _setup_failures(results: list[CaseResult]) -> list[str]:
    """Each setup failure's transcript, once per cause (xdist workers each meet it)."""
    by_cause: dict[str, str] = {}
    for case in results:
        if case.setup_failure:
            by_cause.setdefault(compliance.setup_cause(case.setup_failure), case.setup_failure)
    return list(by_cause.values())


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Any:
    """Before the other implementations: note an interruption. After them (the plugin's
    cleanup and pytest-html's report included): write compliance.json and the history line,
    and apply the regression gate to the exit status."""
    config = session.config
    report = config.stash.get(REPORT, None)
    if exitstatus == pytest.ExitCode.USAGE_ERROR:
        report = None  # a usage error leaves no report (conformance.arguments)
    if report is not None:
        state = state_of(config)
        if exitstatus == pytest.ExitCode.INTERRUPTED or (state is not None and state.ctrl_c.seen):
            report.interrupted = True
            report.stopped = report.stopped or "the run was interrupted"
        elif session.shouldfail or session.shouldstop:
            report.stopped = f"the run stopped early ({session.shouldfail or session.shouldstop})"
    try:
        result = yield
    except KeyboardInterrupt:
        # A Ctrl-C while the run finishes (xdist tearing its workers down, pytest-html writing):
        # compliance.json is still written, and says so.
        if report is None:
            raise
        result, session.exitstatus = None, pytest.ExitCode.INTERRUPTED
    if report is None:
        return result
    state = _running(config)
    if state.ctrl_c.seen and not report.interrupted:
        # Every case ran, but the run did not end as it began: never PASSED (the README's
        # INTERRUPTED is any run that received a Ctrl-C), and a document built earlier for
        # the terminal or report.html is built again.
        report.interrupted = True
        report.stopped = "the run was interrupted (Ctrl-C) while it finished"
        report.document = None
    doc = document(config)
    path = Path(state.reports_dir) / "compliance.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if report.history is not None:
        history.append(report.history, history.record(doc))
    # --collect-only keeps pytest's 0 (NOTHING JUDGED).
    if not read_pytest_option(config, "collectonly"):
        session.exitstatus = exit_status(doc, session.exitstatus)
    state.ctrl_c.settle()
    return result


def exit_status(doc: dict[str, Any], pytest_status: int) -> int:
    """The exit status that says what the document says: 5 for a run that judged nothing, 2
    for one that did not complete (pytest's own 1 stays for -x after a failure), else 0 only
    when the run PASSED or the regression gate forgives what it found; never green when unsure
    (a MUST that could not be judged fails the run too)."""
    if doc["verdict"] == "NOTHING JUDGED" and pytest_status in (0, 1, 5):
        return pytest.ExitCode.NO_TESTS_COLLECTED
    if not doc["complete"]:
        return pytest_status or pytest.ExitCode.INTERRUPTED
    if pytest_status not in (0, 1):
        return pytest_status
    gate = (doc.get("baseline") or {}).get("gate")
    failing = gate["fails"] if gate else doc["verdict"] != "PASSED" or pytest_status == 1
    return pytest.ExitCode.TESTS_FAILED if failing else pytest.ExitCode.OK


class Interruption:
    """Says why pytest ended the run with exit status 2: a Ctrl-C, or pytest's own stop
    (errors during collection). A plugin object: the hook gets no config to find the run by."""

    def __init__(self, report: RunReport) -> None:
        self.report = report

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        value = excinfo.value
        if type(value) is not KeyboardInterrupt and str(value):
            self.report.stopped = f"the run was interrupted ({value})"


# --- terminal -------------------------------------------------------------------------------
COLOURS = {
    "FAIL": {"red": True},
    "ERROR": {"red": True},
    "WARN": {"yellow": True},
    "INCONCLUSIVE": {"yellow": True},
    "XFAIL": {"purple": True},
    "PASS": {"green": True},
    "FAILED": {"red": True},
    "SETUP FAILED": {"red": True},
    "INTERRUPTED": {"yellow": True},
    "NOTHING JUDGED": {"yellow": True},
    "PASSED": {"green": True},
}


def _sections(
    terminalreporter: pytest.TerminalReporter, category: str, title: str, text: Any
) -> None:
    """Each report of a category with its full text, under one heading (a case once)."""
    reports = [r for r in terminalreporter.stats.get(category, []) if text(r)]
    if not reports:
        return
    terminalreporter.write_sep("=", title, yellow=True)
    for report in reports:
        terminalreporter.write_sep("_", report.head_line or report.nodeid, yellow=True)
        terminalreporter.write_line(text(report))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    state = state_of(config)
    if state is None or _is_worker(config) or REPORT not in config.stash:
        return
    if exitstatus == pytest.ExitCode.USAGE_ERROR:
        return
    doc = document(config)
    write = terminalreporter.write_line
    # SHOULD failures do not fail the run, but a vendor needs their full story too; so does
    # every case that could not be judged.
    _sections(
        terminalreporter,
        "warned",
        "WARN: SHOULD requirements not met",
        lambda r: r.longreprtext,
    )
    _sections(
        terminalreporter,
        "inconclusive",
        "INCONCLUSIVE: cases that could not be judged",
        lambda r: dict(r.sections).get(TRANSCRIPT_SECTION),
    )
    late = [c for c in state.results if c.nodeid.startswith(LATE_PREFIX) and c.transcript]
    if late:
        terminalreporter.write_sep(
            "=", "FAIL: invariants broken after their sweep case ran", red=True
        )
        for case in late:
            terminalreporter.write_sep("_", case.nodeid, red=True)
            write(case.transcript or "")
    for failure in doc["setup_failures"]:
        terminalreporter.write_sep("=", "SETUP FAILED: no requirement was judged", red=True)
        write(failure["transcript"])
    terminalreporter.write_sep("=", "requirement verdicts")
    for line, colour in verdict_lines(doc, shutil.get_terminal_size((120, 24)).columns):
        write(line, **COLOURS.get(colour, {}))
    write("")
    if not doc["complete"]:
        write(f"INCOMPLETE: {doc['stopped']}; the verdicts cover only the cases that ran", red=True)
    write(f"target: {state.target_label}", bold=True)
    write(f"verdict: {doc['headline']}", bold=True, **COLOURS.get(doc["verdict"], {"yellow": True}))
    write(markup.cost_line(doc))
    announced = markup.rate_limit_headers_line(doc)
    if announced:
        write(announced)
    cause = doc.get("cause")
    if cause:
        write(f"root cause (told above, {cause['cases']} cases): {cause['summary']}", yellow=True)
    lost = markup.lost_writes_line(doc)
    if lost and (not cause or lost != cause["summary"]):
        write(lost, yellow=True)
    if state.swept:
        write(f"deleted {state.swept} completion(s) left by an earlier interrupted run")
    for note in state.cleanup_notes:
        write(note)
    _profile_lines(terminalreporter, doc)
    _baseline_lines(terminalreporter, doc)
    where = Path(state.reports_dir)
    write(f"reports: {where / 'report.html'}, {where / 'junit.xml'}, {where / 'compliance.json'}")


def verdict_lines(doc: dict[str, Any], width: int) -> list[tuple[str, str]]:
    """The verdict table, in catalogue order: one row per requirement that ran, the columns
    aligned, and a long observation wrapped under its row instead of cut."""
    rows = [r for r in doc["requirements"] if r["verdict"] != "NOT RUN"]
    id_width = max((len(r["id"]) for r in rows), default=0)
    indent = " " * (12 + 1 + id_width + 1 + 6 + 1)
    lines = []
    for r in rows:
        head = f"{r['verdict']:<12} {r['id']:<{id_width}} {r['level']:<6}"
        text = markup.detail(r) if (r["verdict"] != "PASS" or r.get("deviation")) else ""
        since = (r.get("history") or {}).get("failing_since")
        if since:
            text += f" (failing since {since[:10]})"
        if r["verdict"] == "ERROR":
            text = f"[the suite broke, not the target] {text}"
        wrapped = textwrap.wrap(text.strip(), max(20, width - len(indent))) or [""]
        lines.append(((head + " " + wrapped[0]).rstrip(), r["verdict"]))
        lines += [(indent + more, r["verdict"]) for more in wrapped[1:]]
    return lines


def _profile_lines(terminalreporter: pytest.TerminalReporter, doc: dict[str, Any]) -> None:
    profile = doc.get("profile")
    if not profile:
        return
    waived = [d["requirement"] for d in profile["deviations"] if d["status"] == "xfail"]
    terminalreporter.write_line(
        f"profile {profile['name']}: {len(profile['deviations'])} known deviation(s); "
        f"XFAIL: {', '.join(waived) or '-'}"
    )
    for flag in profile["flags"]:
        terminalreporter.write_line(f"profile: {flag['message']}", yellow=True)


def _baseline_lines(terminalreporter: pytest.TerminalReporter, doc: dict[str, Any]) -> None:
    changes = doc.get("baseline")
    if not changes:
        return
    terminalreporter.write_sep("=", "regression gate")
    for line in gate_.lines(changes):
        terminalreporter.write_line(line)
    gate = changes["gate"]
    if gate["fails"]:
        terminalreporter.write_line(f"gate: the run FAILS: {gate['reason']}", red=True)
    else:
        terminalreporter.write_line("gate: no regression; the run passes", green=True)


# --- pytest-html ------------------------------------------------------------------------------
@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    report.title = f"Update chat completion conformance — suite {__version__}"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    if state_of(session.config) is None or REPORT not in session.config.stash:
        return
    prefix.extend(markup.run_summary(document(session.config)))


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    cells.insert(1, "<th>Requirement</th>")
    cells.insert(2, "<th>Verdict</th>")


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(
    report: pytest.TestReport | pytest.CollectReport, cells: list[str]
) -> None:
    # A module that failed to import gets a row too, from its collection report.
    props = dict(getattr(report, "user_properties", ()))
    cells.insert(1, f"<td>{html.escape(str(props.get('requirement', '')))}</td>")
    cells.insert(2, f"<td>{html.escape(str(props.get('verdict', '')))}</td>")
