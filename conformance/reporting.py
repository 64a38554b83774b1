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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__
from conformance.report import baseline as gate_
from conformance.report import compliance, history, markup
from conformance.report.profiles import assess, detect_capabilities, today
from conformance.report.schema import FORMAT, ReportError
from conformance.requirements import catalogue
from conformance.verdicts import summarize, waive

COMPLIANCE_FORMAT = FORMAT  # the name older imports used


@dataclass
class RunReport:
    """The reporting side of a run, in config.stash (controller only)."""

    run_id: str
    history: Path | None
    baseline: dict[str, Any] | None
    stopped: str | None = None
    document: dict[str, Any] | None = None


REPORT = pytest.StashKey[RunReport]()


def _state(config: pytest.Config) -> Any:
    from conformance.plugin import STATE

    return config.stash.get(STATE, None)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Runs after the plugin's own configure: a bad --baseline is a usage error up front."""
    if _state(config) is None or _is_worker(config):
        return
    history_path = config.getoption("history") or config.getini("conformance_history") or None
    baseline = None
    baseline_path = config.getoption("baseline")
    if baseline_path:
        try:
            baseline = gate_.load_baseline(Path(baseline_path))
        except ReportError as exc:
            raise pytest.UsageError(f"--baseline: {exc}") from None
    config.stash[REPORT] = RunReport(
        run_id=secrets.token_hex(8),
        history=Path(history_path) if history_path else None,
        baseline=baseline,
    )


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
    state = _state(config)
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
        reason = gate_.gate(changes, _failed_verdicts(config)) if doc["complete"] else None
        changes["gate"] = {"fails": reason is not None, "reason": reason}
        doc["baseline"] = changes
    if report.history is not None:
        history.annotate(doc, history.load(report.history))
    report.document = compliance.seal(doc, state.redact)
    return report.document


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Any:
    """Before the other implementations: note an interruption. After them (the plugin's
    cleanup and pytest-html's report included): write compliance.json and the history line,
    and apply the regression gate to the exit status."""
    config = session.config
    report = config.stash.get(REPORT, None)
    if report is not None:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            report.stopped = "the run was interrupted"
        elif session.shouldfail or session.shouldstop:
            report.stopped = f"the run stopped early ({session.shouldfail or session.shouldstop})"
    result = yield
    if report is None:
        return result
    state = _state(config)
    doc = document(config)
    path = Path(state.reports_dir) / "compliance.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if report.history is not None:
        history.append(report.history, history.record(doc))
    gate = (doc.get("baseline") or {}).get("gate")
    if gate and doc["complete"] and session.exitstatus in (0, 1):
        failing = gate["fails"]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED if failing else pytest.ExitCode.OK
    return result


# --- terminal -------------------------------------------------------------------------------
COLOURS = {
    "FAIL": {"red": True},
    "ERROR": {"red": True},
    "WARN": {"yellow": True},
    "INCONCLUSIVE": {"yellow": True},
    "XFAIL": {"purple": True},
    "PASS": {"green": True},
}


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    state = _state(config)
    if state is None or _is_worker(config) or REPORT not in config.stash:
        return
    doc = document(config)
    write = terminalreporter.write_line
    warned = terminalreporter.stats.get("warned", [])
    if warned:
        # SHOULD failures do not fail the run, but a vendor needs their full story too.
        terminalreporter.write_sep("=", "WARN: SHOULD requirements not met", yellow=True)
        for item in warned:
            terminalreporter.write_sep("_", item.head_line or item.nodeid, yellow=True)
            write(item.longreprtext)
    terminalreporter.write_sep("=", "requirement verdicts")
    for r in doc["requirements"]:
        if r["verdict"] == "NOT RUN":
            continue
        line = f"{r['verdict']:<12} {r['id']:<34} {r['level']:<6}"
        text = markup.detail(r)
        if text and (r["verdict"] != "PASS" or r.get("deviation")):
            line += f" {text[:100]}"
        since = (r.get("history") or {}).get("failing_since")
        if since:
            line += f" (failing since {since[:10]})"
        if r["verdict"] == "ERROR":
            line += " [the suite broke, not the target]"
        write(line, **COLOURS.get(r["verdict"], {}))
    write("")
    if not doc["complete"]:
        write(f"INCOMPLETE: {doc['stopped']}; the verdicts cover only the cases that ran", red=True)
    write(f"target: {state.target_label}", bold=True)
    write(f"verdict: {doc['headline']}", bold=True)
    write(markup.cost_line(doc))
    if state.swept:
        write(f"deleted {state.swept} completion(s) left by an earlier interrupted run")
    for note in state.cleanup_notes:
        write(note)
    _profile_lines(terminalreporter, doc)
    _baseline_lines(terminalreporter, doc)
    write(f"compliance JSON: {state.reports_dir / 'compliance.json'}")


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
    if not doc["complete"]:
        terminalreporter.write_line("gate: not applied, the run is incomplete", red=True)
    elif gate["fails"]:
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
    if _state(session.config) is None or REPORT not in session.config.stash:
        return
    prefix.extend(markup.run_summary(document(session.config)))


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    cells.insert(1, "<th>Requirement</th>")
    cells.insert(2, "<th>Verdict</th>")


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    props = dict(report.user_properties)
    cells.insert(1, f"<td>{html.escape(str(props.get('requirement', '')))}</td>")
    cells.insert(2, f"<td>{html.escape(str(props.get('verdict', '')))}</td>")
