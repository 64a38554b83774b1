"""The pytest plugin: options, the target of the run, verdicts and reports.

Registered once: by the root conftest.py in this repository, with `-p` by the installed
command (conformance.cli), never by an entry point. It only wakes up when the run collects the
conformance cases (conformance/cases), so the suite's own tests run without a target.
Fixtures live in conformance.fixtures, report rendering in conformance.reporting.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__
from conformance.client import DEFAULT_TIMEOUT
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.reference import BackgroundServer
from conformance.report.profiles import Profile, ProfileError, load_profile
from conformance.requirements import Level, Requirement, areas, catalogue
from conformance.settings import preflight, resolve_settings
from conformance.target import Settings, Target
from conformance.transcript import Redactor, format_exchange
from conformance.verdicts import TRANSCRIBED, CaseResult, Outcome, Verdict, case_verdict

pytest_plugins = ["conformance.fixtures", "conformance.reporting", "conformance.fuzzing"]

CASES_DIR = Path(__file__).resolve().parent / "cases"


class VerdictCollector:
    """Collects case verdicts from reports where the reports are written.

    Reading them back from each report's user_properties, not from the item, is what makes
    this work under xdist, where the controller only ever sees reports.
    """

    def __init__(self, results: list[CaseResult]) -> None:
        self.results = results

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = {str(k): str(v) for k, v in report.user_properties}
        if "verdict" not in props or report.when == "teardown":
            return
        verdict = Verdict(props["verdict"])
        self.results.append(
            CaseResult(
                nodeid=report.nodeid,
                requirement=str(props["requirement"]),
                verdict=verdict,
                message=props.get("message"),
                observation=props.get("observation"),
                # The failure text the plugin made (redacted), for compliance.json.
                transcript=report.longreprtext if verdict in TRANSCRIBED else None,
            )
        )


@dataclass
class RunState:
    """Everything the plugin keeps for one run, in config.stash."""

    settings: Settings
    redact: Redactor
    reports_dir: Path
    started: float = field(default_factory=time.time)
    server: BackgroundServer | None = None
    target: Target | None = None
    results: list[CaseResult] = field(default_factory=list)
    cleanup_notes: list[str] = field(default_factory=list)
    swept: int = 0
    profile: Profile | None = None
    worker_totals: list[dict[str, Any]] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        """What the run cost, over this process and every xdist worker."""
        parts = [self.target.totals()] if self.target else []
        parts += self.worker_totals
        delays = [p["max_storage_delay_s"] for p in parts if p["max_storage_delay_s"] is not None]
        return {
            "requests_sent": sum(p["requests_sent"] for p in parts),
            "completions_created": sum(p["completions_created"] for p in parts),
            "max_storage_delay_s": max(delays) if delays else None,
            "rate_limit_retries": sum(p["rate_limit_retries"] for p in parts),
            "rate_limit_wait_s": round(sum(p["rate_limit_wait_s"] for p in parts), 3),
            "connection_retries": sum(p["connection_retries"] for p in parts),
        }

    @property
    def target_label(self) -> str:
        if self.settings.embedded:
            return f"EMBEDDED REFERENCE SERVER at {self.settings.base_url} (not a vendor result)"
        return self.settings.base_url


STATE = pytest.StashKey[RunState]()
OBSERVATION = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Update-chat-completion conformance")
    group.addoption(
        "--api-key",
        default=None,
        help="API key of the target (default: $OPENAI_API_KEY); never written to any output.",
    )
    group.addoption(
        "--second-api-key",
        default=None,
        help="a key of another project or organisation, to check that it cannot touch the "
        "suite's completion (default: $CONFORMANCE_SECOND_API_KEY; never written to any output).",
    )
    group.addoption(
        "--model",
        default=None,
        help="model for the completions the suite creates (default: $CONFORMANCE_MODEL).",
    )
    group.addoption(
        "--completion-id",
        default=None,
        help="an existing stored completion to update instead of creating one; "
        "its metadata is restored at the end.",
    )
    group.addoption(
        "--no-create",
        action="store_true",
        default=False,
        help="create no completion; cases that need one are skipped with the reason.",
    )
    group.addoption(
        "--consistency-timeout",
        type=float,
        default=None,
        help="seconds to wait for a write to become readable before the verdict is "
        "INCONCLUSIVE; 0 demands read-your-writes (default 30).",
    )
    group.addoption(
        "--timeout",
        type=float,
        default=None,
        help=f"seconds to wait for each answer (default {DEFAULT_TIMEOUT:g}).",
    )
    group.addoption(
        "--reports-dir",
        default=None,
        help="where report.html, junit.xml and compliance.json go (default: reports/).",
    )
    group.addoption(
        "--profile",
        default=None,
        help="a vendor profile (profiles/<vendor>.toml): base URL, model, capabilities and "
        "known deviations (default: $CONFORMANCE_PROFILE).",
    )
    group.addoption(
        "--history",
        default=None,
        help="a JSON Lines file to append a compact record of this run to; the reports then "
        "show each requirement's recent verdicts.",
    )
    group.addoption(
        "--baseline",
        default=None,
        help="a previous run's compliance.json: fail only on requirements that passed there "
        "and fail now, and print the difference.",
    )
    parser.addini("conformance_profile", "the vendor profile (profiles/<vendor>.toml)")
    parser.addini("conformance_history", "the JSON Lines file each run appends its record to")
    parser.addini("conformance_model", "model for the completions the suite creates")
    parser.addini("consistency_timeout", "seconds to wait for a write to become readable")
    parser.addini("conformance_timeout", "seconds to wait for each answer")
    parser.addini("conformance_reports_dir", "where the reports go")


def _active(config: pytest.Config) -> bool:
    """True when the run collects conformance cases (not for the suite's own tests/)."""
    for arg in config.args:
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == CASES_DIR or CASES_DIR in path.parents or path in CASES_DIR.parents:
            return True
    return False


def _profile(config: pytest.Config) -> Profile | None:
    """Load --profile; its base URL and model rank below the command line and environment."""
    path = (
        config.getoption("profile")
        or os.environ.get("CONFORMANCE_PROFILE")
        or config.getini("conformance_profile")
    )
    if not path:
        return None
    try:
        profile = load_profile(Path(path), catalogue())
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.getoption("base_url") is None and profile.base_url:
        config.option.base_url = profile.base_url
    if config.getoption("model") is None and not os.environ.get("CONFORMANCE_MODEL"):
        config.option.model = profile.model
    return profile


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requirement(id): the catalogue requirement (specs/requirements.yaml) a case checks",
    )
    config.addinivalue_line(
        "markers",
        "risky: a case that a faulty target may answer by destroying the shared completion; "
        "runs last so it cannot take the other cases down with it",
    )
    for area in areas():
        config.addinivalue_line("markers", f"{area}: conformance cases of the {area} area")
    for level in Level:
        config.addinivalue_line(
            "markers", f"{level.value.lower()}: cases of {level.value} requirements"
        )
    if not _active(config):
        return
    reports_dir = Path(
        config.getoption("reports_dir")
        or config.getini("conformance_reports_dir")
        or config.rootpath / "reports"
    )
    profile = _profile(config)  # workers too: the makereport hook reads its deviations
    shared = getattr(config, "workerinput", {}).get("conformance")
    if shared is not None:
        # An xdist worker: the controller resolved the target (and started the embedded
        # server) once; each worker keeps its own ledger so no two write one file.
        worker = config.workerinput["workerid"]  # type: ignore[attr-defined]
        ledger = reports_dir / f"created-completions-{worker}.json"
        settings, server = Settings(**{**shared, "ledger": ledger}), None
    else:
        settings, server = resolve_settings(config, reports_dir)
    state = RunState(
        settings=settings,
        redact=Redactor([settings.api_key, settings.second_api_key]),
        reports_dir=reports_dir,
        server=server,
        profile=profile,
    )
    config.stash[STATE] = state
    config.pluginmanager.register(VerdictCollector(state.results), "conformance-verdicts")
    if not hasattr(config, "workerinput"):
        if getattr(config.option, "htmlpath", "") is None:  # pytest-html may be disabled
            config.option.htmlpath = str(reports_dir / "report.html")
            config.option.self_contained_html = True
        if getattr(config.option, "xmlpath", "") is None:
            config.option.xmlpath = str(reports_dir / "junit.xml")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: hand each worker the resolved target, keys included (in-process)."""
    state = node.config.stash.get(STATE, None)
    if state is not None:
        shared = {k: v for k, v in vars(state.settings).items() if k != "ledger"}
        node.workerinput["conformance"] = shared


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect what each worker's requests and creations cost."""
    state = node.config.stash.get(STATE, None)
    output = getattr(node, "workeroutput", {}).get("conformance")
    if state is not None and output is not None:
        state.worker_totals.append(output["totals"])
        state.cleanup_notes += output["cleanup_notes"]


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state.server is not None:
        state.server.stop()


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(STATE, None)
    if state is None:
        return None
    s = state.settings
    lines = [
        f"conformance suite {__version__}: POST /chat/completions/{{completion_id}}",
        f"target: {state.target_label}",
        f"model: {s.model or '(none)'}; consistency timeout {s.consistency_timeout:g} s; "
        f"request timeout {s.timeout:g} s; {'strict' if s.strict else 'SHOULD failures warn'}",
    ]
    if s.completion_id:
        lines.append(
            f"updating the given completion {s.completion_id}; metadata restored at the end"
        )
    return lines


