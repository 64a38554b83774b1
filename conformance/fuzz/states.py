"""What the stored completion shows after a fuzz case's request: the state checks.

An accepted update is read back (UCC-META-ROUNDTRIP-*), a refused invalid one must leave the
stored map as it was, and a valid one refused may be a merging target out of room. Each check
runs right after the request went out for real and is kept beside its answer (conformance.fuzz
.answers): a later case that gets the same answer replayed asks what was learned then, since by
then the stored completion has moved on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from schemathesis.core.transport import Response
from schemathesis.generation.case import Case

from conformance.client import Exchange
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.fuzz.answers import OUT_OF_ROOM, ROUND_TRIP, UNCHANGED
from conformance.fuzz.sending import Sender, body_of, origin, status_of
from conformance.samples import CASE
from conformance.steps import lacks_room, put_known, read_back, unchanged_after
from conformance.target import Completion


def is_client_error(status: int) -> bool:
    return 400 <= status < 500


class StateChecks:
    """The state checks of one fuzz case's requests, sent through `sender`."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.target = sender.target
        self.answers = sender.answers
        sender.went_out = self.learn

    def _completion(self) -> Completion:
        if self.sender.stored is None:
            raise RuntimeError("this fuzz case has no stored completion")
        return self.sender.stored

    # --- the stored state the checks start from -------------------------------------------
    def known(self) -> dict[str, Any]:
        """Put the stored completion in a known state (once a run, and again after any write
        that may have changed it)."""
        if self.answers.known is None:
            self.answers.known = put_known(
                self.target, self._completion(), {CASE: self.target.unique("fuzz baseline")}
            )
        return self.answers.known

    def forget(self) -> None:
        self.answers.known = None

    def before_sending(self, body: bytes | None) -> None:
        """Before an invalid input goes out for real: the stored state it must leave alone is
        known (best effort; without it the refusal's state check waits for a later send)."""
        if self.sender.negative and self.sender.stored is not None:
            with contextlib.suppress(Inconclusive):
                self.known()

    # --- right after a request went out ----------------------------------------------------
    def learn(self, case: Case[Any], response: Response) -> None:
        """Right after a request went out for real: the state checks its input calls for."""
        sent, negative = self.sender.sent, self.sender.negative
        assert sent is not None  # only called after a send that reached the target
        key, status = sent.key, status_of(response)
        accepted = 200 <= status < 300
        before = self.answers.known  # forgotten already if the request was accepted
        if self.sender.stored is None:
            return
        body = body_of(case)
        metadata = body.get("metadata") if isinstance(body, dict) else None
        if not negative and status == 200 and isinstance(metadata, dict):
            write = self.sender.last_write()
            self.answers.learn(
                ROUND_TRIP,
                key,
                lambda: read_back(self.target, self._completion(), write, dict(metadata)),
            )
        elif not negative and is_client_error(status) and isinstance(metadata, dict):
            refused = self.sender.last_write()
            self.answers.learn(
                OUT_OF_ROOM,
                key,
                lambda: lacks_room(self.target, self._completion(), refused, metadata),
            )
        elif negative and not accepted and before is not None:
            self.answers.learn(UNCHANGED, key, lambda: self._unchanged_since(before))

    def _unchanged_since(self, before: dict[str, Any]) -> None:
        try:
            unchanged_after(self.target, self._completion(), before, self.sender.last_write())
        except (ConformanceFailure, Inconclusive):
            self.forget()  # the next case starts from a known state again
            raise

    # --- what the cases ask -----------------------------------------------------------------
    def expect_round_trip(self, case: Case[Any], sent: dict[str, str]) -> None:
        """Every sent pair is visible, exactly, on a later retrieve (UCC-META-ROUNDTRIP-*): the
        case step conformance.steps.read_back, as learned when the input went out."""

        def now() -> Any:
            return read_back(self.target, self._completion(), self.sender.last_write(), sent)

        self._check(ROUND_TRIP, case, now, "a generated")

    def expect_unchanged(self, case: Case[Any]) -> None:
        """After a refused update the stored metadata is what it was (the known state was
        confirmed visible before the update, so one read tells)."""
        # The state from before the request; read only when this input's check was not
        # learned when it went out (a refusal leaves the known state as it was).
        self._check(
            UNCHANGED,
            case,
            lambda: self._unchanged_since(self.known()),
            "after a refused generated",
        )

    def open_because_merged(self, case: Case[Any]) -> str | None:
        """On a merging target, a valid update may be refused for the stored map's size."""
        body = body_of(case)
        metadata = body.get("metadata") if isinstance(body, dict) else None
        if not isinstance(metadata, dict):
            return None
        refused = self.sender.last_write()

        def now() -> Any:
            return lacks_room(self.target, self._completion(), refused, metadata)

        with self.sender.recording():
            room = self._found(OUT_OF_ROOM, case, now)
        return None if room is None else "merged into the stored pairs it would exceed 16"

    # --- learned then, or run now ---------------------------------------------------------
    def _found(self, name: str, case: Case[Any], check_now: Callable[[], Any]) -> Any:
        """What a state check found for the case's own request: learned when it went out, or
        run now. An answer replayed from a case that did not learn this goes out again."""
        sent = self.sender.sent
        if sent is None:
            return check_now()
        if not self.answers.learned(name, sent.key) and sent.replayed:
            self.answers.forget(sent.key)
            with self.sender.recording():
                self.sender.resend(case)
        sent = self.sender.sent
        if sent is None or not self.answers.learned(name, sent.key):
            return None  # sent again, it answered otherwise: nothing of this kind to judge
        return self.answers.recall(name, sent.key)

    def _check(self, name: str, case: Case[Any], check_now: Callable[[], Any], after: str) -> Any:
        """A state check of the case's request (`_found`); its failure says after what input."""
        with self.sender.recording():
            try:
                return self._found(name, case, check_now)
            except ConformanceFailure as failure:
                raise self.sender.fail(
                    ConformanceFailure(
                        f"{failure.message} ({after} {origin(case)})", self._with_state(failure)
                    )
                ) from None

    def _with_state(self, failure: ConformanceFailure) -> tuple[Exchange, ...]:
        """The case's exchanges, then those of the state check learned earlier."""
        exchanges = self.sender.exchanges
        return tuple(exchanges) + tuple(e for e in failure.exchanges if e not in exchanges)
