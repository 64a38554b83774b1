"""Sending a fuzz case's request, and recording what went out.

A generated case goes to the run's stored completion with the run's key, through the run's
Client (conformance.fuzz.transport), which answers an input sent before in the run from the
run's `Answers` (conformance.fuzz.answers). The exchanges are recorded for the failure text; a
request that went out for real is handed to the state checks (conformance.fuzz.states) at once,
before the stored completion moves on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from schemathesis.core import NotSet
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case

from conformance.client import Exchange
from conformance.failures import ConformanceFailure
from conformance.fuzz.answers import Answers, Sent
from conformance.fuzz.transport import TransportFailure
from conformance.target import Completion, Target


def body_of(case: Case[Any]) -> Any:
    return None if isinstance(case.body, NotSet) else case.body


def origin(case: Case[Any]) -> str:
    """How Schemathesis made the case: mode, phase and, for coverage, what it varies."""
    meta = case.meta
    if meta is None:
        return "hand-built case"
    text = f"{meta.generation.mode.value} case from the {meta.phase.name.value} phase"
    description = getattr(meta.phase.data, "description", None)
    if description and meta.phase.name.value != "fuzzing":
        text += f" ({description.splitlines()[0][:200]})"
    return text


def is_negative(case: Case[Any]) -> bool:
    """Whether the case came from negative generation (an input the spec does not allow)."""
    meta = case.meta
    return meta is not None and meta.generation.mode.value == "negative"


class Sender:
    """A fuzz case's requests: sent with the run's key, recorded, and the failures raised."""

    def __init__(self, target: Target, stored: Completion | None, answers: Answers) -> None:
        self.target = target
        self.stored = stored
        self.answers = answers
        self.base_url = target.settings.base_url
        # The key as the target takes it (--auth-header): Schemathesis's auth probes drop or
        # replace this header, the one the fuzz schemas declare (conformance.fuzz.schemas), by
        # its name as the scheme spells it ("Authorization" for a bearer scheme).
        access = target.settings.access
        name, value = access.credential(target.settings.api_key)
        self.headers = {"Authorization" if access.bearer else name: value}
        self.exchanges: list[Exchange] = []
        # The case's own request, once sent: None where answers are not shared.
        self.sent: Sent | None = None
        self.negative = False
        # Every failure raised, latest last: when Hypothesis cannot replay one (the target
        # answered differently, or its state steered generation), the plugin reports this.
        self.failures: list[ConformanceFailure] = []
        # Right after a request went out for real: the state checks its input calls for.
        self.went_out: Callable[[Case[Any], Response], None] | None = None

    def fail(self, failure: ConformanceFailure) -> ConformanceFailure:
        self.failures.append(failure)
        return failure

    @contextmanager
    def recording(self) -> Iterator[None]:
        with self.target.client.recording() as journal:
            try:
                yield
            finally:
                self.exchanges += journal

    def send(self, case: Case[Any]) -> Response:
        """Send the case to the run's stored completion with the run's key."""
        self.exchanges = []
        if self.stored is not None and "completion_id" in case.path_parameters:
            case.path_parameters["completion_id"] = self.stored.id
        with self.recording():
            return self.resend(case)

    def resend(self, case: Case[Any]) -> Response:
        """Send the case (again: its exchanges add to those recorded)."""
        self.negative = is_negative(case)
        self.answers.last = None
        response = self.call(case)
        self.sent = self.answers.last
        if self.sent is not None and not self.sent.replayed and self.went_out is not None:
            self.went_out(case, response)
        return response

    def call(self, case: Case[Any]) -> Response:
        try:
            return case.call(base_url=self.base_url, headers=self.headers)
        except TransportFailure as exc:
            raise self.fail(
                ConformanceFailure(
                    f"no answer to a generated request ({origin(case)}): {exc.exchange.error}",
                    (exc.exchange,),
                )
            ) from None

    def last_write(self) -> Exchange:
        """The case's own update: the latest POST, recorded or still in the open journal."""
        sent = [*self.exchanges, *(self.target.client.journal or [])]
        return next(e for e in reversed(sent) if e.method == "POST")


def status_of(response: Response) -> int:
    return int(response.status_code)
