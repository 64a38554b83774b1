"""The fault matrix: the suite's proof of power and of fairness.

Each faulty server must be caught under exactly the requirements it breaks; the reference
server and each conformant variation must be caught under none (but the SHOULDs a variation
names, which warn and never fail the run).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.reference import ReferenceApi
from tests.conftest import SuiteRun
from tests.faults.catalogue import CONFORMANT, FAULTS, SETUP_FAULTS, Variant


def _describe(run: SuiteRun) -> str:
    lines = [f"{rid}: {v}" for rid, v in sorted(run.verdicts.items()) if v not in ("PASS", "INFO")]
    return "\n".join(lines) + "\n" + str(run.result.stdout)[-3000:]


def test_catalogue_holds_at_least_25_faults() -> None:
    """The issue asks for at least 25 faults, each breaking something."""
    assert len(FAULTS) >= 25
    assert all(variant.fails for variant in FAULTS)
    assert len({variant.name for variant in FAULTS + CONFORMANT}) == len(FAULTS + CONFORMANT)


@pytest.mark.parametrize("variant", FAULTS, ids=[v.name for v in FAULTS])
def test_fault_is_caught_under_the_requirement_it_breaks(
    run_against: Callable[..., SuiteRun], variant: Variant
) -> None:
    run = run_against(variant.api_class, *variant.options)
    assert run.flagged == variant.fails, _describe(run)
    assert not run.with_verdict("ERROR"), _describe(run)
    assert run.result.ret == (
        1 if any(r.startswith("UCC") for r in run.with_verdict("FAIL")) else 0
    )


@pytest.mark.parametrize("variant", SETUP_FAULTS, ids=[v.name for v in SETUP_FAULTS])
def test_target_that_cannot_be_set_up_fails_the_run(
    run_against: Callable[..., SuiteRun], variant: Variant
) -> None:
    """Every case needing the stored completion is INCONCLUSIVE; the run fails, saying why."""
    run = run_against(variant.api_class, *variant.options)
    assert run.result.ret == 1, _describe(run)
    assert run.verdicts["UCC-RESP-STATUS"] == "INCONCLUSIVE", _describe(run)
    assert "could not be retrieved" in run.outputs(), _describe(run)


@pytest.mark.parametrize("variant", CONFORMANT, ids=[v.name for v in CONFORMANT])
def test_conformant_variation_is_not_flagged(
    run_against: Callable[..., SuiteRun], variant: Variant
) -> None:
    run = run_against(variant.api_class, *variant.options)
    assert run.flagged == variant.fails, _describe(run)
    assert not run.with_verdict("FAIL", "ERROR", "INCONCLUSIVE"), _describe(run)
    assert run.result.ret == 0, _describe(run)


def test_reference_server_passes_everything_with_strict(
    run_against: Callable[..., SuiteRun],
) -> None:
    """The reference server is the suite's proof of itself: all MUST and SHOULD pass."""
    run = run_against(ReferenceApi, "--strict", "--fuzz", "--fuzz-seed=0")
    assert run.result.ret == 0, _describe(run)
    assert run.with_verdict("PASS", "INFO") == set(run.verdicts), _describe(run)
