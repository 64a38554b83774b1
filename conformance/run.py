"""One run of the conformance cases: its state, kept in config.stash, and its case verdicts.

The plugin starts a run when pytest collects the conformance cases (`start`); fixtures,
reporting and the fuzz plugin read it with `state_of`. Under xdist the controller resolves the
target (and starts the embedded server) once and hands the settings to each worker, and case
verdicts reach the controller on the reports (`VerdictCollector`).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.access import SECOND_KEY_VARIABLE
from conformance.causes import SEE_ABOVE, TITLES, Cause, Watch
from conformance.consistency import Kind
from conformance.failures import NOT_RUN
from conformance.interrupts import CtrlC
from conformance.judge import SETUP_FAILURE_SECTION, TRANSCRIPT_SECTION, Judgement
from conformance.options import Options
from conformance.profiles import Profile, ProfileError, load_profile
from conformance.reference import BackgroundServer
from conformance.requirements import Requirement, catalogue
from conformance.settings import Settings, resolve_settings
from conformance.target import Target
from conformance.transcript import Frame, Redactor, failure_text
from conformance.verdicts import CaseResult, Outcome, Verdict, case_verdict
from conformance.writable import directory_problem


@dataclass
class RunState:
    """Everything the plugin keeps for one run, in config.stash."""

    settings: Settings
    redact: Redactor
    reports_dir: Path
    options: Options
    started: float = field(default_factory=time.time)
    server: BackgroundServer | None = None
    target: Target | None = None
    results: list[CaseResult] = field(default_factory=list)
    cleanup_notes: list[str] = field(default_factory=list)
    cleanup_interrupted: bool = False  # a Ctrl-C stopped the cleanup (the ledger keeps the rest)
    ctrl_c: CtrlC = field(default_factory=CtrlC)  # whether the run received one at all
    swept: int = 0
    profile: Profile | None = None
    worker_totals: list[dict[str, Any]] = field(default_factory=list)
    watch: Watch = field(default_factory=Watch)  # what explains failures (conformance.causes)
    told: set[Cause] = field(default_factory=set)  # causes whose text a report carries
    # Invariants whose sweep case the run selected (conformance/cases/test_invariants.py).
    sweeping: set[str] = field(default_factory=set)

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
            "rate_limit_gave_up": sum(p["rate_limit_gave_up"] for p in parts),
            # The last values any process saw (workers' after this process's).
            "rate_limit_headers": {k: v for p in parts for k, v in p["rate_limit_headers"].items()},
            "connection_retries": sum(p["connection_retries"] for p in parts),
        }

    @property
    def target_label(self) -> str:
        if self.settings.embedded:
            return f"EMBEDDED REFERENCE SERVER at {self.settings.base_url} (not a vendor result)"
        return self.settings.base_url

    def waives(self, requirement: Requirement) -> bool:
        """A live known deviation of the vendor profile covers the requirement."""
        return self.profile is not None and self.profile.waives(requirement.id)

    def record(
        self, judgement: Judgement, requirement: Requirement, report: pytest.TestReport
    ) -> list[tuple[str, str]]:
        """Write a case's judgement on its report (redacted); the properties it gives it."""
        bodies = self.reports_dir / "bodies"
        if judgement.failure is not None:
            report.longrepr = failure_text(judgement.failure, self.redact, bodies)
        if judgement.section is not None:
            name, frame = judgement.section
            report.sections.append((name, failure_text(frame, self.redact, bodies)))
        if judgement.outcome is not None:
            report.outcome = judgement.outcome
        if judgement.xfail_reason is not None:
            report.wasxfail = self.redact(judgement.xfail_reason)
        properties = [(k, self.redact(v)) for k, v in judgement.properties(requirement)]
        report.user_properties += properties
        return properties

    def tell_cause(
        self, judgement: Judgement, report: pytest.TestReport, lost_now: Collection[Kind]
    ) -> None:
        """When a root cause explains the case's failure, give its report the cause and the
        brief text it is then shown with ("see the cause above" and its own exchanges); the
        first report of each cause also carries the cause with the exchanges that show it.
        On the report only (not the item): JUnit keeps the full text."""
        frame = judgement.failure
        if judgement.section is not None and judgement.section[0] == TRANSCRIPT_SECTION:
            frame = judgement.section[1]
        if frame is None or self.target is None or judgement.verdict not in EXPLAINED:
            return
        explained = self.watch.cause_of(
            frame.exchanges, lost=set(self.target.consistency.lost), lost_now=lost_now
        )
        if explained is None:
            return
        bodies = self.reports_dir / "bodies"
        brief = Frame(frame.heading, f"{SEE_ABOVE}: {frame.message}", explained.own)
        report.user_properties += [
            ("cause", explained.cause.value),
            ("cause_brief", failure_text(brief, self.redact, bodies)),
        ]
        if explained.cause not in self.told:
            self.told.add(explained.cause)
            told = Frame("ROOT CAUSE", TITLES[explained.cause], explained.shown)
            report.user_properties.append(("cause_text", failure_text(told, self.redact, bodies)))

    def late_findings(self) -> list[dict[str, str]]:
        """What the invariants found that no sweep case told (found after it ran, or, under
        xdist, in a process it did not run in), for the selected ones: JSON-ready, redacted."""
        if self.target is None:
            return []
        bodies = self.reports_dir / "bodies"
        late = []
        for finding in self.target.invariants.leftovers(self.sweeping):
            requirement = catalogue()[finding.requirement]
            where = f" (in {finding.nodeid})" if finding.nodeid else " (outside any case)"
            frame = Frame(requirement.headline(), finding.message + where, finding.exchanges)
            late.append(
                {
                    "requirement": finding.requirement,
                    "nodeid": f"{LATE_PREFIX}{finding.nodeid or 'the run'}",
                    "message": self.redact(finding.message + where),
                    "transcript": failure_text(frame, self.redact, bodies),
                }
            )
        return late

    def add_late_findings(self, late: list[dict[str, str]]) -> None:
        """Each late finding as a failing case of its invariant's requirement."""
        for found in late:
            level = catalogue()[found["requirement"]].level
            verdict = case_verdict(level, Outcome.VIOLATED, strict=self.settings.strict)
            self.results.append(
                CaseResult(
                    nodeid=found["nodeid"],
                    requirement=found["requirement"],
                    verdict=verdict,
                    message=found["message"],
                    transcript=found["transcript"],
                )
            )

    def redact_report(self, report: pytest.TestReport) -> None:
        """Defence in depth: no secret survives in a report, whatever produced the text."""
        if report.longrepr is not None and not isinstance(report.longrepr, tuple):
            text = str(report.longrepr)
            if self.redact(text) != text:
                report.longrepr = self.redact(text)
        report.sections = [(title, self.redact(content)) for title, content in report.sections]


