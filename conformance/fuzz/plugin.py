"""The fuzz cases' pytest plugin: the run's fuzz settings and schemas, fixtures, verdicts.

Registered by conformance.plugin. Schemathesis builds each fuzz case when pytest collects it,
so the settings are fixed in `pytest_configure`, from the run's options (conformance.run), and
the run's schemas (conformance.fuzz.schemas) are built from them and handed to the case module
while pytest collects it. Everything is kept in the run's FuzzRun, in config.stash; a pytest
run that collects no conformance case (the suite's own tests) has none.
The cases themselves are in conformance/cases/test_fuzz.py.

Schemathesis and Hypothesis take seconds to import (more where pytest must rewrite their
asserts anew at every run), so nothing here loads them until the fuzz case module is
collected: the modules that use them (schemas, transport, runner) are imported inside the
hooks and fixtures that only run then, and Schemathesis's own pytest plugin, kept from
loading at start-up by the suite's ini (`-p no:schemathesis`), is registered at that point.
A run with `--no-fuzz` never imports them.
"""

from __future__ import annotations

import contextlib
import importlib
import secrets
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.collection import CASES_DIR
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.fuzz.answers import Answers
from conformance.fuzz.limits import Creations, Throttle
from conformance.fuzz.settings import FuzzSettings
from conformance.options import STATEFUL_CREATION_BUDGET
from conformance.run import RunState, state_of
from conformance.samples import CASE
from conformance.steps import put_known
from conformance.target import Completion, Target

if TYPE_CHECKING:
    from conformance.fuzz.runner import Fuzzer
    from conformance.fuzz.schemas import Schemas
    from conformance.fuzz.transport import ClientTransport

FUZZ_CASES = CASES_DIR / "test_fuzz.py"
# Schemathesis's pytest plugin builds the `@schema.parametrize()` cases; registered under a
# name of the suite's own, since the ini blocks its entry point's.
SCHEMATHESIS_PLUGIN = "conformance-schemathesis"


@dataclass
class FuzzRun:
    """What the fuzz cases share over one run, in config.stash."""

    settings: FuzzSettings
    throttle: Throttle
    creations: Creations = field(default_factory=Creations)
    answers: Answers = field(default_factory=Answers)
    keys_reserved: bool = False
    # Built when the case module is collected (they need Schemathesis).
    transport: ClientTransport | None = None
    schemas: Schemas | None = None

    def schemas_for_collection(self) -> Schemas:
        from conformance.fuzz.schemas import build
        from conformance.fuzz.transport import ClientTransport

        if self.schemas is None:
            self.transport = ClientTransport()
            self.schemas = build(self.settings, self.transport)
        return self.schemas

    def bound_transport(self) -> ClientTransport:
        if self.transport is None:
            raise RuntimeError("the fuzz cases' transport is built when they are collected")
        return self.transport


FUZZ_RUN = pytest.StashKey[FuzzRun]()