def requirement_of(item: pytest.Item) -> Requirement | None:
    marker = item.get_closest_marker("requirement")
    if marker is None or not marker.args:
        return None
    return catalogue().get(str(marker.args[0]))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each case gets its area and level as markers (-m limits, -m must) and its ID as keyword."""
    for item in items:
        marker = item.get_closest_marker("requirement")
        if marker is None:
            continue
        requirement = catalogue().get(str(marker.args[0])) if marker.args else None
        if requirement is None:
            raise pytest.UsageError(
                f"{item.nodeid}: requirement marker {marker.args!r} names no catalogue entry"
            )
        item.add_marker(requirement.area)
        item.add_marker(requirement.level.value.lower())
        item.extra_keyword_matches.add(requirement.id)
    items.sort(key=lambda item: item.get_closest_marker("risky") is not None)


def _outcome(report: pytest.TestReport, call: pytest.CallInfo[None]) -> Outcome:
    excinfo = call.excinfo
    if excinfo is None:
        return Outcome.PASSED
    if excinfo.errisinstance(Inconclusive):
        return Outcome.INCONCLUSIVE
    if excinfo.errisinstance(ConformanceFailure):
        # In a fixture, the target could not be set up: no verdict on the requirement.
        return Outcome.VIOLATED if report.when == "call" else Outcome.INCONCLUSIVE
    if report.skipped:
        return Outcome.SKIPPED
    return Outcome.SUITE_ERROR


def _waived(state: RunState, requirement: Requirement) -> bool:
    """A live known deviation of the vendor profile covers the requirement."""
    return state.profile is not None and state.profile.waives(requirement.id)


def _failure_text(state: RunState, requirement: Requirement, failure: ConformanceFailure) -> str:
    parts = [requirement.headline(), "", failure.message]
    for exchange in failure.exchanges:
        parts += ["", format_exchange(exchange, state.redact)]
    return state.redact("\n".join(parts))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    state = item.config.stash.get(STATE, None)
    requirement = requirement_of(item)
    if state is None or requirement is None:
        return report
    outcome = _outcome(report, call)
    if report.when == "call" or outcome is not Outcome.PASSED:
        verdict = case_verdict(requirement.level, outcome, strict=state.settings.strict)
        message = None
        excinfo = call.excinfo
        if excinfo is not None and excinfo.errisinstance(ConformanceFailure):
            failure = excinfo.value
            assert isinstance(failure, ConformanceFailure)
            message = state.redact(failure.message)
            report.longrepr = _failure_text(state, requirement, failure)
            if verdict in (Verdict.FAIL, Verdict.WARN) and _waived(state, requirement):
                # A known deviation of the profile: pytest's xfail; the requirement's XFAIL.
                report.outcome = "skipped"
                report.wasxfail = f"known deviation {requirement.id}: {message}"
            elif verdict is Verdict.WARN:
                report.outcome = "skipped"
                report.wasxfail = f"WARN {requirement.id}: {message}"
            elif verdict is Verdict.INFO:
                report.outcome = "passed"
        elif excinfo is not None and outcome in (Outcome.INCONCLUSIVE, Outcome.SKIPPED):
            message = state.redact(str(excinfo.value))
        observation = item.stash.get(OBSERVATION, None)
        if verdict is Verdict.INFO and observation is None and message:
            observation = message
        properties = [
            ("requirement", requirement.id),
            ("level", requirement.level.value),
            ("verdict", verdict.value),
        ]
        if observation:
            properties.append(("observation", state.redact(observation)))
        if message:
            properties.append(("message", message))
        # On the report for the verdict and the HTML row; on the item for JUnit, which
        # writes the properties of the teardown report.
        report.user_properties += properties
        item.user_properties += properties
    _redact_report(report, state.redact)
    return report


def _redact_report(report: pytest.TestReport, redact: Redactor) -> None:
    """Defence in depth: no secret survives in a report, whatever produced the text."""
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        if redact(text) != text:
            report.longrepr = redact(text)
    report.sections = [(title, redact(content)) for title, content in report.sections]


def _verdict_of(report: pytest.TestReport) -> str | None:
    return next((str(v) for k, v in report.user_properties if k == "verdict"), None)


def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    verdict = _verdict_of(report)
    if verdict == Verdict.WARN.value:
        return "warned", "W", ("WARN", {"yellow": True})
    if verdict == Verdict.INCONCLUSIVE.value and report.skipped:
        return "inconclusive", "?", ("INCONCLUSIVE", {"yellow": True})
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    state.target = Target(state.settings, state.redact)
    if not state.settings.embedded and not hasattr(session.config, "workerinput"):
        problem = preflight(state.target)
        if problem is not None:
            state.target.client.close()
            raise pytest.UsageError(state.redact(problem))
        state.swept = state.target.sweep_ledger()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or state.target is None:
        return
    state.cleanup_notes = state.target.cleanup()
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["conformance"] = {
            "totals": state.target.totals(),
            "cleanup_notes": state.cleanup_notes,
        }
