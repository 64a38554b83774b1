"""The fuzz cases: their power on faults only generated input reaches, their fairness on the
reference server and the conformant variations over several seeds, and their cost.

Every fuzz run here is a vendor run of the fuzz cases alone (`-m fuzz`) against a served
variation, with a fixed seed, so a failure names the seed that reproduces it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from conformance.fuzz.limits import Throttle
from conformance.fuzz.runner import open_for_a_valid_update, open_for_an_invalid_update
from conformance.reference import BackgroundServer, ReferenceApi
from tests.conftest import API_KEY, SuiteRun
from tests.faults.catalogue import CONFORMANT, Variant
from tests.faults.fuzz_faults import FUZZ_FAULTS

Run = Callable[..., SuiteRun]
Serve = Callable[[type[ReferenceApi]], BackgroundServer]

# The requirements the fuzz cases judge (conformance/cases/test_fuzz.py).
FUZZ_REQUIREMENTS = frozenset(
    {
        "UCC-RESP-STATUS",
        "UCC-META-ROUNDTRIP-RETRIEVE",
        "UCC-RESP-SCHEMA",
        "UCC-VALID-GENERATED-INVALID-REJECTED",
        "UCC-ERR-OBJECT",
        "UCC-ERR-VALIDATION-400",
        "UCC-AUTH-MISSING-401",
        "UCC-AUTH-WRONG-401",
        "UCC-DELETED-REJECTED",
    }
)
FAULT_SEED = 1
REFERENCE_SEEDS = (11, 12, 13)


def fuzz_only(seed: int, *options: str) -> tuple[str, ...]:
    return ("--fuzz", "-m", "fuzz", f"--fuzz-seed={seed}", *options)


def describe(run: SuiteRun) -> str:
    lines = [
        f"{rid}: {v}" for rid, v in sorted(run.verdicts.items()) if v not in ("PASS", "NOT RUN")
    ]
    return "\n".join(lines) + "\n" + str(run.result.stdout)[-4000:]


def test_fuzz_faults_cover_every_requirement_the_fuzz_cases_judge() -> None:
    """A fuzz case that no fault makes fail proves nothing; each has one."""
    assert {rid for variant in FUZZ_FAULTS for rid in variant.fails} == FUZZ_REQUIREMENTS
    assert len({variant.name for variant in FUZZ_FAULTS}) == len(FUZZ_FAULTS)


@pytest.mark.parametrize("variant", FUZZ_FAULTS, ids=[v.name for v in FUZZ_FAULTS])
def test_fuzz_fault_is_caught_under_the_requirement_it_breaks(
    run_against: Run, variant: Variant
) -> None:
    run = run_against(variant.api_class, *fuzz_only(FAULT_SEED, *variant.options))
    assert run.flagged == variant.fails, describe(run)
    assert not run.with_verdict("ERROR", "INCONCLUSIVE"), describe(run)


# Faults once only generated input reached, now caught by handwritten cases too: the round-trip
# corpus holds every class of characters (conformance/classes.py), controls in keys and values
# among them, and so does the text at the limits (a tab).
ALSO_HANDWRITTEN = {
    "CrashesOnControlCharacterInKey": {
        "UCC-META-ROUNDTRIP-RESPONSE",
        "UCC-META-ROUNDTRIP-RETRIEVE",
        "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    },
    "DropsControlCharactersWhenStoring": {"UCC-META-ROUNDTRIP-RETRIEVE"},
}


@pytest.mark.parametrize("variant", FUZZ_FAULTS, ids=[v.name for v in FUZZ_FAULTS])
def test_fuzz_fault_passes_every_handwritten_case(run_against: Run, variant: Variant) -> None:
    """Each is a fault only generated input reaches: that is the power fuzzing adds (but for
    those the generated corpus of the handwritten cases reaches now)."""
    run = run_against(variant.api_class, *variant.options)
    assert run.flagged == ALSO_HANDWRITTEN.get(variant.name, set()), describe(run)
    assert not run.with_verdict("ERROR", "INCONCLUSIVE"), describe(run)


@pytest.mark.parametrize("seed", REFERENCE_SEEDS, ids=[f"seed{s}" for s in REFERENCE_SEEDS])
def test_fuzz_cases_pass_on_the_reference_server(run_against: Run, seed: int) -> None:
    """No false alarm on the reference, the stateful case included; every fuzz case names
    one of the requirements the fuzz faults cover."""
    run = run_against(ReferenceApi, *fuzz_only(seed, "--fuzz-stateful", "--strict"))
    assert run.result.ret == 0, describe(run)
    assert {rid for rid, v in run.verdicts.items() if v != "NOT RUN"} == FUZZ_REQUIREMENTS
    assert run.with_verdict("PASS") == FUZZ_REQUIREMENTS, describe(run)


@pytest.mark.parametrize(
    ("variant", "seed"),
    [(variant, 21 + i) for i, variant in enumerate(CONFORMANT)],
    ids=[f"{variant.name}-seed{21 + i}" for i, variant in enumerate(CONFORMANT)],
)
def test_fuzz_cases_raise_no_false_alarm_on_a_conformant_variation(
    run_against: Run, variant: Variant, seed: int
) -> None:
    """A conformant server flagged by a generated input is a false alarm, worse than a miss."""
    run = run_against(variant.api_class, *fuzz_only(seed, "--fuzz-stateful", *variant.options))
    assert run.flagged <= variant.fails, describe(run)
    assert not run.with_verdict("FAIL", "ERROR", "INCONCLUSIVE"), describe(run)
    assert run.result.ret == 0, describe(run)


def test_vendor_run_with_the_fuzz_cases_creates_at_most_three_and_leaves_none(
    run_suite: Run, serve: Serve
) -> None:
    """Fuzzing updates the run's stored completion only: creating is the stateful case's,
    which a vendor run leaves out (and says so) unless --fuzz-stateful is given."""
    server = serve(ReferenceApi)
    run = run_suite(
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        "--model=test-model",
        "--consistency-timeout=0",
        "--fuzz",
        f"--fuzz-seed={FAULT_SEED}",
    )
    assert run.result.ret == 0, describe(run)
    assert 0 < run.compliance["completions_created"] <= 3
    stateful = next(
        case
        for entry in run.compliance["requirements"]
        for case in entry["cases"]
        if "test_fuzz_sequences" in case["nodeid"]
    )
    assert stateful["verdict"] == "SKIP" and "--fuzz-stateful" in stateful["message"]
    assert API_KEY not in run.outputs()


# --- the parts, without a server ---------------------------------------------------------------
OPEN_VALID: dict[str, dict[str, Any]] = {
    "empty-key": {"metadata": {"": "v"}},
    "nul": {"metadata": {"k": "a\x00b"}},
}
DECIDED_VALID: dict[str, dict[str, Any]] = {
    "control-character": {"metadata": {"\x1f": ""}},
    "bmp-64": {"metadata": {"日" * 64: "v" * 512}},
    "astral-64": {"metadata": {"\U0001d11e" * 64: "v"}},
    "empty-map": {"metadata": {}},
}


@pytest.mark.parametrize("body", OPEN_VALID.values(), ids=OPEN_VALID.keys())
def test_valid_update_the_page_leaves_open_may_be_refused(body: dict[str, Any]) -> None:
    assert open_for_a_valid_update(body)


@pytest.mark.parametrize("body", DECIDED_VALID.values(), ids=DECIDED_VALID.keys())
def test_valid_update_the_page_decides_must_be_accepted(body: dict[str, Any]) -> None:
    assert open_for_a_valid_update(body) is None


OPEN_INVALID: dict[str, Any] = {
    "null-metadata": {"metadata": None},
    "extra-field": {"metadata": {"k": "v"}, "model": "x"},
}
DECIDED_INVALID: dict[str, Any] = {
    "extra-field-and-bad-value": {"metadata": {"k": 1}, "model": "x"},
    "missing-metadata": {"model": "x"},
    "array-metadata": {"metadata": [None, None]},
    "not-an-object": [1],
}


@pytest.mark.parametrize("body", OPEN_INVALID.values(), ids=OPEN_INVALID.keys())
def test_invalid_update_the_page_leaves_open_may_be_accepted(body: Any) -> None:
    assert open_for_an_invalid_update(body)


@pytest.mark.parametrize("body", DECIDED_INVALID.values(), ids=DECIDED_INVALID.keys())
def test_invalid_update_the_page_decides_must_be_refused(body: Any) -> None:
    assert open_for_an_invalid_update(body) is None


def test_throttle_spaces_requests_to_the_rate() -> None:
    throttle = Throttle(200.0)
    started = time.monotonic()
    for _ in range(11):
        throttle.wait()
    assert time.monotonic() - started >= 10 / 200 * 0.9


@pytest.mark.parametrize(
    ("option", "says"),
    [("--fuzz-examples=0", "--fuzz-examples must be 1 or more"), ("--max-rps=0", "--max-rps")],
    ids=["no-examples", "no-rate"],
)
def test_fuzz_option_out_of_range_is_a_usage_error(run_suite: Run, option: str, says: str) -> None:
    run = run_suite("--fuzz", option)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    assert says in str(run.result.stderr)
