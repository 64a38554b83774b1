"""The cleanup: what the run created is deleted at its end, and a given completion's metadata
put back.

The target is someone else's server: the suite deletes every completion it stored, and confirms
each delete (a store behind its create answers 404 to a DELETE of a completion it stores a
moment later). What it could not confirm stays in the ledger (conformance.ledger) for the next
run to sweep.
"""

from __future__ import annotations

from typing import Any

from conformance.client import Client, Exchange
from conformance.consistency import Consistency, Kind, Waited
from conformance.ledger import Ledger
from conformance.reads import Reads, completion_object, metadata_of

# The seconds the cleanup gives a delete to be confirmed, even at --consistency-timeout=0: a
# store behind its create answers 404 to a DELETE of a completion it stores a moment later.
CLEANUP_FLOOR = 5.0


class Cleanup:
    """The completions of the run to delete at its end, the given one to restore, and the
    deleting itself."""

    def __init__(
        self, client: Client, consistency: Consistency, reads: Reads, ledger: Ledger
    ) -> None:
        self.client = client
        self.consistency = consistency
        self.reads = reads
        self.ledger = ledger
        self.to_delete: list[str] = []
        self.readable: set[str] = set()  # completions some read showed: a 404 is then a delete
        # The given completion (--completion-id) and the object first read, to restore.
        self.given: tuple[str, dict[str, Any]] | None = None

    def created(self, completion_id: str) -> None:
        """A stored completion the run created: in the ledger before anything else happens."""
        self.to_delete.append(completion_id)
        self.ledger.remember(completion_id)

    def deleted(self, completion_id: str) -> None:
        """A completion of the run a case deleted: nothing left to clean up."""
        self.to_delete.remove(completion_id)
        self.ledger.forget(completion_id)

    def sweep(self) -> int:
        """Delete the leftovers of an earlier crashed run at this base URL (the ledger's)."""
        return self.ledger.sweep(self.client.delete)

    def run(self) -> list[str]:
        """Delete what the suite created and restore a given completion; lines to report."""
        notes: list[str] = []
        if self.given is not None:
            notes.append(self._restore(*self.given))
        deleted = 0
        for completion_id in list(self.to_delete):
            waited = self._delete(completion_id)
            if waited.ready:
                self.deleted(completion_id)
                deleted += 1
            else:
                last = waited.exchange
                notes.append(
                    f"could not confirm {completion_id} deleted ({last.method} answered "
                    f"{last.answer}, after {waited.bound:g} s)"
                )
        if self.to_delete:
            where = self.ledger.path
            notes.append(
                f"cleanup: {len(self.to_delete)} completion(s) of the run may remain at the "
                + (
                    f"target; their ids stay in {where}, and the next run against "
                    f"{self.ledger.base_url} deletes them"
                    if where is not None
                    else "target (no ledger was kept)"
                )
            )
        elif deleted:
            notes.append(
                f"cleanup: deleted the {deleted} completion(s) still stored; none of the run's "
                "remain"
            )
        return notes

    def _delete(self, completion_id: str) -> Waited:
        """Delete until the target confirms it (`Reads.deleted`): within the consistency bound,
        and at least CLEANUP_FLOOR seconds."""

        def attempt() -> Exchange:
            exchange = self.client.delete(completion_id)
            if exchange.status != 404:
                return exchange
            read = self.client.retrieve(completion_id)
            if completion_object(read, completion_id) is not None:
                self.readable.add(completion_id)
            return read

        return self.consistency.wait(
            attempt,
            self.reads.deleted(completion_id, lambda: completion_id in self.readable),
            None,
            bound=max(self.consistency.bound, CLEANUP_FLOOR),
        )

    def _restore(self, completion_id: str, first_read: dict[str, Any]) -> str:
        """Put the given completion's original metadata back, and check that it took."""
        original = metadata_of(first_read)
        exchange = self.client.update(completion_id, {"metadata": original})
        if exchange.status != 200:
            return (
                f"original metadata of {completion_id} could NOT be restored "
                f"(update answered {exchange.answer})"
            )
        waited = self.consistency.wait(
            lambda: self.client.retrieve(completion_id),
            self.reads.shows(completion_id, original, exchange),
            Kind.UPDATE,
        )
        body = waited.exchange.json_object() or {}
        if waited.ready and metadata_of(body) == original:
            return f"original metadata of {completion_id} restored"
        now = metadata_of(body)
        added = sorted(set(now) - set(original)) if isinstance(now, dict) else []
        why = f": {len(added)} key(s) added by the suite remain (the target merges updates)"
        return f"original metadata of {completion_id} could NOT be fully restored" + (
            why if added else ""
        )
