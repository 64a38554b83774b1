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
from conformance.client import DEFAULT_TIMEOUT, Exchange
from conformance.failures import NOT_RUN, ConformanceFailure, Inconclusive, SetupFailed
from conformance.reference import BackgroundServer
from conformance.report.profiles import Profile, ProfileError, load_profile
from conformance.requirements import Level, Requirement, areas, catalogue
from conformance.settings import preflight, resolve_settings
from conformance.target import Settings, Target
from conformance.transcript import Redactor, format_exchange
from conformance.verdicts import CaseResult, Outcome, Verdict, case_verdict

pytest_plugins = ["conformance.fixtures", "conformance.reporting", "conformance.fuzzing"]

CASES_DIR = Path(__file__).resolve().parent / "cases"
# The report section that carries an INCONCLUSIVE case's transcript (a skipped report's
# longrepr must stay pytest's (path, line, reason) tuple) and a setup failure's cause.
TRANSCRIPT_SECTION = "conformance transcript"
SETUP_FAILURE_SECTION = "conformance setup failure"


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
        sections = dict(report.sections)
        # The text the plugin made (redacted), for compliance.json.
        transcript = sections.get(TRANSCRIPT_SECTION)
        if transcript is None and verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR):
            transcript = report.longreprtext
        self.results.append(
            CaseResult(
                nodeid=report.nodeid,
                requirement=str(props["requirement"]),
                verdict=verdict,
                message=props.get("message"),
                observation=props.get("observation"),
                transcript=transcript,
                setup_failure=sections.get(SETUP_FAILURE_SECTION),
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
            "writes_never_visible": [w for p in parts for w in p["writes_never_visible"]],
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


BASE_URL_HELP = (
    "base URL of the target, version prefix included, as OPENAI_BASE_URL: "
    "https://host/v1 (default: $PYTEST_BASE_URL; without one, the suite runs against its "
    "embedded reference server)."
)
STRICT_HELP = (
    "; the conformance suite also fails the run on SHOULD requirements (otherwise they warn)"
)


def _adopt_options(parser: pytest.Parser, group: pytest.OptionGroup) -> None:
    """Show --base-url (pytest-base-url's) in the suite's group with the suite's help, and say
    what --strict (pytest's) adds. Best effort, through argparse's groups (pytest keeps no
    public way to move an option): if their shape changes, the options still work, with
    their own help."""
    target = getattr(group, "_arggroup", None)
    for owner in getattr(parser, "_groups", []):
        arggroup = getattr(owner, "_arggroup", None)
        for option in list(getattr(owner, "options", [])):
            action = option.attrs()
            if "--base-url" in option.names() and owner is not group:
                action["help"] = BASE_URL_HELP
                actions = getattr(arggroup, "_group_actions", None)
                moved = getattr(target, "_group_actions", None)
                if isinstance(actions, list) and isinstance(moved, list):
                    owner.options.remove(option)
                    group.options.insert(0, option)
                    arggroup_action = next(a for a in actions if "--base-url" in a.option_strings)
                    actions.remove(arggroup_action)
                    moved.insert(0, arggroup_action)
            elif "--strict" in option.names() and STRICT_HELP not in str(action.get("help")):
                action["help"] = f"{action.get('help') or ''}{STRICT_HELP}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Update-chat-completion conformance")
    _adopt_options(parser, group)
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
        help="seconds to wait for a write to become readable; a write not visible by then "
        "fails its requirement, and later waits of that kind read once; 0 demands "
        "read-your-writes (default 30).",
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
    # Again here: when the plugin is loaded before pytest-base-url (`-p conformance.plugin`,
    # as the installed command does), --base-url did not exist yet at pytest_addoption.
    parser = getattr(config, "_parser", None)
    if isinstance(parser, pytest.Parser):
        _adopt_options(parser, parser.getgroup("conformance"))
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
        f"conformance suite {__version__}: Update chat completion, "
        f"POST {s.base_url}/chat/completions/{{completion_id}}",
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
    # Catalogue order: the answer to a plain update first, then its round trip, so the first
    # write the run waits for is one a requirement judges; the risky cases last.
    order = {rid: n for n, rid in enumerate(catalogue())}
    items.sort(
        key=lambda item: (
            item.get_closest_marker("risky") is not None,
            order.get(str(getattr(requirement_of(item), "id", "")), len(order)),
        )
    )


def _outcome(report: pytest.TestReport, call: pytest.CallInfo[None]) -> Outcome:
    excinfo = call.excinfo
    if excinfo is None:
        return Outcome.PASSED
    if excinfo.errisinstance(SetupFailed):
        return Outcome.SETUP_FAILED
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


def _transcript(
    state: RunState, heading: str, message: str, exchanges: tuple[Exchange, ...]
) -> str:
    """What a vendor reads for a verdict: the heading, one factual line, each exchange with a
    curl line (a long body written beside the reports), all redacted."""
    parts = [heading, "", message]
    for exchange in exchanges:
        parts += ["", format_exchange(exchange, state.redact, state.reports_dir / "bodies")]
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
        message = _judge_report(state, requirement, report, call, verdict)
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


def _judge_report(
    state: RunState,
    requirement: Requirement,
    report: pytest.TestReport,
    call: pytest.CallInfo[None],
    verdict: Verdict,
) -> str | None:
    """Give the report the verdict's text and pytest outcome; the one-line message."""
    excinfo = call.excinfo
    if excinfo is None:
        return None
    error = excinfo.value
    if isinstance(error, ConformanceFailure):
        message = state.redact(error.message)
        report.longrepr = _transcript(state, requirement.headline(), error.message, error.exchanges)
        if verdict in (Verdict.FAIL, Verdict.WARN) and _waived(state, requirement):
            # A known deviation of the profile: pytest's xfail; the requirement's XFAIL.
            report.outcome = "skipped"
            report.wasxfail = f"known deviation {requirement.id}: {message}"
        elif verdict in (Verdict.WARN, Verdict.INFO):
            # A SHOULD that is not met does not fail the run: it passes with a warning, as a
            # test that emits a warning does (the terminal shows it as W, "warned").
            report.outcome = "passed"
        return message
    if isinstance(error, SetupFailed):
        if error.first:  # the first case to meet it tells the whole story, once
            cause = _transcript(state, "SETUP FAILED", error.cause, error.exchanges)
            report.sections.append((SETUP_FAILURE_SECTION, cause))
        return NOT_RUN
    if isinstance(error, Inconclusive):
        message = state.redact(error.reason)
        heading = f"INCONCLUSIVE {requirement.headline()}"
        text = _transcript(state, heading, f"could not judge: {error.reason}", error.exchanges)
        report.sections.append((TRANSCRIPT_SECTION, text))
        return message
    if report.skipped:
        return state.redact(str(error))
    return None


def _redact_report(report: pytest.TestReport, redact: Redactor) -> None:
    """Defence in depth: no secret survives in a report, whatever produced the text."""
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        if redact(text) != text:
            report.longrepr = redact(text)
    report.sections = [(title, redact(content)) for title, content in report.sections]


def _verdict_of(report: pytest.TestReport) -> str | None:
    # A collection report has no user properties.
    return next((str(v) for k, v in getattr(report, "user_properties", []) if k == "verdict"), None)


def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    if getattr(report, "when", None) == "teardown":
        return None  # the item's properties reach its teardown report too: count a case once
    verdict = _verdict_of(report)
    if verdict == Verdict.WARN.value:
        return "warned", "W", ("WARN", {"yellow": True})
    if verdict == Verdict.INCONCLUSIVE.value and report.skipped:
        if _message_of(report) == NOT_RUN:
            return "not run", "-", ("NOT RUN", {"yellow": True})
        return "inconclusive", "?", ("INCONCLUSIVE", {"yellow": True})
    return None


def _message_of(report: pytest.TestReport) -> str | None:
    return next((str(v) for k, v in getattr(report, "user_properties", []) if k == "message"), None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tell the run's waits which case is running: a write lost there is named later."""
    state = item.config.stash.get(STATE, None)
    requirement = requirement_of(item)
    if state is not None and state.target is not None and requirement is not None:
        state.target.consistency.case = (requirement.id, item.nodeid)


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
            earlier = state.reports_dir / "compliance.json"
            if earlier.exists():  # a user who opens the folder must not take it for this run
                problem += (
                    f" (nothing was written: the reports in {state.reports_dir} are an "
                    "earlier run's)"
                )
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
