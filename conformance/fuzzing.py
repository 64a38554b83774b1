"""The fuzz cases' pytest plugin: options, the settings fixed before collection, fixtures.

Registered by conformance.plugin. Schemathesis builds each fuzz case when pytest collects it,
so the options are resolved in `pytest_configure` (CLI > environment > ini > default) and
written into the schemas of conformance.fuzz_schemas before any test module is imported.
The cases themselves are in conformance/cases/test_fuzz.py.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.failures import ConformanceFailure, Inconclusive
from conformance.fuzz_runner import Fuzzer
from conformance.fuzz_schemas import (
    DEFAULT_EXAMPLES,
    SETTINGS,
    STATEFUL_CREATION_BUDGET,
    FuzzSettings,
    configure,
    in_ci,
)
from conformance.fuzz_transport import CLIENT_TRANSPORT, Creations, Throttle
from conformance.samples import CASE
from conformance.steps import put_known
from conformance.target import Completion, Target

FUZZ_CASES = Path(__file__).resolve().parent / "cases" / "test_fuzz.py"


@dataclass
class FuzzRun:
    """What the fuzz cases share over one run, in config.stash."""

    settings: FuzzSettings
    throttle: Throttle
    creations: Creations = field(default_factory=Creations)
    keys_reserved: bool = False


FUZZ_RUN = pytest.StashKey[FuzzRun]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Update-chat-completion conformance")
    group.addoption(
        "--fuzz-examples",
        type=int,
        default=None,
        help=f"generated inputs per fuzz case, besides Schemathesis's boundary cases "
        f"(default: $CONFORMANCE_FUZZ_EXAMPLES, or {DEFAULT_EXAMPLES}).",
    )
    group.addoption(
        "--fuzz-seed",
        type=int,
        default=None,
        help="seed of the generated inputs, to reproduce a run (default: $CONFORMANCE_FUZZ_SEED; "
        "0 when $CI is set; random otherwise, and printed).",
    )
    group.addoption(
        "--fuzz-stateful",
        action="store_true",
        default=False,
        help="run the stateful fuzz case at a vendor too; each of its steps may create a "
        f"billable completion (at most {STATEFUL_CREATION_BUDGET} a run).",
    )
    group.addoption(
        "--no-fuzz",
        action="store_false",
        dest="fuzz",
        default=None,
        help="leave the fuzz cases out (as -m 'not fuzz' does, without collecting them).",
    )
    group.addoption(
        "--fuzz",
        action="store_true",
        dest="fuzz",
        help="run the fuzz cases even if an earlier --no-fuzz said not to (the default).",
    )
    group.addoption(
        "--max-rps",
        type=float,
        default=None,
        help="send at most this many fuzz requests a second (default: $CONFORMANCE_MAX_RPS; "
        "no limit).",
    )
    parser.addini("fuzz_examples", "generated inputs per fuzz case")
    parser.addini("max_rps", "at most this many fuzz requests a second")


def _number(config: pytest.Config, option: str, env: str, ini: str | None) -> str | None:
    value = config.getoption(option)
    if value is not None:
        return str(value)
    if os.environ.get(env):
        return os.environ[env]
    raw = config.getini(ini) if ini else None
    return str(raw) if raw else None


def resolve(config: pytest.Config) -> FuzzSettings:
    """The run's fuzz settings; a usage error names the option that is wrong."""
    examples_raw = _number(config, "fuzz_examples", "CONFORMANCE_FUZZ_EXAMPLES", "fuzz_examples")
    seed_raw = _number(config, "fuzz_seed", "CONFORMANCE_FUZZ_SEED", None)
    rps_raw = _number(config, "max_rps", "CONFORMANCE_MAX_RPS", "max_rps")
    try:
        examples = int(examples_raw) if examples_raw is not None else DEFAULT_EXAMPLES
        seed = int(seed_raw) if seed_raw is not None else None
        max_rps = float(rps_raw) if rps_raw is not None else None
    except ValueError as exc:
        raise pytest.UsageError(f"fuzz options take numbers: {exc}") from None
    if examples < 1:
        raise pytest.UsageError(f"--fuzz-examples must be 1 or more, got {examples}")
    if max_rps is not None and max_rps <= 0:
        raise pytest.UsageError(f"--max-rps must be more than 0, got {max_rps:g}")
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    if "ucc_fuzz_seed" in workerinput:  # xdist workers use the controller's seed
        seed, origin = int(workerinput["ucc_fuzz_seed"]), str(workerinput["ucc_fuzz_origin"])
    elif seed is not None:
        origin = "--fuzz-seed"
    elif in_ci():
        seed, origin = 0, "CI"
    else:
        seed, origin = secrets.randbelow(2**32), "random"
    return FuzzSettings(
        enabled=config.getoption("fuzz") is not False,
        examples=examples,
        seed=seed,
        seed_origin=origin,
        stateful=bool(config.getoption("fuzz_stateful")),
        max_rps=max_rps,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: a case that generates its inputs from the spec (Schemathesis)"
    )
    settings = resolve(config)
    configure(settings)
    config.stash[FUZZ_RUN] = FuzzRun(settings, Throttle(settings.max_rps))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker generates from the seed the controller printed."""
    node.workerinput["ucc_fuzz_seed"] = SETTINGS.seed
    node.workerinput["ucc_fuzz_origin"] = SETTINGS.seed_origin


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path == FUZZ_CASES and not config.stash[FUZZ_RUN].settings.enabled:
        return True
    return None


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    from conformance.plugin import STATE

    state = config.stash.get(STATE, None)
    if state is None:
        return None
    s = config.stash[FUZZ_RUN].settings
    if not s.enabled:
        return ["fuzz cases: left out (--no-fuzz)"]
    stateful = "on" if state.settings.embedded or s.stateful else "off (--fuzz-stateful)"
    rps = f"; at most {s.max_rps:g} requests/s" if s.max_rps else ""
    return [
        f"fuzz cases: {s.examples} generated inputs each; seed {s.seed} ({s.seed_origin}; "
        f"rerun with --fuzz-seed={s.seed}); stateful {stateful}{rps}"
    ]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fuzz cases run after the handwritten ones, which name a failure more precisely, and
    before the risky ones, which may take the shared completion down."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("risky") is not None,
            item.get_closest_marker("fuzz") is not None,
        )
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Hypothesis replays a failing input before reporting it. When the replay goes another
    way (the target answered differently, or its changed state steered the generation), it
    raises a Flaky* error or an exception group: the verdict needs the target's failure, not
    a suite error, so the last failure the case raised is reported instead."""
    if item.get_closest_marker("fuzz") is None:
        return (yield)
    try:
        return (yield)
    except (ConformanceFailure, Inconclusive):
        raise
    except Exception as exc:
        funcargs: dict[str, Any] = getattr(item, "funcargs", {})
        fuzzers = [v for v in funcargs.values() if isinstance(v, Fuzzer)]
        found = fuzzers[0].failures[-1] if fuzzers and fuzzers[0].failures else None
        if found is None and isinstance(exc, BaseExceptionGroup):
            found = _first(exc)
        if found is None:
            raise
        if isinstance(found, Inconclusive):
            raise found from None
        raise ConformanceFailure(
            f"{found.message}\n(Hypothesis could not replay this input the same way: the "
            "target answered differently, or its state had changed)",
            found.exchanges,
        ) from None


