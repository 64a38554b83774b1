"""The pytest plugin: hooks only, each handing over to the module that does the work.

Registered once: by the root conftest.py in this repository, with `-p` by the installed
command (conformance.cli), never by an entry point. It only wakes up when the run collects the
conformance cases (conformance/cases), so the suite's own tests run without a target.
Options: conformance.options; which cases and in what order: conformance.collection; the
run's state: conformance.run; a case's verdict: conformance.judge; fixtures:
conformance.fixtures; reports: conformance.report.hooks; fuzz cases: conformance.fuzz.plugin.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from conformance import __version__
from conformance.arguments import check, silence_reports
from conformance.collection import (
    MARKERS,
    collects_cases,
    in_catalogue_order,
    labelled,
    requirement_of,
)
from conformance.consistency import Kind
from conformance.failures import ConformanceFailure, Inconclusive, SetupFailed
from conformance.judge import Ending, judge, rate_limited
from conformance.options import adopt, point_reports_at, register
from conformance.preflight import preflight
from conformance.run import (
    OBSERVATION,
    STATE,
    RunState,
    VerdictCollector,
    start,
    state_of,
    status_of,
)
from conformance.target import Target

pytest_plugins = [
    "conformance.fixtures",
    "conformance.report.hooks",
    "conformance.report.html_outcomes",
    "conformance.fuzz.plugin",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    register(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    adopt(config)  # every plugin's flags exist now, and --help is printed after configure
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if not collects_cases(config):
        return
    state = config.stash[STATE] = start(config)
    state.ctrl_c.watch()
    config.pluginmanager.register(VerdictCollector(state.results), "conformance-verdicts")
    if not hasattr(config, "workerinput"):
        point_reports_at(config, state.reports_dir)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: hand each worker the resolved target, keys included (in-process)."""
    state = state_of(node.config)
    if state is not None:
        node.workerinput["conformance"] = state.settings.shared()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect what each worker's requests and creations cost."""
    state = state_of(node.config)
    output = getattr(node, "workeroutput", {}).get("conformance")
    if state is not None and output is not None:
        state.worker_totals.append(output["totals"])
        state.cleanup_notes += output["cleanup_notes"]
        state.add_late_findings(output["late_findings"])


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The client closes last: on an interrupt pytest tears fixtures down after the cleanup,
    and theirs (the stateful fuzz case's deletes) still send requests. A run that never wrote
    its reports gets its Ctrl-C handler back (conformance.interrupts)."""
    state = state_of(config)
    if state is None:
        return
    if state.target is not None:
        state.target.client.close()
    if state.server is not None:
        state.server.stop()
    state.ctrl_c.release()


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = state_of(config)
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
    lines += s.access.describe()
    if s.completion_id:
        lines.append(
            f"updating the given completion {s.completion_id}; metadata restored at the end"
        )
    return lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each case gets its area and level as markers (-m limits, -m must) and its ID as keyword;
    the cases run in catalogue order, the risky ones last."""
    for item in items:
        requirement = labelled(item)
        if requirement is not None:
            item.add_marker(requirement.area)
            item.add_marker(requirement.level.value.lower())
            item.extra_keyword_matches.add(requirement.id)
    items.sort(key=in_catalogue_order)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """A case that rests on an answer the target's rate limit made stand is raised again as
    what it is (conformance.judge.rate_limited), before pytest reports the phase. Outermost,
    so the fuzz plugin's own wrapper has turned Hypothesis's errors into failures by then.
    After it, the views besides retrieve of what it wrote to are read once, for the
    invariants (conformance.invariants)."""
    try:
        with _rate_limits_judged(item), _interruption_not_charged(item):
            return (yield)
    finally:
        state = state_of(item.config)
        if state is not None and state.target is not None and requirement_of(item) is not None:
            state.target.views.look()


@contextmanager
def _interruption_not_charged(item: pytest.Item) -> Iterator[None]:
    """A Ctrl-C that a library caught on its way (Hypothesis's garbage-collection hook turns
    it into an unraisable-exception warning, which the suite's warning filter makes an error)
    leaves the case it landed in with an error of the suite's: that case could not be judged,
    the suite did not break. Failures of the target's stand."""
    try:
        yield
    except (KeyboardInterrupt, ConformanceFailure, Inconclusive, SetupFailed):
        raise
    except Exception as error:
        state = state_of(item.config)
        if state is None or not state.ctrl_c.seen:
            raise
        raise Inconclusive(
            f"the run was interrupted (Ctrl-C) while this case ran ({type(error).__name__})", ()
        ) from None


@contextmanager
def _rate_limits_judged(item: pytest.Item) -> Iterator[None]:
    try:
        yield
    except BaseException as error:
        instead = rate_limited(error)
        if instead is None:
            raise
        raise instead from None
    state = state_of(item.config)
    journal = state.target.client.journal if state and state.target else None
    instead = rate_limited(None, journal or ())
    if instead is not None:
        raise instead


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    state = state_of(item.config)
    requirement = requirement_of(item)
    if state is None or requirement is None:
        return report
    ending = Ending(
        requirement=requirement,
        when=report.when,
        error=call.excinfo.value if call.excinfo is not None else None,
        skipped=report.skipped,
        strict=state.settings.strict,
        waived=state.waives(requirement),
        observation=item.stash.get(OBSERVATION, None),
    )
    if report.when == "call" and state.target is not None:
        error = ending.error
        failed_on = error.exchanges if isinstance(error, ConformanceFailure) else ()
        state.target.invariants.end_case(failed_on)
    judgement = judge(ending)
    if judgement is not None:
        # On the report for the verdict and the HTML row; on the item for JUnit, which
        # writes the properties of the teardown report.
        item.user_properties += state.record(judgement, requirement, report)
        state.tell_cause(judgement, report, lost_since(state, item))
    state.redact_report(report)
    if state.ctrl_c.seen:  # its KeyboardInterrupt was caught on the way: stop all the same
        item.session.shouldstop = "Ctrl-C"
    return report


def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    return status_of(report)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    """Tell the run's waits which case is running (a write lost there is named later), and
    the invariants (what they find there is told under the case's name). A fixture's failure
    on a rate-limited answer is raised again as in `pytest_runtest_call`."""
    state = state_of(item.config)
    requirement = requirement_of(item)
    if state is not None and state.target is not None and requirement is not None:
        state.target.consistency.case = (requirement.id, item.nodeid)
        state.target.invariants.start_case(item.nodeid)
        item.stash[LOST_BEFORE] = len(state.target.consistency.never_visible)
    with _rate_limits_judged(item):
        return (yield)


LOST_BEFORE = pytest.StashKey[int]()


def lost_since(state: RunState, item: pytest.Item) -> set[Kind]:
    """The kinds of write the case waited for in vain (conformance.causes)."""
    if state.target is None:
        return set()
    lost = state.target.consistency.never_visible[item.stash.get(LOST_BEFORE, 0) :]
    return {kind for kind, _, _ in lost}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    state = state_of(session.config)
    if state is None:
        return
    check(session.config)  # nothing is sent (nor written) before every argument is valid
    worker = getattr(session.config, "workerinput", {}).get("workerid")
    state.target = Target(state.settings, state.redact, worker=worker)
    state.target.client.observers.append(state.watch.record)
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
        state.swept = state.target.cleanup.sweep()


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Any:
    """A usage error pytest raises while collecting (what `check` could not foresee) ends the
    session without reports, as one raised before it does."""
    try:
        return (yield)
    except pytest.UsageError:
        if state_of(session.config) is not None:
            silence_reports(session.config)
        raise


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = state_of(session.config)
    if state is None or state.target is None:
        return
    state.cleanup_notes = cleanup(session.config, state, exitstatus)
    late = state.late_findings()
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["conformance"] = {
            "totals": state.target.totals(),
            "cleanup_notes": state.cleanup_notes,
            "late_findings": late,
        }
    else:
        state.add_late_findings(late)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The invariants whose sweep case runs: what they find late is told for those only."""
    state = state_of(session.config)
    if state is not None:
        state.sweeping = {
            requirement.id
            for item in session.items
            if item.get_closest_marker("sweep") and (requirement := requirement_of(item))
        }


def cleanup(config: pytest.Config, state: RunState, exitstatus: int) -> list[str]:
    """The target's cleanup, also after a Ctrl-C; a second Ctrl-C skips the rest of it, and
    the ledger keeps every id not deleted for the next run to sweep."""
    assert state.target is not None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == pytest.ExitCode.INTERRUPTED and reporter is not None:
        reporter.write_line("interrupted: cleaning up what the run created (Ctrl-C again skips it)")
    try:
        return state.target.cleanup.run()
    except KeyboardInterrupt:
        state.cleanup_interrupted = True
        ledger = state.settings.ledger
        kept = (
            f"the ids not deleted stay in {ledger}, and the next run against "
            f"{state.settings.base_url} deletes them"
            if ledger is not None
            else "the embedded server's completions go with it"
        )
        return [f"cleanup SKIPPED (interrupted): {kept}"]
