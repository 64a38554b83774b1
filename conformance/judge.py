"""A case's verdict, from how one phase of it ended: a plain function of that ending.

What the plugin knows when a phase of a case is over (the requirement, the phase, the exception
raised, --strict, whether the vendor profile waives the requirement, an observation the case
recorded) decides the verdict, the one-line message, the text the vendor reads and how pytest
is to count the case. `judge` decides; the plugin applies the `Judgement` to pytest's report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from conformance.failures import NOT_RUN, ConformanceFailure, Inconclusive, SetupFailed
from conformance.requirements import Requirement
from conformance.transcript import Frame
from conformance.verdicts import Outcome, Verdict, case_verdict

if TYPE_CHECKING:
    from conformance.client import Exchange

# The report section that carries an INCONCLUSIVE case's transcript (a skipped report's
# longrepr must stay pytest's (path, line, reason) tuple), and a setup failure's cause.
TRANSCRIPT_SECTION = "conformance transcript"
SETUP_FAILURE_SECTION = "conformance setup failure"


@dataclass(frozen=True)
class Ending:
    """How one phase (setup, call, teardown) of a case ended."""

    requirement: Requirement
    when: str
    error: BaseException | None = None
    skipped: bool = False  # pytest counted the phase as skipped
    strict: bool = False
    waived: bool = False  # a live known deviation of the vendor profile
    observation: str | None = None  # what an INFO case recorded (the `observe` fixture)


@dataclass(frozen=True)
class Judgement:
    """What the plugin writes on the phase's report."""

    verdict: Verdict
    message: str | None = None
    observation: str | None = None
    failure: Frame | None = None  # pytest's failure text, replaced
    section: tuple[str, Frame] | None = None  # a report section added
    outcome: Literal["passed", "skipped"] | None = None  # pytest's outcome, rewritten
    xfail_reason: str | None = None  # a known deviation: pytest's xfail

    def properties(self, requirement: Requirement) -> list[tuple[str, str]]:
        """The case's user properties: for the verdict table, the HTML row and JUnit."""
        found = [
            ("requirement", requirement.id),
            ("level", requirement.level.value),
            ("verdict", self.verdict.value),
        ]
        if self.observation:
            found.append(("observation", self.observation))
        if self.message:
            found.append(("message", self.message))
        return found


def outcome(ending: Ending) -> Outcome:
    """How the case ended, before its requirement's level is applied."""
    error = ending.error
    if error is None:
        return Outcome.PASSED
    if isinstance(error, SetupFailed):
        return Outcome.SETUP_FAILED
    if isinstance(error, Inconclusive):
        return Outcome.INCONCLUSIVE
    if isinstance(error, ConformanceFailure):
        # In a fixture, the target could not be set up: no verdict on the requirement.
        return Outcome.VIOLATED if ending.when == "call" else Outcome.INCONCLUSIVE
    if ending.skipped:
        return Outcome.SKIPPED
    return Outcome.SUITE_ERROR


def rate_limited(
    error: BaseException | None, seen: Sequence[Exchange] = ()
) -> Inconclusive | SetupFailed | None:
    """What a case's ending becomes when it rests on an answer the target's rate limit made
    stand (a 429 after every retry the bounds allow, conformance.retry): that says nothing
    about the requirement, so the case cannot be judged, and the rate limit leads its reason.
    A failure rests on the exchanges it judged; a pass (`error` None) on every exchange the
    case sent (`seen`): a 429 taken for a refusal passes nothing. None for any other ending.
    The plugin raises the result in its place, before pytest makes the phase's report."""
    if error is None:
        limited = next((e.rate_limited for e in seen if e.rate_limited), None)
        if limited is None:
            return None
        return Inconclusive(f"{limited} (so: the case passed on that answer)", tuple(seen))
    if not isinstance(error, ConformanceFailure | Inconclusive | SetupFailed):
        return None
    limited = next((e.rate_limited for e in error.exchanges if e.rate_limited), None)
    if limited is None:
        return None
    if isinstance(error, SetupFailed):
        return SetupFailed(f"{error.cause}; {limited}", error.exchanges, first=error.first)
    first = error.message if isinstance(error, ConformanceFailure) else error.reason
    return Inconclusive(f"{limited} (so: {first})", error.exchanges)


def judge(ending: Ending) -> Judgement | None:
    """The verdict of a phase; None for a setup or teardown that passed (no verdict there)."""
    ended = outcome(ending)
    if ending.when != "call" and ended is Outcome.PASSED:
        return None
    verdict = case_verdict(ending.requirement.level, ended, strict=ending.strict)
    judgement = _judgement(ending, verdict)
    observation = ending.observation
    if verdict is Verdict.INFO and observation is None:
        observation = judgement.message or None  # what an INFO case's failure says it saw
    return replace(judgement, observation=observation)


def _judgement(ending: Ending, verdict: Verdict) -> Judgement:
    """The message and the text of a verdict, from the exception that decided it."""
    error, requirement = ending.error, ending.requirement
    if isinstance(error, ConformanceFailure):
        failure = Frame(requirement.headline(), error.message, error.exchanges)
        if verdict in (Verdict.FAIL, Verdict.WARN) and ending.waived:
            # A known deviation of the profile: pytest's xfail; the requirement's XFAIL.
            reason = f"known deviation {requirement.id}: {error.message}"
            return Judgement(
                verdict, error.message, failure=failure, outcome="skipped", xfail_reason=reason
            )
        if verdict in (Verdict.WARN, Verdict.INFO):
            # A SHOULD that is not met does not fail the run: it passes with a warning, as a
            # test that emits a warning does (the terminal shows it as W, "warned").
            return Judgement(verdict, error.message, failure=failure, outcome="passed")
        return Judgement(verdict, error.message, failure=failure)
    if isinstance(error, SetupFailed):
        if not error.first:
            return Judgement(verdict, NOT_RUN)
        # The first case to meet it tells the whole story, once.
        cause = Frame("SETUP FAILED", error.cause, error.exchanges)
        return Judgement(verdict, NOT_RUN, section=(SETUP_FAILURE_SECTION, cause))
    if isinstance(error, Inconclusive):
        heading = f"INCONCLUSIVE {requirement.headline()}"
        text = Frame(heading, f"could not judge: {error.reason}", error.exchanges)
        return Judgement(verdict, error.reason, section=(TRANSCRIPT_SECTION, text))
    if ending.skipped and error is not None:
        return Judgement(verdict, str(error))
    return Judgement(verdict)
