"""What a run tells its readers: the terminal verdict table, the HTML report's additions and
reports/compliance.json. Written only by the xdist controller (or the only process).
"""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__
from conformance.requirements import catalogue
from conformance.verdicts import RequirementResult, Verdict, headline, summarize

COMPLIANCE_FORMAT = "ucc-compliance/1"


def _state(config: pytest.Config) -> Any:
    from conformance.plugin import STATE

    return config.stash.get(STATE, None)


def _results(config: pytest.Config) -> dict[str, RequirementResult]:
    return summarize(catalogue(), _state(config).results)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _cost_line(state: Any) -> str:
    target = state.target
    if target is None:
        return "no request sent"
    delay = target.stats.max_storage_delay
    return (
        f"requests sent: {target.client.requests_sent}; completions created: "
        f"{target.stats.completions_created}"
        + (f"; slowest write to become readable: {delay:.2f} s" if delay is not None else "")
    )


def _detail(result: RequirementResult) -> str:
    """The observation, or the first failure message, of a requirement: one line."""
    text = result.observation or next((c.message for c in result.cases if c.message), "")
    return text.splitlines()[0][:300] if text else ""


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    state = _state(config)
    if state is None or _is_worker(config):
        return
    results = _results(config)
    write = terminalreporter.write_line
    warned = terminalreporter.stats.get("warned", [])
    if warned:
        # SHOULD failures do not fail the run, but a vendor needs their full story too.
        terminalreporter.write_sep("=", "WARN: SHOULD requirements not met", yellow=True)
        for report in warned:
            terminalreporter.write_sep("_", report.head_line or report.nodeid, yellow=True)
            write(report.longreprtext)
    terminalreporter.write_sep("=", "requirement verdicts")
    for result in results.values():
        if result.verdict is None:
            continue
        req = result.requirement
        detail = result.observation or next((c.message for c in result.cases if c.message), "")
        line = f"{result.verdict.value:<12} {req.id:<34} {req.level.value:<6}"
        if result.verdict is not Verdict.PASS and detail:
            line += f" {detail.splitlines()[0][:100]}"
        colour = {
            Verdict.FAIL: {"red": True},
            Verdict.ERROR: {"red": True},
            Verdict.WARN: {"yellow": True},
            Verdict.INCONCLUSIVE: {"yellow": True},
            Verdict.PASS: {"green": True},
        }.get(result.verdict, {})
        write(line, **colour)
    write("")
    write(f"target: {state.target_label}", bold=True)
    write(f"verdict: {headline(results)}", bold=True)
    write(_cost_line(state))
    if state.swept:
        write(f"deleted {state.swept} completion(s) left by an earlier interrupted run")
    for note in state.cleanup_notes:
        write(note)
    write(f"compliance JSON: {state.reports_dir / 'compliance.json'}")


def compliance_document(config: pytest.Config, duration: float) -> dict[str, Any]:
    state = _state(config)
    results = _results(config)
    target = state.target
    return {
        "format": COMPLIANCE_FORMAT,
        "suite_version": __version__,
        "target": {"base_url": state.settings.base_url, "embedded": state.settings.embedded},
        "model": state.settings.model,
        "strict": state.settings.strict,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(state.started)),
        "duration_s": round(duration, 3),
        "requests_sent": target.client.requests_sent if target else 0,
        "completions_created": target.stats.completions_created if target else 0,
        "max_storage_delay_s": target.stats.max_storage_delay if target else None,
        "headline": headline(results),
        "requirements": [
            {
                "id": r.requirement.id,
                "level": r.requirement.level.value,
                "area": r.requirement.area,
                "quote": r.requirement.quote,
                "verdict": r.verdict.value if r.verdict else "NOT RUN",
                "observation": r.observation,
                "cases": [
                    {"nodeid": c.nodeid, "verdict": c.verdict.value, "message": c.message}
                    for c in r.cases
                ],
            }
            for r in results.values()
        ],
    }


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    state = _state(config)
    if state is None or _is_worker(config):
        return
    document = compliance_document(config, time.time() - state.started)
    path = Path(state.reports_dir) / "compliance.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = state.redact(json.dumps(document, indent=2, ensure_ascii=False))
    path.write_text(text + "\n", encoding="utf-8")


# --- pytest-html ------------------------------------------------------------------------------
@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    report.title = f"Update chat completion conformance — suite {__version__}"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    state = _state(session.config)
    if state is None:
        return
    results = _results(session.config)
    rows = "".join(
        f"<tr class='verdict-{r.verdict.value.lower()}'><td>{r.requirement.id}</td>"
        f"<td>{r.requirement.level.value}</td><td><b>{r.verdict.value}</b></td>"
        f"<td>{html.escape(_detail(r))}</td>"
        f"<td><i>{html.escape(r.requirement.quote)}</i></td></tr>"
        for r in results.values()
        if r.verdict is not None
    )
    prefix.extend(
        [
            f"<p><b>Target:</b> {html.escape(state.target_label)}</p>",
            f"<p><b>Verdict:</b> {html.escape(headline(results))}</p>",
            f"<p>{html.escape(_cost_line(state))}</p>",
            "<table id='requirement-verdicts'><thead><tr><th>Requirement</th><th>Level</th>"
            "<th>Verdict</th><th>Observation / failure</th><th>The page says</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>",
        ]
    )


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    cells.insert(1, "<th>Requirement</th>")
    cells.insert(2, "<th>Verdict</th>")


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    props = dict(report.user_properties)
    cells.insert(1, f"<td>{html.escape(str(props.get('requirement', '')))}</td>")
    cells.insert(2, f"<td>{html.escape(str(props.get('verdict', '')))}</td>")
