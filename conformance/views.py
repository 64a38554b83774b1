"""Reading the views of a tracked completion besides retrieve, for the invariants to judge.

Retrieve is read by every wait; the list entry and the stored messages are read here: once when
a completion is first read, once after each case for the completions it wrote to, and, for the
list, until it catches up with the last update (conformance.invariants judges what comes back,
conformance.reads decides what a read means). A view the target does not offer is left out,
with the answer that showed it.
"""

from __future__ import annotations

from conformance.client import Client, completion_path
from conformance.consistency import Consistency, Kind
from conformance.invariants import AS_WRITTEN, LIST, MESSAGES, Invariants, Tracked
from conformance.jsontext import as_json
from conformance.reads import Reads, lagging_entry, landed, metadata_of, not_offered

# A list page long enough to hold the run's completions among a vendor's recent ones.
LIST_LIMIT = "100"
MESSAGES_LIMIT = "100"


class Views:
    """The list entry and the stored messages of the run's tracked completions."""

    def __init__(
        self,
        client: Client,
        consistency: Consistency,
        reads: Reads,
        invariants: Invariants,
        nonce: str,
    ) -> None:
        self.client = client
        self.consistency = consistency
        self.reads = reads
        self.invariants = invariants
        self.nonce = nonce

    def look(self, completion_ids: set[str] | None = None) -> None:
        """Read the views besides retrieve once (the list entry, the stored messages) of the
        completions the running case wrote to; the invariants judge what comes back."""
        ids = self.invariants.written if completion_ids is None else completion_ids
        for completion_id in sorted(ids):
            tracked = self.invariants.tracked.get(completion_id)
            if tracked is not None:
                self.read(tracked)

    def read(self, tracked: Tracked) -> None:
        """Each view of `tracked` the target offers, read once."""
        gone = self.invariants.unavailable
        if MESSAGES not in gone:
            read = self.client.send(
                "GET", completion_path(tracked.id) + "/messages", params={"limit": MESSAGES_LIMIT}
            )
            if not_offered(read) and MESSAGES not in tracked.baselines:
                gone[MESSAGES] = f"GET /chat/completions/{{id}}/messages answered {read.answer}"
        if LIST not in gone:
            page = self.client.list(self.list_query(tracked))
            if not_offered(page):
                gone[LIST] = f"GET /chat/completions answered {page.answer}"

    def list_catches_up(self) -> None:
        """Each tracked completion's list entry shows its last accepted update within the
        consistency bound; an entry still showing an earlier state then (or a state no update
        made) is a view that never caught up, a finding of UCC-STORED-AS-WRITTEN. An entry
        never listed is the metadata filter's to judge (UCC-LIST-METADATA-FILTER)."""
        if LIST in self.invariants.unavailable:
            return
        for tracked in list(self.invariants.tracked.values()):
            sent, write = tracked.last_sent, tracked.last_write
            if sent is None or write is None or not tracked.exclusive:
                continue
            # Compared with what retrieve shows, once it shows the update (reads.landed).
            read = self.client.retrieve(tracked.id)
            body = landed(read, sent)
            if body is None:
                continue
            query = self.list_query(tracked)
            waited = self.consistency.wait(
                lambda q=query: self.client.list(q),  # type: ignore[misc]
                self.reads.listed(tracked.id, sent, write),
                kind=None,
                bound=self.consistency.bound_for(Kind.UPDATE),
            )
            entry = lagging_entry(waited.exchange, waited.seen, tracked.id, body)
            if entry is None:
                continue
            late = f" {waited.bound:g} s after the update" if waited.timed_out else ""
            self.invariants.found(
                AS_WRITTEN,
                f"{LIST}: shows {as_json(metadata_of(entry), 300)}{late}, while retrieve shows "
                f"{as_json(metadata_of(body), 300)} (the update sent {as_json(sent, 200)})",
                (write, waited.exchange, read),
            )

    def list_query(self, tracked: Tracked) -> dict[str, str]:
        """A list query that finds the completion: by a plain pair it holds now when one is
        known (the vendor may hold many completions; a value only this run wrote first), else
        the most recent first."""
        known = (
            dict(tracked.states[0].metadata) if tracked.states and len(tracked.states) == 1 else {}
        )
        known.update(tracked.last_sent or {})
        plain = [(k, v) for k, v in known.items() if _plain(k) and isinstance(v, str) and _plain(v)]
        plain.sort(key=lambda pair: self.nonce not in pair[1] and "#" not in pair[1])
        if plain:
            key, value = plain[0]
            return {f"metadata[{key}]": value, "limit": LIST_LIMIT}
        return {"order": "desc", "limit": LIST_LIMIT}


def _plain(text: str) -> bool:
    """Text a query string carries unchanged by every server: printable ASCII, no brackets."""
    return (
        0 < len(text) <= 200 and text.isascii() and text.isprintable() and not set(text) & set("[]")
    )
