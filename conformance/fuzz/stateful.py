"""The stateful fuzz case: sequences of create, update, retrieve and delete.

Schemathesis infers the links between the operations (the id a create answers with feeds
the update, the retrieve and the delete) and Hypothesis draws sequences of them. Every create
asks for a stored completion (`store: true`, the run's model, a one-word prompt), so each
sequence has something to update, delete, and then try to update again. Two checks judge it:
Schemathesis's `use_after_free` (a deleted completion still retrievable) and ours, since
`use_after_free` leaves POST alone: an update of a completion deleted earlier in the sequence
must be refused.
"""

from __future__ import annotations

from typing import Any

import hypothesis
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import use_after_free
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.generation.stateful.state_machine import APIStateMachine

from conformance.creation import FIXTURE_PROMPT
from conformance.failures import ConformanceFailure
from conformance.fuzz.runner import Fuzzer

MAX_STEPS = 10
SHOWN_EXCHANGES = 8


def _is(case: Case[Any], method: str, path: str) -> bool:
    return str(case.method).upper() == method and case.path == path


def machine(fuzzer: Fuzzer, model: str) -> type[APIStateMachine]:
    """A state machine over the run's stateful schema that sends through `fuzzer`."""
    if fuzzer.schemas is None:
        raise RuntimeError("the stateful fuzz case runs only with the run's schemas")

    class Sequences(fuzzer.schemas.stateful.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.deleted: set[str] = set()
            fuzzer.sender.exchanges = []

        def before_call(self, case: Case[Any]) -> None:
            if _is(case, "POST", "/chat/completions"):
                # Creation is not under test: a fixed, cheap, stored completion, with the
                # fields the target's creates need (--create-extra).
                case.body = fuzzer.target.settings.access.create(
                    {
                        "model": model,
                        "messages": [{"role": "user", "content": FIXTURE_PROMPT}],
                        "store": True,
                        "metadata": {"ucc_fuzz": "stateful"},
                    }
                )

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"base_url": fuzzer.sender.base_url, "headers": dict(fuzzer.sender.headers)}

        def call(self, case: Case[Any], **kwargs: Any) -> Response:
            with fuzzer.target.client.recording() as journal:
                try:
                    return fuzzer.sender.call(case)
                finally:
                    fuzzer.sender.exchanges += journal

        def after_call(self, response: Response, case: Case[Any]) -> None:
            super().after_call(response, case)
            if _is(case, "DELETE", "/chat/completions/{completion_id}") and (
                200 <= response.status_code < 300
            ):
                self.deleted.add(str(case.path_parameters.get("completion_id")))

        def validate_response(
            self, response: Response, case: Case[Any], additional_checks: Any = None, **kwargs: Any
        ) -> None:
            completion_id = str(case.path_parameters.get("completion_id"))
            updated = _is(case, "POST", "/chat/completions/{completion_id}")
            if updated and completion_id in self.deleted and 200 <= response.status_code < 300:
                raise fuzzer.sender.fail(
                    ConformanceFailure(
                        "an update of a completion deleted earlier in the same sequence was "
                        f"accepted: expected a 4xx refusal, got HTTP {response.status_code} "
                        f"(stateful fuzzing, seed {fuzzer.settings.seed})",
                        tuple(fuzzer.sender.exchanges[-SHOWN_EXCHANGES:]),
                    )
                )
            fuzzer.check(case, response, [use_after_free], recorder=self.recorder)

    return Sequences


def run(fuzzer: Fuzzer, model: str) -> None:
    """Run the sequences, until one fails or the creation budget is spent.

    Not shrunk, as Schemathesis's own stateful runs are not: a replay meets a target whose
    state the first run changed (and creates again at a vendor). The failing sequence is
    shown as it ran, its last exchanges in the transcript.
    """
    settings = hypothesis.settings(
        max_examples=fuzzer.settings.stateful_scenarios,
        stateful_step_count=MAX_STEPS,
        phases=[hypothesis.Phase.generate],
        deadline=None,
        database=None,
        derandomize=False,
        report_multiple_bugs=False,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    sequences = hypothesis.seed(fuzzer.settings.seed)(machine(fuzzer, model))
    try:
        run_state_machine_as_test(sequences, settings=settings)
    except Exception:
        if fuzzer.sender.failures:
            raise fuzzer.sender.failures[-1] from None
        if not fuzzer.creations.spent:
            raise
        # The budget ran out before any sequence failed: CreationRefused, or Hypothesis
        # replaying a sequence that now stops at its first create.
