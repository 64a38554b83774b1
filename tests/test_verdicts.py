"""Verdicts: how an outcome becomes PASS/FAIL/WARN/..., and how a run is summed up in a line.

These tables are the suite's promise to vendors ("a SHOULD only warns unless --strict", "one
failing case fails its requirement"); a slip here misreports every run without failing one.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from conformance.requirements import Level, Requirement
from conformance.verdicts import (
    SEVERITY,
    CaseResult,
    Outcome,
    RunVerdict,
    Verdict,
    case_verdict,
    headline,
    run_verdict,
    summarize,
    void,
    waive,
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
        (Outcome.SETUP_FAILED, V.INCONCLUSIVE),
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
        "FAILED: 1 MUST (UCC-1); 1 SHOULD warned (UCC-2); "
        "1/2 MUST passed, 0/1 SHOULD passed, 1 INFO observed",
    ),
    "skipped": (
        [(MUST, V.PASS), (MUST, V.SKIP)],
        "PASSED: 1/1 MUST passed (1 skipped), 0/0 SHOULD passed, 0 INFO observed",
    ),
    "inconclusive-and-error": (
        [(MUST, V.PASS), (MUST, V.INCONCLUSIVE), (SHOULD, V.ERROR), (SHOULD, V.SKIP)],
        "ERROR: the suite broke in 1 requirement(s) (UCC-2); 1 MUST could not be judged "
        "(UCC-1); 1/2 MUST passed, 0/1 SHOULD passed (1 skipped), 0 INFO observed",
    ),
    "must-inconclusive": (
        [(MUST, V.PASS), (MUST, V.INCONCLUSIVE), (SHOULD, V.INCONCLUSIVE)],
        "INCONCLUSIVE: 1 MUST could not be judged (UCC-1); "
        "1/2 MUST passed, 0/1 SHOULD passed, 0 INFO observed",
    ),
    "strict-should-fails": (
        [(MUST, V.PASS), (SHOULD, V.FAIL)],
        "FAILED: 1 SHOULD (UCC-1); 1/1 MUST passed, 0/1 SHOULD passed, 0 INFO observed",
    ),
    "not-run-is-not-counted": (
        [(MUST, None), (SHOULD, None), (INFO, None)],
        "NOTHING JUDGED: no selected case judged a requirement; 0/0 MUST passed, "
        "0/0 SHOULD passed, 0 INFO observed; 3 not run (UCC-0, UCC-1, UCC-2)",
    ),
    "all-skipped-judges-nothing": (
        [(MUST, V.SKIP), (SHOULD, None)],
        "NOTHING JUDGED: no selected case judged a requirement; 0/0 MUST passed (1 skipped), "
        "0/0 SHOULD passed, 0 INFO observed; 1 not run (UCC-1)",
    ),
    "many-not-run-are-counted": (
        [(MUST, V.PASS), *[(SHOULD, None)] * 4],
        "PASSED: 1/1 MUST passed, 0/0 SHOULD passed, 0 INFO observed; 4 not run",
    ),
    "skipped-info-is-not-observed": (
        [(INFO, V.INFO), (INFO, V.SKIP)],
        "PASSED: 0/0 MUST passed, 0/0 SHOULD passed, 1 INFO observed (1 skipped)",
    ),
}


@pytest.mark.parametrize(("entries", "expected"), HEADLINES.values(), ids=HEADLINES.keys())
def test_headline_leads_with_what_failed_then_passed_of_judged(
    entries: list[tuple[Level, Verdict | None]], expected: str
) -> None:
    """The headline is what a vendor quotes: it says outright what failed or could not be
    judged, by ID, before the counts; skips are annotated, never counted as judged."""
    assert line(*entries) == expected


def test_headline_mentions_a_suite_error_on_an_info_requirement() -> None:
    """ "The suite broke" must show in the one line a reader sees, whatever the level."""
    assert line((INFO, V.INFO), (INFO, V.ERROR)).startswith("ERROR: the suite broke in 1")


def test_many_failures_are_named_up_to_five_then_counted() -> None:
    """A headline stays one line however much fails."""
    text = line(*[(MUST, V.FAIL)] * 7)
    assert text.startswith("FAILED: 7 MUST (UCC-0, UCC-1, UCC-2, UCC-3, UCC-4, +2 more); ")


def test_setup_failure_voids_every_verdict_and_leads_the_headline() -> None:
    """A run whose target could not be set up judges nothing: no PASS or FAIL survives."""
    catalogue = {f"UCC-{i}": requirement(f"UCC-{i}") for i in range(3)}
    results = summarize(
        catalogue, cases("UCC-0", V.PASS) + cases("UCC-1", V.FAIL) + cases("UCC-2", V.SKIP)
    )
    void(results, "not judged: setup failed")
    assert [r.verdict for r in results.values()] == [V.INCONCLUSIVE, V.INCONCLUSIVE, V.SKIP]
    assert results["UCC-0"].observation == "not judged: setup failed"
    text = headline(results, setup_failed="could not create a chat completion")
    assert text == "SETUP FAILED: could not create a chat completion; no requirement was judged"
    assert run_verdict(results, "could not create") is RunVerdict.SETUP_FAILED


@pytest.mark.parametrize(
    ("entries", "verdict"),
    [
        ([(MUST, V.PASS), (SHOULD, V.WARN), (INFO, V.INFO)], RunVerdict.PASSED),
        ([(MUST, V.PASS), (MUST, V.INCONCLUSIVE)], RunVerdict.INCONCLUSIVE),
        ([(MUST, V.PASS), (SHOULD, V.INCONCLUSIVE)], RunVerdict.PASSED),
        ([(MUST, V.INCONCLUSIVE), (MUST, V.FAIL)], RunVerdict.FAILED),
        ([(MUST, V.FAIL), (INFO, V.ERROR)], RunVerdict.ERROR),
    ],
    ids=["warn-passes", "must-undecided", "should-undecided", "fail", "error"],
)
def test_run_verdict_is_passed_only_when_every_must_was_judged_and_passed(
    entries: list[tuple[Level, Verdict]], verdict: RunVerdict
) -> None:
    """Never green when unsure: a MUST that could not be judged keeps the run from PASSED."""
    catalogue = {f"UCC-{i}": requirement(f"UCC-{i}", lvl) for i, (lvl, _) in enumerate(entries)}
    results = summarize(
        catalogue, [c for i, (_, v) in enumerate(entries) for c in cases(f"UCC-{i}", v)]
    )
    assert run_verdict(results) is verdict


def test_a_known_deviation_does_not_keep_the_run_from_passing() -> None:
    """A FAIL the vendor profile lists is XFAIL, which does not fail the run (until expiry)."""
    catalogue = {"UCC-0": requirement("UCC-0"), "UCC-1": requirement("UCC-1")}
    results = summarize(catalogue, cases("UCC-0", V.PASS) + cases("UCC-1", V.FAIL))
    assert run_verdict(results) is RunVerdict.FAILED
    waive(results, ["UCC-1"])
    assert run_verdict(results) is RunVerdict.PASSED


ENDINGS = {
    "interrupted-after-passes": (
        [(MUST, V.PASS), (SHOULD, None)],
        {"interrupted": True, "stopped": "the run was interrupted"},
        "INTERRUPTED: the run was interrupted; before it: 1/1 MUST passed, 0/0 SHOULD passed, "
        "0 INFO observed; 1 not run (UCC-1)",
    ),
    "interrupted-after-a-failure": (
        [(MUST, V.PASS), (MUST, V.FAIL)],
        {"interrupted": True, "stopped": "the run was interrupted"},
        "INTERRUPTED: the run was interrupted; before it: 1 MUST failed (UCC-1); "
        "1/2 MUST passed, 0/0 SHOULD passed, 0 INFO observed",
    ),
    "interrupted-before-any-case": (
        [(MUST, None)],
        {"interrupted": True, "stopped": "the run was interrupted"},
        "INTERRUPTED: the run was interrupted; before it: 0/0 MUST passed, 0/0 SHOULD passed, "
        "0 INFO observed; 1 not run (UCC-0)",
    ),
    "stopped-early-after-a-failure": (
        [(MUST, V.FAIL), (MUST, None)],
        {"stopped": "the run stopped early (stopping after 1 failures)"},
        "FAILED: 1 MUST (UCC-0); 0/1 MUST passed, 0/0 SHOULD passed, 0 INFO observed; "
        "1 not run (UCC-1)",
    ),
    "stopped-early-with-nothing-failed": (
        [(MUST, V.PASS), (MUST, None)],
        {"stopped": "the run stopped early (x)"},
        "INTERRUPTED: the run stopped early (x); before it: 1/1 MUST passed, 0/0 SHOULD passed, "
        "0 INFO observed; 1 not run (UCC-1)",
    ),
}


@pytest.mark.parametrize(("entries", "ending", "expected"), ENDINGS.values(), ids=ENDINGS.keys())
def test_a_run_that_did_not_complete_is_never_passed(
    entries: list[tuple[Level, Verdict | None]], ending: dict[str, Any], expected: str
) -> None:
    """An interrupted run is INTERRUPTED whatever it judged, and says what that was; one
    stopped early after a failure keeps FAILED, and is never PASSED."""
    catalogue = {f"UCC-{i}": requirement(f"UCC-{i}", lvl) for i, (lvl, _) in enumerate(entries)}
    results = summarize(
        catalogue, [c for i, (_, v) in enumerate(entries) if v for c in cases(f"UCC-{i}", v)]
    )
    assert headline(results, **ending) == expected
    assert run_verdict(results, **ending).value == expected.split(":")[0]
