"""The fault matrix: the suite's proof of power and of fairness.

Each faulty server must be caught under exactly the requirements it breaks; the reference
server and each conformant variation must be caught under none (but the SHOULDs a variation
names, which warn and never fail the run).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.mechanisms import MECHANISMS
from conformance.reference import ReferenceApi
from conformance.requirements import Level, catalogue
from tests.conftest import SuiteRun
from tests.faults.catalogue import CONFORMANT, FAULTS, Variant
from tests.faults.fault_model import MODEL_CONFORMANT, MODEL_FAULTS

ALL_FAULTS = FAULTS + MODEL_FAULTS
ALL_CONFORMANT = CONFORMANT + MODEL_CONFORMANT


def _describe(run: SuiteRun) -> str:
    lines = [f"{rid}: {v}" for rid, v in sorted(run.verdicts.items()) if v not in ("PASS", "INFO")]
    return "\n".join(lines) + "\n" + str(run.result.stdout)[-3000:]


def assert_bounded(run: SuiteRun) -> None:
    """A write that never lands costs the whole consistency bound once per kind (a new
    completion, an update), never once per case: later waits of that kind read once."""
    lost = run.compliance["writes_never_visible"]
    for kind in ("create", "update"):
        full = [w for w in lost if w["kind"] == kind and w["bound_s"] > 0]
        assert len(full) <= 1, full


def test_catalogue_holds_at_least_25_faults() -> None:
    """At least 25 faults, each breaking something, and every variation named once."""
    assert len(FAULTS) >= 25
    assert all(variant.fails for variant in FAULTS)
    everything = ALL_FAULTS + ALL_CONFORMANT
    assert len({variant.name for variant in everything}) == len(everything)


def test_every_mechanism_of_the_fault_model_has_a_faulty_server() -> None:
    """The fault model (tests/faults/README.md) is only as good as the servers that prove the
    suite catches each mechanism it lists."""
    shown = {mid for variant in ALL_FAULTS for mid in variant.mechanisms}
    assert shown == set(MECHANISMS)


@pytest.mark.parametrize("variant", ALL_FAULTS, ids=[v.name for v in ALL_FAULTS])
def test_fault_is_caught_under_the_requirement_it_breaks(
    run_against: Callable[..., SuiteRun], variant: Variant
) -> None:
    run = run_against(variant.api_class, *variant.options)
    assert run.flagged == variant.fails, _describe(run)
    assert run.with_verdict("INCONCLUSIVE") == variant.inconclusive, _describe(run)
    assert not run.with_verdict("ERROR"), _describe(run)
    must = {rid for rid, r in catalogue().items() if r.level is Level.MUST}
    fails_the_run = (variant.fails | variant.inconclusive) & must
    assert run.result.ret == (1 if fails_the_run else 0), _describe(run)
    assert_bounded(run)
    output = run.outputs()
    unnamed = [mid for mid in variant.mechanisms if f"see fault model {mid})" not in output]
    assert not unnamed, f"the failures do not name {unnamed}\n" + _describe(run)


@pytest.mark.parametrize("variant", ALL_CONFORMANT, ids=[v.name for v in ALL_CONFORMANT])
def test_conformant_variation_is_not_flagged(
    run_against: Callable[..., SuiteRun], variant: Variant
) -> None:
    run = run_against(variant.api_class, *variant.options)
    assert run.flagged == variant.fails, _describe(run)
    assert not run.with_verdict("FAIL", "ERROR", "INCONCLUSIVE"), _describe(run)
    assert run.result.ret == 0, _describe(run)
    assert run.compliance["writes_never_visible"] == []


def test_reference_server_passes_everything_with_strict(
    run_against: Callable[..., SuiteRun],
) -> None:
    """The reference server is the suite's proof of itself: all MUST and SHOULD pass."""
    run = run_against(ReferenceApi, "--strict", "--fuzz", "--fuzz-seed=0")
    assert run.result.ret == 0, _describe(run)
    assert run.with_verdict("PASS", "INFO") == set(run.verdicts), _describe(run)
    # The README shows this headline as what a passing run says: it must be the real one.
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"verdict: {run.compliance['headline']}" in readme