# What a root cause can explain: the target's failures and what could not be judged (a
# setup failure is told once its own way; a suite error is never the target's doing).
EXPLAINED = frozenset({Verdict.FAIL, Verdict.WARN, Verdict.INCONCLUSIVE})
# The node ID of a case result that tells a finding no sweep case told.
LATE_PREFIX = "invariant, found after its sweep: "
STATE = pytest.StashKey[RunState]()
# The categories pytest counts the suite's cases in besides its own outcomes (the terminal's
# summary line, and report.html's), with their letter and word.
WARNED, UNJUDGED, NOT_RUN_CATEGORY = "warned", "inconclusive", "not run"


def _property(report: pytest.TestReport, name: str) -> str | None:
    # A collection report has no user properties.
    return next((str(v) for k, v in getattr(report, "user_properties", []) if k == name), None)


def status_of(
    report: pytest.TestReport,
) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    """How pytest counts and shows a case whose verdict pytest has no outcome for: a WARN
    (passed, in pytest's terms), an INCONCLUSIVE and a case not run (skipped, in pytest's
    terms). None: pytest's own."""
    if getattr(report, "when", None) == "teardown":
        return None  # the item's properties reach its teardown report too: count a case once
    verdict = _property(report, "verdict")
    if verdict == Verdict.WARN.value:
        return WARNED, "W", ("WARN", {"yellow": True})
    if verdict == Verdict.INCONCLUSIVE.value and report.skipped:
        if _property(report, "message") == NOT_RUN:
            return NOT_RUN_CATEGORY, "-", ("NOT RUN", {"yellow": True})
        return UNJUDGED, "?", ("INCONCLUSIVE", {"yellow": True})
    return None


OBSERVATION = pytest.StashKey[str]()


def state_of(config: pytest.Config) -> RunState | None:
    """The run's state; None when the run collects no conformance case (the suite's tests)."""
    return config.stash.get(STATE, None)


def start(config: pytest.Config) -> RunState:
    """Resolve the run: its options (the one `Options` of the run, the vendor profile's values
    in their place), settings (starting the embedded server when no base URL is given) and
    reports directory."""
    options = Options(config)
    profile = _profile(options)  # workers too: the verdicts read its deviations
    if profile is not None:
        options.add_profile(profile.option_values())
        if profile.base_url:
            options.lend_base_url(profile.base_url)  # pytest-base-url's header, as given
    reports_dir = Path(options.get("reports_dir") or config.rootpath / "reports")
    problem = directory_problem(reports_dir)
    if problem is not None:
        raise pytest.UsageError(f"--reports-dir {reports_dir}: {problem}")
    shared = getattr(config, "workerinput", {}).get("conformance")
    if shared is not None:
        # An xdist worker: the controller resolved the target (and started the embedded
        # server) once; each worker keeps its own ledger so no two write one file.
        worker = config.workerinput["workerid"]  # type: ignore[attr-defined]
        ledger = reports_dir / f"created-completions-{worker}.json"
        settings, server = Settings.from_shared(shared, ledger), None
    else:
        settings, server = resolve_settings(options, reports_dir)
        if server is not None:
            options.lend_base_url(server.base_url)  # pytest-base-url's header and fixture
    return RunState(
        settings=settings,
        redact=Redactor(
            [settings.api_key],
            settings.access,
            variables={settings.second_api_key: SECOND_KEY_VARIABLE},
        ),
        reports_dir=reports_dir,
        options=options,
        server=server,
        profile=profile,
    )


def _profile(options: Options) -> Profile | None:
    """Load --profile: a usage error where it cannot be used."""
    path = options.get("profile")
    if not path:
        return None
    try:
        return load_profile(Path(path), catalogue())
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None


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
                cause=props.get("cause"),
                cause_text=props.get("cause_text"),
            )
        )
