"""Verdicts: what each case's outcome means for its requirement, and the run's headline.

PASS / FAIL / WARN (a SHOULD that failed) / INFO (an observation) / SKIP / INCONCLUSIVE (the
suite could not tell: a precondition could not be established, or the target could not be set
up) / ERROR (the suite itself broke). A requirement's verdict is the worst of its cases'. The
run's verdict is PASSED only when every selected MUST requirement was judged and passed and the
run completed: an interrupted run is INTERRUPTED, one that judged no requirement NOTHING JUDGED,
and a MUST that is INCONCLUSIVE keeps it from PASSED.

XFAIL is a requirement verdict only: a case that breaks a rule is FAIL or WARN whatever a vendor
profile says, and a known deviation listed in the profile then turns its requirement's FAIL or
WARN into XFAIL (`waive`), which does not fail the run until the deviation expires.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conformance.requirements import Level, Requirement


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"
    INFO = "INFO"
    SKIP = "SKIP"
    INCONCLUSIVE = "INCONCLUSIVE"
    ERROR = "ERROR"
    XFAIL = "XFAIL"  # a known deviation of the vendor profile; never a case verdict


# Worst first: the requirement takes the first of these any of its cases has.
SEVERITY = (
    Verdict.ERROR,
    Verdict.FAIL,
    Verdict.WARN,
    Verdict.INCONCLUSIVE,
    Verdict.INFO,
    Verdict.PASS,
    Verdict.SKIP,
)


# Cases with these verdicts keep their (redacted) transcript in compliance.json.
TRANSCRIBED = frozenset({Verdict.FAIL, Verdict.WARN, Verdict.ERROR, Verdict.INCONCLUSIVE})


class RunVerdict(StrEnum):
    """The run as a whole, worst first: what the headline and the banner lead with."""

    INTERRUPTED = "INTERRUPTED"  # it did not complete: what it judged is no statement
    SETUP_FAILED = "SETUP FAILED"
    ERROR = "ERROR"
    FAILED = "FAILED"
    INCONCLUSIVE = "INCONCLUSIVE"
    NOTHING_JUDGED = "NOTHING JUDGED"  # no selected case judged a requirement
    PASSED = "PASSED"


class Outcome(StrEnum):
    """How a case ended, before its requirement's level is applied."""

    PASSED = "passed"
    VIOLATED = "violated"  # ConformanceFailure: the target broke the rule
    SKIPPED = "skipped"
    INCONCLUSIVE = "inconclusive"
    SETUP_FAILED = "setup-failed"  # SetupFailed: the case could not be run at all
    SUITE_ERROR = "suite-error"


def case_verdict(level: Level, outcome: Outcome, *, strict: bool) -> Verdict:
    if outcome is Outcome.SUITE_ERROR:
        return Verdict.ERROR
    if outcome is Outcome.SKIPPED:
        return Verdict.SKIP
    if outcome in (Outcome.INCONCLUSIVE, Outcome.SETUP_FAILED):
        return Verdict.INCONCLUSIVE
    if level is Level.INFO:
        return Verdict.INFO
    if outcome is Outcome.PASSED:
        return Verdict.PASS
    if level is Level.SHOULD and not strict:
        return Verdict.WARN
    return Verdict.FAIL


@dataclass
class CaseResult:
    nodeid: str
    requirement: str
    verdict: Verdict
    message: str | None = None
    observation: str | None = None
    transcript: str | None = None  # the redacted failure text, for TRANSCRIBED verdicts
    setup_failure: str | None = None  # the cause, on the first case a setup failure stopped
    cause: str | None = None  # the root cause that explains its failure (conformance.causes)
    cause_text: str | None = None  # that cause with the exchanges that show it, on one case


@dataclass
class RequirementResult:
    requirement: Requirement
    verdict: Verdict | None = None  # None: no case of it ran
    cases: list[CaseResult] = field(default_factory=list)
    void_reason: str | None = None  # why a verdict was voided (the run's setup failed)

    @property
    def observation(self) -> str | None:
        seen = [c.observation for c in self.cases if c.observation]
        if self.void_reason:
            seen.insert(0, self.void_reason)
        return "; ".join(dict.fromkeys(seen)) or None


def summarize(
    catalogue: dict[str, Requirement], cases: Iterable[CaseResult]
) -> dict[str, RequirementResult]:
    results = {rid: RequirementResult(req) for rid, req in catalogue.items()}
    for case in cases:
        if case.requirement in results:
            results[case.requirement].cases.append(case)
    for result in results.values():
        verdicts = {c.verdict for c in result.cases}
        result.verdict = next((v for v in SEVERITY if v in verdicts), None)
    return results


def waive(results: dict[str, RequirementResult], deviations: Iterable[str]) -> set[str]:
    """Known deviations: the listed requirements' FAIL or WARN becomes XFAIL; the IDs waived."""
    waived = set()
    for rid in deviations:
        result = results.get(rid)
        if result is not None and result.verdict in (Verdict.FAIL, Verdict.WARN):
            result.verdict = Verdict.XFAIL
            waived.add(rid)
    return waived


def void(results: dict[str, RequirementResult], reason: str) -> None:
    """A run whose setup failed judges nothing: what passed or failed becomes INCONCLUSIVE."""
    judged = (Verdict.PASS, Verdict.FAIL, Verdict.WARN, Verdict.XFAIL)
    for result in results.values():
        if result.verdict in judged:
            result.verdict = Verdict.INCONCLUSIVE
            result.void_reason = reason


