"""Verdicts: how an outcome becomes PASS/FAIL/WARN/..., and how a run is summed up in a line.

These tables are the suite's promise to vendors ("a SHOULD only warns unless --strict", "one
failing case fails its requirement"); a slip here misreports every run without failing one.
"""

from __future__ import annotations

import itertools

import pytest

from conformance.requirements import Level, Requirement
from conformance.verdicts import (
    SEVERITY,
    CaseResult,
    Outcome,
    Verdict,
    case_verdict,
    headline,
    summarize,
)

MUST, SHOULD, INFO = Level.MUST, Level.SHOULD, Level.INFO
V = Verdict

# (level, outcome, verdict without --strict, verdict with --strict)
TABLE = [
    (MUST, Outcome.PASSED, V.PASS, V.PASS),
    (MUST, Outcome.VIOLATED, V.FAIL, V.FAIL),
    (SHOULD, Outcome.PASSED, V.PASS, V.PASS),
    (SHOULD, Outcome.VIOLATED, V.WARN, V.FAIL),
    (INFO, Outcome.PASSED, V.INFO, V.INFO),
    (INFO, Outcome.VIOLATED, V.INFO, V.INFO),
] + [
    (level, outcome, verdict, verdict)
    for level in (MUST, SHOULD, INFO)
    for outcome, verdict in (
        (Outcome.SKIPPED, V.SKIP),
        (Outcome.INCONCLUSIVE, V.INCONCLUSIVE),
        (Outcome.SUITE_ERROR, V.ERROR),
    )
]


@pytest.mark.parametrize(
    ("level", "outcome", "lenient", "strict"),
    TABLE,
    ids=[f"{level.value}-{outcome.value}" for level, outcome, _, _ in TABLE],
)
def test_case_verdict_follows_the_level_table(
    level: Level, outcome: Outcome, lenient: Verdict, strict: Verdict
) -> None:
    """Only a violated SHOULD depends on --strict; a skip or a suite error never becomes a
    verdict on the target, and INFO never fails."""
    assert case_verdict(level, outcome, strict=False) is lenient
    assert case_verdict(level, outcome, strict=True) is strict


def requirement(rid: str, level: Level = Level.MUST) -> Requirement:
    return Requirement(id=rid, level=level, area="test", quote="q", summary="s")


def cases(rid: str, *verdicts: Verdict) -> list[CaseResult]:
    return [CaseResult(f"case{i}", rid, v) for i, v in enumerate(verdicts)]


WORSE_BETTER = list(itertools.combinations(SEVERITY, 2))


def test_severity_order_is_the_documented_one() -> None:
    """The order the module docstring and the README promise, worst first."""
    assert SEVERITY == (V.ERROR, V.FAIL, V.WARN, V.INCONCLUSIVE, V.INFO, V.PASS, V.SKIP)


@pytest.mark.parametrize(
    ("worse", "better"),
    WORSE_BETTER,
    ids=[f"{w.value}-over-{b.value}" for w, b in WORSE_BETTER],
)
def test_summarize_takes_the_worst_verdict_of_the_cases(worse: Verdict, better: Verdict) -> None:
    """One failing parametrization fails the requirement, whichever order the cases ran in."""
    catalogue = {"UCC-X": requirement("UCC-X")}
    for order in ((better, worse), (worse, better)):
        result = summarize(catalogue, cases("UCC-X", *order))["UCC-X"]
        assert result.verdict is worse, order


def test_summarize_leaves_unrun_requirements_without_a_verdict() -> None:
    """A requirement no selected case ran is "NOT RUN", never a silent pass."""
    catalogue = {"UCC-A": requirement("UCC-A"), "UCC-B": requirement("UCC-B")}
    results = summarize(catalogue, cases("UCC-A", V.PASS) + cases("UCC-UNKNOWN", V.FAIL))
    assert results["UCC-A"].verdict is V.PASS
    assert results["UCC-B"].verdict is None
    assert set(results) == {"UCC-A", "UCC-B"}


def line(*entries: tuple[Level, Verdict | None]) -> str:
    """The headline of requirements with the given levels and verdicts (None: not run)."""
    catalogue = {f"UCC-{i}": requirement(f"UCC-{i}", lvl) for i, (lvl, _) in enumerate(entries)}
    results = [c for i, (_, v) in enumerate(entries) if v for c in cases(f"UCC-{i}", v)]
    return headline(summarize(catalogue, results))


HEADLINES = {
    "mixed": (
        [(MUST, V.PASS), (MUST, V.FAIL), (SHOULD, V.WARN), (INFO, V.INFO)],
        "MUST 1/2 passed, SHOULD 0/1 passed, INFO 1 observed",
    ),
    "skipped": (
        [(MUST, V.PASS), (MUST, V.SKIP)],
        "MUST 1/1 passed (1 skipped), SHOULD 0/0 passed, INFO 0 observed",
    ),
    "inconclusive-and-error": (
        [(MUST, V.PASS), (MUST, V.INCONCLUSIVE), (SHOULD, V.ERROR), (SHOULD, V.SKIP)],
        "MUST 1/2 passed (1 inconclusive), SHOULD 0/1 passed (1 error, 1 skipped), INFO 0 observed",
    ),
    "not-run-is-not-counted": (
        [(MUST, None), (SHOULD, None), (INFO, None)],
        "MUST 0/0 passed, SHOULD 0/0 passed, INFO 0 observed",
    ),
    "skipped-info-is-not-observed": (
        [(INFO, V.INFO), (INFO, V.SKIP)],
        "MUST 0/0 passed, SHOULD 0/0 passed, INFO 1 observed (1 skipped)",
    ),
}


@pytest.mark.parametrize(("entries", "expected"), HEADLINES.values(), ids=HEADLINES.keys())
def test_headline_counts_passed_of_judged_per_level(
    entries: list[tuple[Level, Verdict | None]], expected: str
) -> None:
    """The headline is what a vendor quotes: skips are annotated, never counted as judged."""
    assert line(*entries) == expected


def test_headline_mentions_a_suite_error_on_an_info_requirement() -> None:
    """ "The suite broke" must show in the one line a reader sees, whatever the level."""
    assert "1 error" in line((INFO, V.INFO), (INFO, V.ERROR))
