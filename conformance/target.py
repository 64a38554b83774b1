"""The target of a run and the completions the suite creates there.

A vendor run creates at most three completions, lazily and only when a selected case needs
them: one stored completion that every update case shares, one created with store=false, and
one that is deleted. `Target` makes each once and reads it first; it holds the parts with jobs
of their own: the create itself (conformance.creation), the cleanup (conformance.cleanup: each id
is written to a ledger, conformance.ledger, before it is used, so a crashed run's leftovers are
deleted by the next run against the same base URL; the suite deletes what it created at the end
and restores the original metadata of a --completion-id it was given) and the views besides
retrieve that the invariants judge (conformance.views).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pytest

from conformance.cleanup import Cleanup
from conformance.client import Client, Exchange
from conformance.consistency import Consistency, Kind, Waited
from conformance.creation import VALUES_ASKED, Creation
from conformance.failures import Inconclusive, SetupFailed
from conformance.invariants import Invariants
from conformance.ledger import Ledger
from conformance.reads import Reads, not_offered
from conformance.settings import Settings
from conformance.transcript import Redactor
from conformance.views import Views

T = TypeVar("T")


@dataclass
class Completion:
    """A stored completion the cases update, and how it looked when the suite first read it.

    `original` is None when it never became readable after its creation; `unreadable` then
    holds the wait that showed it (its last retrieve), `creation` the create's exchange.
    """

    id: str
    original: dict[str, Any] | None
    created_by_suite: bool
    creation: Exchange | None = None
    unreadable: Waited | None = None

    @property
    def readable(self) -> bool:
        return self.original is not None


@dataclass
class Semantics:
    """The merge probe's outcome when it could not be run (conformance.steps.merges); what an
    update does is learned by the run's invariants (Invariants.rule)."""

    probe_failed: BaseException | None = None