def _first(group: BaseExceptionGroup[Any]) -> ConformanceFailure | Inconclusive | None:
    for exc in group.exceptions:
        if isinstance(exc, ConformanceFailure | Inconclusive):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            inner = _first(exc)
            if inner is not None:
                return inner
    return None


# --- fixtures ---------------------------------------------------------------------------------
@pytest.fixture
def fuzzer(request: pytest.FixtureRequest, target: Target, stored: Completion) -> Iterator[Fuzzer]:
    """Sends a fuzz case's generated inputs to the run's stored completion, through the run's
    Client."""
    run = request.config.stash[FUZZ_RUN]
    if not run.keys_reserved:
        # Store the key the fuzz cases' known state uses before any generated key: a target
        # that merges updates and caps the merged map fills up with generated keys, and the
        # known state must still fit then. Best effort: its failure is the cases' to judge.
        run.keys_reserved = True
        with contextlib.suppress(Inconclusive):
            put_known(target, stored, {CASE: target.unique("fuzz baseline")})
    with CLIENT_TRANSPORT.bound(target.client, run.throttle, run.creations):
        yield Fuzzer(target, stored)


@pytest.fixture
def stateful_fuzzer(request: pytest.FixtureRequest, target: Target) -> Iterator[Fuzzer]:
    """Like `fuzzer`, for the stateful case: it creates completions, so only where that is
    free (the embedded server) or allowed (--fuzz-stateful), and never beyond its budget."""
    run = request.config.stash[FUZZ_RUN]
    settings = target.settings
    if settings.no_create:
        pytest.skip("needs completions created by the suite, and --no-create was given")
    if not settings.embedded and not run.settings.stateful:
        pytest.skip(
            "creates a completion at almost every step, each billed at a vendor: "
            "give --fuzz-stateful to run it"
        )
    if not settings.model:
        pytest.skip("needs completions created by the suite, and no --model was given")
    run.creations.budget = None if settings.embedded else STATEFUL_CREATION_BUDGET
    try:
        with CLIENT_TRANSPORT.bound(target.client, run.throttle, run.creations):
            yield Fuzzer(target, None, run.creations)
    finally:
        run.creations.budget = 0  # nothing after this case creates
        _delete_created(target, run.creations)


def _delete_created(target: Target, creations: Creations) -> None:
    """The stateful case's completions are counted in the run's cost and deleted after it."""
    target.completions_created += len(creations.ids)
    for completion_id in creations.ids:
        target.client.delete(completion_id)
    creations.ids.clear()
