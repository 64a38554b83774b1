"""Verdicts: what each case's outcome means for its requirement, and the run's headline.

PASS / FAIL / WARN (a SHOULD that failed) / INFO (an observation) / SKIP / INCONCLUSIVE (a
bound ran out or the target could not be set up) / ERROR (the suite itself broke). A
requirement's verdict is the worst of its cases'.

XFAIL is a requirement verdict only: a case that breaks a rule is FAIL or WARN whatever a vendor
profile says, and a known deviation listed in the profile then turns its requirement's FAIL or
WARN into XFAIL (`waive`), which does not fail the run until the deviation expires.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

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


# Cases with these verdicts keep their (redacted) failure transcript in compliance.json.
TRANSCRIBED = frozenset({Verdict.FAIL, Verdict.WARN, Verdict.ERROR})


class Outcome(StrEnum):
    """How a case ended, before its requirement's level is applied."""

    PASSED = "passed"
    VIOLATED = "violated"  # ConformanceFailure: the target broke the rule
    SKIPPED = "skipped"
    INCONCLUSIVE = "inconclusive"
    SUITE_ERROR = "suite-error"


def case_verdict(level: Level, outcome: Outcome, *, strict: bool) -> Verdict:
    if outcome is Outcome.SUITE_ERROR:
        return Verdict.ERROR
    if outcome is Outcome.SKIPPED:
        return Verdict.SKIP
    if outcome is Outcome.INCONCLUSIVE:
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


@dataclass
class RequirementResult:
    requirement: Requirement
    verdict: Verdict | None = None  # None: no case of it ran
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def observation(self) -> str | None:
        seen = [c.observation for c in self.cases if c.observation]
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


def headline(results: dict[str, RequirementResult]) -> str:
    """One line such as "MUST 41/42 passed, SHOULD 6/8 passed, INFO 5 observed"."""
    parts = []
    for level in (Level.MUST, Level.SHOULD, Level.INFO):
        ran = [r for r in results.values() if r.requirement.level is level and r.verdict]
        judged = [r for r in ran if r.verdict is not Verdict.SKIP]
        if level is Level.INFO:
            observed = sum(1 for r in judged if r.verdict is Verdict.INFO)
            part = f"INFO {observed} observed"
        else:
            passed = sum(1 for r in judged if r.verdict is Verdict.PASS)
            part = f"{level.value} {passed}/{len(judged)} passed"
        extra = [
            f"{sum(1 for r in judged if r.verdict is v)} {v.value.lower()}"
            for v in (Verdict.XFAIL, Verdict.INCONCLUSIVE, Verdict.ERROR)
            if any(r.verdict is v for r in judged)
        ]
        if len(ran) > len(judged):
            extra.append(f"{len(ran) - len(judged)} skipped")
        parts.append(part + (f" ({', '.join(extra)})" if extra else ""))
    return ", ".join(parts)