class Target:
    """The server under test: the run's client, the completions the cases need (each created
    and first read once), and what reads their views (`views`) and cleans up (`cleanup`)."""

    def __init__(self, settings: Settings, redact: Redactor, *, worker: str | None = None) -> None:
        self.settings = settings
        self.redact = redact
        self.client = Client(
            settings.base_url, settings.api_key, timeout=settings.timeout, access=settings.access
        )
        self.client.rate_limits.max_total_wait = settings.rate_limit_wait
        self.nonce = secrets.token_hex(4)
        self._marks = itertools.count(1)
        self.completions_created = 0
        self.consistency = Consistency(settings.consistency_timeout)
        self.reads = Reads(settings.base_url)
        self.invariants = Invariants(settings.base_url, self.reads.pairs)
        self.client.observers += [self.reads.record, self.invariants.record]
        self.views = Views(self.client, self.consistency, self.reads, self.invariants, self.nonce)
        self.cleanup = Cleanup(
            self.client,
            self.consistency,
            self.reads,
            Ledger(settings.ledger, settings.base_url),
        )
        self.creation = Creation(settings, self.client, self.cleanup)
        self.semantics = Semantics()
        # A given completion is written by every xdist worker at once: no one process knows
        # what its metadata must be.
        self._shared_given = worker is not None
        self._made: dict[str, Any] = {}

    @property
    def absent_id(self) -> str:
        """An id no completion of the run has: the suite never creates it."""
        return f"chatcmpl-uccmissing{self.nonce}"

    def unique(self, label: str) -> str:
        """A value no earlier write of the run used: a state the suite puts a completion in
        must not be mistaken for an earlier, identical one that a lagging store still shows
        (and then replaces with a write still on its way)."""
        return f"{label} #{next(self._marks)}"

    # --- reading what a write did -----------------------------------------------------------
    def retrieve_until(
        self, completion: Completion, sent: dict[str, str], write: Exchange
    ) -> Waited:
        """Retrieve until the sent pairs are visible; stop early on a read that cannot become
        them by waiting (neither a state from before `write` nor the write)."""
        return self.consistency.wait(
            lambda: self.client.retrieve(completion.id),
            self.reads.shows(completion.id, sent, write, absent_before=completion.created_by_suite),
            Kind.UPDATE,
        )

    def retrieve_state(self, completion: Completion, state: Any, refused: Exchange) -> Waited:
        """Retrieve until the metadata from before a refused write shows again; stop early on
        a read holding a pair nobody sent before it (the refused write landed)."""
        return self.consistency.wait(
            lambda: self.client.retrieve(completion.id),
            self.reads.shows_state(
                completion.id, state, refused, absent_before=completion.created_by_suite
            ),
            Kind.UPDATE,
        )

    # --- the completions the cases need -----------------------------------------------------
    def stored(self) -> Completion:
        """The stored completion every update case shares (created once, or --completion-id)."""
        return self._once("stored", self._make_stored)

    def unstored_id(self) -> str:
        """The id of a completion created with store=false."""
        return self._once("unstored", lambda: self._create(store=False)[0])

    def deleted_id(self) -> str:
        """The id of a stored completion the suite has deleted."""
        return self._once("deleted", self._make_deleted)

    def scratch(self) -> Completion:
        """A second stored completion of the suite's own, for writes that must not crowd the
        shared one (the corpus's key probes). The deleted cases delete it later, so the run
        still creates at most three."""
        return self._once("scratch", self._make_scratch)

    def _make_scratch(self) -> Completion:
        # Created with an explicit empty map where the shared one is created without: both are
        # "no metadata" to a store (one shared default map shows on both), and an empty map
        # at create is what a store that echoes create parameters into its answers repeats.
        return self._first_read(*self._create(store=True, metadata={}), created_by_suite=True)

    def _once(self, name: str, make: Callable[[], T]) -> T:
        """Make a resource once; a failure (or skip) is remembered, so nothing is created twice
        and a setup failure is told in full only to the first case that meets it."""
        if name not in self._made:
            try:
                self._made[name] = make()
            except SetupFailed as exc:
                self._made[name] = exc.again()
                raise
            except (Exception, pytest.skip.Exception) as exc:
                self._made[name] = exc
        made = self._made[name]
        if isinstance(made, BaseException):
            # A fresh traceback each time: re-raising one instance grows its traceback with
            # every case, and rendering the report becomes quadratic.
            raise made.with_traceback(None)
        return cast(T, made)

    def _make_stored(self) -> Completion:
        given = self.settings.completion_id
        if given is not None:
            completion = self._first_read(given, None, created_by_suite=False)
            self.cleanup.given = (completion.id, completion.original or {})  # restored at the end
            return completion
        completion_id, creation = self._create(store=True, asks=VALUES_ASKED)
        return self._first_read(completion_id, creation, created_by_suite=True)

    def _first_read(
        self, completion_id: str, creation: Exchange | None, *, created_by_suite: bool
    ) -> Completion:
        """Wait until the completion can be retrieved: the object every case starts from, and
        every other view of it as first read (what the invariants compare with)."""
        waited = self.consistency.wait(
            lambda: self.client.retrieve(completion_id),
            self.reads.readable(completion_id),
            Kind.CREATE,
        )
        original = waited.exchange.json_object() if waited.ready else None
        if original is not None:
            self.cleanup.readable.add(completion_id)
            exclusive = created_by_suite or not self._shared_given
            tracked = self.invariants.track(
                completion_id,
                original,
                exclusive=exclusive,
                shown_by=(creation, waited.exchange) if creation is not None else None,
            )
            self.views.read(tracked)
        return Completion(
            completion_id,
            original,
            created_by_suite,
            creation=creation,
            unreadable=None if waited.ready else waited,
        )

    def _make_deleted(self) -> str:
        scratch = self._made.pop("scratch", None)  # deleted now: a later use makes another
        completion = scratch if isinstance(scratch, Completion) else self._make_scratch()
        if not completion.readable:
            raise Inconclusive(
                "the completion created to be deleted never became readable, so updates of "
                "deleted ones cannot be told from updates of unknown ones",
                _shown(completion.creation, completion.unreadable),
            )
        # Its last read, for the invariants: what writes to the other completions did to it.
        self.client.retrieve(completion.id)
        exchange = self.client.delete(completion.id)
        if not_offered(exchange):
            pytest.skip(
                f"the target offers no DELETE of stored completions (HTTP {exchange.status}), "
                "so updates of deleted ones cannot be tested"
            )
        if exchange.status != 200:
            raise Inconclusive(
                f"could not delete a completion to test updates of deleted ones "
                f"(DELETE answered {exchange.answer})",
                (exchange,),
            )
        self.cleanup.deleted(completion.id)
        self.consistency.wait(
            lambda: self.client.retrieve(completion.id),
            self.reads.absent(completion.id),
            Kind.UPDATE,
        )
        return completion.id

    def _create(
        self,
        *,
        store: bool,
        metadata: dict[str, str] | None = None,
        asks: dict[str, Any] | None = None,
    ) -> tuple[str, Exchange]:
        """A completion created (conformance.creation), counted in the run's totals."""
        created = self.creation.create(store=store, metadata=metadata, asks=asks)
        self.completions_created += 1
        return created

    def not_observed(self, stored: Completion, what: str) -> str:
        """Why `what` (log probabilities, a second choice) is absent from the shared completion:
        the reason of a NOT OBSERVED verdict."""
        return self.creation.not_observed(not stored.created_by_suite, what)

    def totals(self) -> dict[str, Any]:
        """What this process's part of the run cost (JSON-ready, summed over xdist workers)."""
        return {
            "requests_sent": self.client.requests_sent,
            "completions_created": self.completions_created,
            **self.consistency.totals(),
            **self.client.rate_limit_totals(),
            "connection_retries": self.client.retries,
        }


def _shown(*items: Exchange | Waited | None) -> tuple[Exchange, ...]:
    """The exchanges to show for a mix of exchanges and waits (their last reads)."""
    return tuple(
        item.exchange if isinstance(item, Waited) else item for item in items if item is not None
    )