def _ids(results: list[RequirementResult], shown: int = 5) -> str:
    ids = [r.requirement.id for r in results]
    more = f", +{len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _with(results: dict[str, RequirementResult], level: Level, *verdicts: Verdict) -> list[Any]:
    return [r for r in results.values() if r.requirement.level is level and r.verdict in verdicts]


def run_verdict(
    results: dict[str, RequirementResult],
    setup_failed: str | None = None,
    *,
    interrupted: bool = False,
    stopped: str | None = None,
) -> RunVerdict:
    """PASSED only when the run completed (`stopped` None), judged something, and every MUST
    that ran passed (or is a known deviation) and nothing broke.

    An interrupted run (Ctrl-C) is INTERRUPTED whatever it judged before; one stopped early
    (-x, --maxfail) keeps the verdict of what failed, and is INTERRUPTED where that would be
    PASSED. A run in which every requirement was skipped or not run judged NOTHING.
    """
    verdicts = {r.verdict for r in results.values()}
    if interrupted:
        return RunVerdict.INTERRUPTED
    if setup_failed:
        return RunVerdict.SETUP_FAILED
    if Verdict.ERROR in verdicts:
        return RunVerdict.ERROR
    if Verdict.FAIL in verdicts:
        return RunVerdict.FAILED
    if _with(results, Level.MUST, Verdict.INCONCLUSIVE):
        return RunVerdict.INCONCLUSIVE
    if stopped is not None:
        return RunVerdict.INTERRUPTED
    if verdicts <= {None, Verdict.SKIP}:
        return RunVerdict.NOTHING_JUDGED
    return RunVerdict.PASSED


def scores(results: dict[str, RequirementResult]) -> str:
    """The counts, e.g. "37/37 MUST passed (1 skipped), 8/8 SHOULD passed, 5 INFO observed;
    1 not run (UCC-VALID-GENERATED-INVALID-REJECTED)": skips and requirements no selected case
    ran are said, so a partial run never reads as a whole one."""
    parts = []
    for level in (Level.MUST, Level.SHOULD, Level.INFO):
        ran = [r for r in results.values() if r.requirement.level is level and r.verdict]
        judged = [r for r in ran if r.verdict is not Verdict.SKIP]
        if level is Level.INFO:
            observed = sum(1 for r in judged if r.verdict is Verdict.INFO)
            part = f"{observed} INFO observed"
        else:
            passed = sum(1 for r in judged if r.verdict is Verdict.PASS)
            part = f"{passed}/{len(judged)} {level.value} passed"
        skipped = len(ran) - len(judged)
        parts.append(part + (f" ({skipped} skipped)" if skipped else ""))
    line = ", ".join(parts)
    unrun = [r for r in results.values() if r.verdict is None]
    if unrun:
        named = f" ({_ids(unrun, 3)})" if len(unrun) <= 3 else ""
        line += f"; {len(unrun)} not run{named}"
    return line


def headline(
    results: dict[str, RequirementResult],
    setup_failed: str | None = None,
    *,
    interrupted: bool = False,
    stopped: str | None = None,
) -> str:
    """The run in one line, leading with what failed, e.g. "FAILED: 3 MUST (UCC-A, UCC-B,
    UCC-C); 1 SHOULD warned (UCC-D); 30/33 MUST passed, 7/8 SHOULD passed, 5 INFO observed";
    an interrupted run says why, then what it judged before it."""
    verdict = run_verdict(results, setup_failed, interrupted=interrupted, stopped=stopped)
    if verdict is RunVerdict.SETUP_FAILED:
        return f"SETUP FAILED: {setup_failed}; no requirement was judged"
    if verdict is RunVerdict.NOTHING_JUDGED:
        return f"NOTHING JUDGED: no selected case judged a requirement; {scores(results)}"
    parts = _findings(results, said=verdict is RunVerdict.INTERRUPTED)
    if verdict is RunVerdict.INTERRUPTED:
        if setup_failed:
            parts.insert(0, f"setup failed ({setup_failed})")
        why = stopped or "the run was interrupted"
        return f"INTERRUPTED: {why}; before it: " + "; ".join([*parts, scores(results)])
    return f"{verdict.value}: " + "; ".join([*parts, scores(results)])


def _findings(results: dict[str, RequirementResult], *, said: bool) -> list[str]:
    """What failed, could not be judged, warned or was waived, by ID. `said`: name the
    failures as such (under a verdict that does not say FAILED)."""
    parts = []
    errors = [r for r in results.values() if r.verdict is Verdict.ERROR]
    if errors:
        parts.append(f"the suite broke in {len(errors)} requirement(s) ({_ids(errors)})")
    for level in (Level.MUST, Level.SHOULD):
        failed = _with(results, level, Verdict.FAIL)
        if failed:
            parts.append(f"{len(failed)} {level.value}{' failed' if said else ''} ({_ids(failed)})")
    undecided = _with(results, Level.MUST, Verdict.INCONCLUSIVE)
    if undecided:
        parts.append(f"{len(undecided)} MUST could not be judged ({_ids(undecided)})")
    warned = _with(results, Level.SHOULD, Verdict.WARN)
    if warned:
        parts.append(f"{len(warned)} SHOULD warned ({_ids(warned)})")
    waived = [r for r in results.values() if r.verdict is Verdict.XFAIL]
    if waived:
        parts.append(f"{len(waived)} known deviation(s) ({_ids(waived)})")
    return parts