def resolve(config: pytest.Config, state: RunState) -> FuzzSettings:
    """The run's fuzz settings, from its options; an xdist worker takes the controller's
    seed, so that every worker generates the inputs the controller printed."""
    options = state.options
    examples: int = options.get("fuzz_examples")
    seed: int | None = options.get("fuzz_seed")
    max_rps: float | None = options.get("max_rps")
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    if "ucc_fuzz_seed" in workerinput:
        seed, origin = int(workerinput["ucc_fuzz_seed"]), str(workerinput["ucc_fuzz_origin"])
    elif seed is not None:
        origin = "--fuzz-seed"
    elif options.on_ci():
        seed, origin = 0, "CI"
    else:
        seed, origin = secrets.randbelow(2**32), "random"
    return FuzzSettings(
        enabled=options.get("fuzz"),
        examples=examples,
        seed=seed,
        seed_origin=origin,
        stateful=options.get("fuzz_stateful"),
        max_rps=max_rps,
        auth_header=state.settings.access.auth_header,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: a case that generates its inputs from the spec (Schemathesis)"
    )
    state = state_of(config)
    if state is None:
        return
    settings = resolve(config, state)
    config.stash[FUZZ_RUN] = FuzzRun(settings, Throttle(settings.max_rps))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker generates from the seed the controller printed."""
    run = node.config.stash.get(FUZZ_RUN, None)
    if run is None:
        return
    settings = run.settings
    node.workerinput["ucc_fuzz_seed"] = settings.seed
    node.workerinput["ucc_fuzz_origin"] = settings.seed_origin


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    run = config.stash.get(FUZZ_RUN, None)
    if collection_path == FUZZ_CASES and run is not None and not run.settings.enabled:
        return True
    return None


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """The fuzz case module is imported (and its cases built) while pytest collects it: the
    run's schemas are the ones it gets then."""
    if not (isinstance(collector, pytest.Module) and collector.path == FUZZ_CASES):
        return (yield)
    with _asserts_left_alone():
        from schemathesis.pytest import plugin as schemathesis_plugin

        from conformance.fuzz.schemas import collecting

        # The case module's other imports that import either library.
        for module in ("conformance.fuzz.runner", "conformance.fuzz.stateful"):
            importlib.import_module(module)

    manager = collector.config.pluginmanager
    if not manager.has_plugin(SCHEMATHESIS_PLUGIN) and not manager.is_registered(
        schemathesis_plugin
    ):
        manager.register(schemathesis_plugin, SCHEMATHESIS_PLUGIN)
    with collecting(collector.config.stash[FUZZ_RUN].schemas_for_collection()):
        return (yield)


@contextlib.contextmanager
def _asserts_left_alone() -> Iterator[None]:
    """Import Schemathesis and Hypothesis as Python compiles them, not rewritten by pytest.

    pytest rewrites the asserts of every module of a distribution that ships a pytest plugin,
    so both libraries' hundreds of modules are parsed and compiled again at import; where
    bytecode is not written (PYTHONDONTWRITEBYTECODE) nothing caches that and every run pays
    seconds for it. Their asserts are their own internal checks, never the suite's verdicts: a
    plain AssertionError from one reads the same to a vendor. pytest's import hook (the one
    finder of its class on sys.meta_path) steps aside for the block.
    """
    hooks = [f for f in sys.meta_path if type(f).__name__ == "AssertionRewritingHook"]
    for hook in hooks:
        sys.meta_path.remove(hook)
    try:
        yield
    finally:
        sys.meta_path[:0] = hooks


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = state_of(config)
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
    from conformance.fuzz.runner import Fuzzer

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
    from conformance.fuzz.runner import Fuzzer

    run = request.config.stash[FUZZ_RUN]
    if not run.keys_reserved:
        # Store the key the fuzz cases' known state uses before any generated key: a target
        # that merges updates and caps the merged map fills up with generated keys, and the
        # known state must still fit then. Best effort: its failure is the cases' to judge.
        run.keys_reserved = True
        with contextlib.suppress(Inconclusive):
            run.answers.known = put_known(target, stored, {CASE: target.unique("fuzz baseline")})
    fuzzer = Fuzzer(target, stored, run.settings, schemas=run.schemas, answers=run.answers)
    run.answers.before_sending = fuzzer.before_sending
    try:
        with run.bound_transport().bound(target.client, run.throttle, run.creations, run.answers):
            yield fuzzer
    finally:
        run.answers.before_sending = None


@pytest.fixture
def stateful_fuzzer(request: pytest.FixtureRequest, target: Target) -> Iterator[Fuzzer]:
    """Like `fuzzer`, for the stateful case: it creates completions, so only where that is
    free (the embedded server) or allowed (--fuzz-stateful), and never beyond its budget."""
    from conformance.fuzz.runner import Fuzzer

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
        with run.bound_transport().bound(target.client, run.throttle, run.creations):
            yield Fuzzer(target, None, run.settings, run.creations, run.schemas)
    finally:
        run.creations.budget = 0  # nothing after this case creates
        _delete_created(target, run.creations)


def _delete_created(target: Target, creations: Creations) -> None:
    """The stateful case's completions are counted in the run's cost and deleted after it."""
    target.completions_created += len(creations.ids)
    for completion_id in creations.ids:
        target.client.delete(completion_id)
    creations.ids.clear()
