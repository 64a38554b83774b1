"""A case's verdict from how it ended, decided without pytest running anything.

The plugin hands `judge` the requirement, the phase, the exception and the run's --strict and
profile; what comes back is everything the report then shows. A slip here misreports every
run of every vendor, so each branch is pinned: which verdict, which message, which text the
vendor reads, and how pytest counts the case.
"""

from __future__ import annotations

import pytest

from conformance.client import Exchange
from conformance.failures import NOT_RUN, ConformanceFailure, Inconclusive, SetupFailed
from conformance.judge import (
    SETUP_FAILURE_SECTION,
    TRANSCRIPT_SECTION,
    Ending,
    Judgement,
    judge,
)
from conformance.requirements import Level, Requirement
from conformance.verdicts import Verdict

EXCHANGE = Exchange("POST", "http://vendor.test/v1/chat/completions/c1", {}, b"{}", status=200)


def requirement(level: Level = Level.MUST) -> Requirement:
    return Requirement("UCC-TEST-RULE", level, "limits", "A rule of the page.", "a rule")


def judged(
    error: BaseException | None,
    level: Level = Level.MUST,
    *,
    when: str = "call",
    skipped: bool = False,
    strict: bool = False,
    waived: bool = False,
    observation: str | None = None,
) -> Judgement:
    """The judgement of a phase that ended with `error` (None: it passed)."""
    ending = Ending(requirement(level), when, error, skipped, strict, waived, observation)
    judgement = judge(ending)
    assert judgement is not None
    return judgement


def test_a_phase_around_the_case_that_passed_gives_no_verdict() -> None:
    """Setup and teardown only count when they break: the call carries the verdict."""
    assert judge(Ending(requirement(), "setup")) is None
    assert judge(Ending(requirement(), "teardown")) is None


def test_a_passing_call_passes_its_requirement_and_says_nothing_more() -> None:
    judgement = judged(None)
    assert judgement == Judgement(Verdict.PASS)
    assert judgement.properties(requirement()) == [
        ("requirement", "UCC-TEST-RULE"),
        ("level", "MUST"),
        ("verdict", "PASS"),
    ]


def test_a_broken_must_fails_with_the_headline_the_message_and_the_exchange() -> None:
    judgement = judged(ConformanceFailure("expected HTTP 400, got HTTP 200", (EXCHANGE,)))
    assert judgement.verdict is Verdict.FAIL and judgement.outcome is None
    assert judgement.message == "expected HTTP 400, got HTTP 200"
    assert judgement.failure is not None
    assert judgement.failure.heading == requirement().headline()
    assert judgement.failure.exchanges == (EXCHANGE,)
    assert ("message", "expected HTTP 400, got HTTP 200") in judgement.properties(requirement())


@pytest.mark.parametrize(("strict", "verdict"), [(False, Verdict.WARN), (True, Verdict.FAIL)])
def test_a_broken_should_warns_and_passes_in_pytests_terms_unless_strict(
    strict: bool, verdict: Verdict
) -> None:
    judgement = judged(ConformanceFailure("no error object"), Level.SHOULD, strict=strict)
    assert judgement.verdict is verdict
    assert judgement.outcome == ("passed" if verdict is Verdict.WARN else None)
    assert judgement.failure is not None  # the story is told either way


def test_a_known_deviation_is_pytests_xfail_naming_the_requirement() -> None:
    judgement = judged(ConformanceFailure("usage is off by one"), waived=True)
    assert judgement.verdict is Verdict.FAIL  # the requirement's XFAIL comes from the profile
    assert judgement.outcome == "skipped"
    assert judgement.xfail_reason == "known deviation UCC-TEST-RULE: usage is off by one"


def test_a_conformance_failure_in_a_fixture_is_inconclusive() -> None:
    """A fixture that met a broken target could not set the case up: no verdict on it."""
    judgement = judged(ConformanceFailure("could not store"), when="setup")
    assert judgement.verdict is Verdict.INCONCLUSIVE


def test_an_inconclusive_case_says_why_in_its_own_section() -> None:
    judgement = judged(Inconclusive("the write never became visible", (EXCHANGE,)), skipped=True)
    assert judgement.verdict is Verdict.INCONCLUSIVE
    assert judgement.message == "the write never became visible"
    assert judgement.section is not None
    name, frame = judgement.section
    assert name == TRANSCRIPT_SECTION
    assert frame.heading == f"INCONCLUSIVE {requirement().headline()}"
    assert frame.message == "could not judge: the write never became visible"


def test_a_setup_failure_is_told_by_the_first_case_and_not_run_by_the_others() -> None:
    first = SetupFailed("the create answered HTTP 400", (EXCHANGE,))
    told = judged(first, when="setup", skipped=True)
    again = judged(first.again(), when="setup", skipped=True)
    assert told.verdict is again.verdict is Verdict.INCONCLUSIVE
    assert told.message == again.message == NOT_RUN
    assert told.section is not None and told.section[0] == SETUP_FAILURE_SECTION
    assert told.section[1].heading == "SETUP FAILED"
    assert again.section is None


def test_a_skip_keeps_its_reason() -> None:
    judgement = judged(pytest.skip.Exception("needs --second-api-key"), skipped=True)
    assert judgement == Judgement(Verdict.SKIP, "needs --second-api-key")


def test_any_other_exception_is_the_suites_error_not_the_targets() -> None:
    assert judged(RuntimeError("a bug in a helper")) == Judgement(Verdict.ERROR)


def test_an_info_case_reports_what_it_observed_and_never_fails() -> None:
    observed = judged(None, Level.INFO, observation="merge: pairs not sent are kept")
    assert observed.verdict is Verdict.INFO
    assert observed.observation == "merge: pairs not sent are kept"
    broken = judged(ConformanceFailure("answered 500"), Level.INFO)
    assert broken.verdict is Verdict.INFO and broken.outcome == "passed"
    assert broken.observation == "answered 500"
