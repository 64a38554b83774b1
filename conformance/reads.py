"""What a read of a stored completion means: the one place every judge asks.

After a write the run reads until a read shows the write, up to the consistency bound. Each read
is one of three things (`Seen`): it shows what the write was to make visible (READY); it still
shows a state from before the write (STALE: a lagging store, replica or cache; read again); or
it shows something else, which waiting cannot turn into the write (OTHER: judged at once).

"A state from before the write" is made only of pairs the run sent to or read from that
completion before the write went out (`PairLog`): the state before the write, any earlier state
a replica may go back to (reads are not always monotonic), an earlier write merged with a later
one. A state holding a pair nobody sent before the write is never stale.

What a read shows is taken as the official schema allows it: `metadata: null` is the empty
map, a map has no order, and JSON escapes are decoded before anything is compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from conformance.client import Exchange


class Seen(StrEnum):
    """What one read says about the write waited for."""

    READY = "ready"  # it shows the write
    STALE = "stale"  # it still shows a state from before the write: read again
    OTHER = "other"  # neither: judged at once


# What one read means for the write a wait is for; every wait of the run asks one.
Classifier = Callable[[Exchange], Seen]


def metadata_of(body: Mapping[str, Any]) -> Any:
    """The metadata a completion object shows; null (or none at all) is the empty map, which the
    official schema allows ("metadata": {"anyOf": [map, null]})."""
    value = body.get("metadata")
    return {} if value is None else value


def holds(metadata: Any, pairs: Mapping[str, str]) -> bool:
    """True when `metadata` is a map holding every pair of `pairs` exactly."""
    return isinstance(metadata, dict) and all(metadata.get(k) == v for k, v in pairs.items())


def completion_object(read: Exchange, completion_id: str) -> dict[str, Any] | None:
    """The completion `read` shows: a 200 answer holding the object of that id; else None."""
    body = read.json_object() if read.status == 200 else None
    return body if body is not None and body.get("id") == completion_id else None


# The answers of a target that offers no such endpoint: a view of the completion it lacks (the
# view is then left out), a DELETE it does not take.
UNOFFERED: Final = (404, 405, 501)


def not_offered(answer: Exchange) -> bool:
    """True when `answer` says the target offers no such endpoint (`UNOFFERED`)."""
    return answer.status in UNOFFERED


def landed(read: Exchange, sent: Mapping[str, str]) -> dict[str, Any] | None:
    """The object a retrieve shows when it holds every sent pair: the write landed, and another
    view is to catch up with it. None otherwise: a write retrieve does not show either (one that
    never landed, a value changed on the way) is the round trip's to tell."""
    body = read.json_object() if read.status == 200 else None
    return body if body is not None and holds(metadata_of(body), sent) else None


def lagging_entry(
    page: Exchange, seen: Seen, completion_id: str, retrieved: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The completion's entry on the last list page of a wait (`seen`, what the wait made of
    that page) when it still shows other metadata than retrieve (`retrieved`): a view that never
    caught up. None when the list caught up, when it shows what retrieve shows, or when the
    completion is not on the page (the metadata filter's to judge)."""
    entry = entry_in(page, completion_id)
    if seen is Seen.READY or entry is None or metadata_of(entry) == metadata_of(retrieved):
        return None
    return entry


def entry_in(page: Exchange, completion_id: str) -> dict[str, Any] | None:
    """The completion's entry on a list page, or None (not a page, or not on it)."""
    body = page.json_object() if page.status == 200 else None
    data = body.get("data") if body is not None else None
    if not isinstance(data, list):
        return None
    return next(
        (item for item in data if isinstance(item, dict) and item.get("id") == completion_id),
        None,
    )


class PairLog:
    """Every metadata pair the run sent to or read from each completion, with the sequence
    number of the request that first carried it: what "a state from before the write" may
    hold. Fed with every exchange the run's Client returns (its observer)."""

    def __init__(self, base_url: str) -> None:
        self.prefix = urlsplit(base_url.rstrip("/")).path + "/chat/completions/"
        self.first: dict[str, dict[tuple[str, str], int]] = {}
        self.sent: dict[str, set[tuple[str, str]]] = {}

    def record(self, exchange: Exchange) -> None:
        completion_id = completion_in(exchange.url, self.prefix)
        if completion_id is None:
            return
        if exchange.method == "POST":
            metadata = _metadata(lenient_json(exchange.request_body))
        elif exchange.method == "GET" and exchange.status == 200:
            metadata = _metadata(exchange.json_object())
        else:
            return
        seen = self.first.setdefault(completion_id, {})
        for pair in _pairs(metadata):
            seen.setdefault(pair, exchange.seq)
        if exchange.method == "POST":
            self.sent.setdefault(completion_id, set()).update(_pairs(metadata))

    def from_before(self, completion_id: str, metadata: Any, write: Exchange) -> bool:
        """True when every pair of `metadata` was sent or read before `write` was sent."""
        if not isinstance(metadata, dict):
            return False
        seen = self.first.get(completion_id, {})
        return all(
            isinstance(v, str) and seen.get((k, v), write.seq) < write.seq
            for k, v in metadata.items()
        )

    def foreign(self, completion_id: str, metadata: Any) -> dict[str, str]:
        """The pairs of `metadata` the run sent to another completion and never to this one:
        what a store that shares one map between completions shows."""
        if not isinstance(metadata, dict):
            return {}
        own = self.sent.get(completion_id, set())
        others = set().union(*(p for c, p in self.sent.items() if c != completion_id))
        return {
            k: v
            for k, v in metadata.items()
            if isinstance(v, str) and (k, v) not in own and (k, v) in others
        }


class Reads:
    """The classifiers of the run's waits, each deciding what one read means for one write."""

    def __init__(self, base_url: str) -> None:
        self.pairs = PairLog(base_url)

    def record(self, exchange: Exchange) -> None:
        self.pairs.record(exchange)

    def shows(
        self,
        completion_id: str,
        sent: Mapping[str, str],
        write: Exchange,
        *,
        absent_before: bool = False,
    ) -> Classifier:
        """After an accepted write: READY once a retrieve holds every sent pair. A completion
        the run created was once absent (`absent_before`): a 404 is then a store or replica
        still behind its create, an earlier state like any other."""

        def classify(read: Exchange) -> Seen:
            if read.status == 404 and absent_before:
                return Seen.STALE
            body = completion_object(read, completion_id)
            if body is None:
                return Seen.OTHER
            return self.meaning(completion_id, metadata_of(body), sent, write)

        return classify

    def meaning(
        self, completion_id: str, metadata: Any, sent: Mapping[str, str], write: Exchange
    ) -> Seen:
        """What `metadata`, read after `write` of `sent`, says of that write."""
        if holds(metadata, sent):
            return Seen.READY
        return Seen.STALE if self.pairs.from_before(completion_id, metadata, write) else Seen.OTHER

    def shows_state(
        self, completion_id: str, state: Any, write: Exchange, *, absent_before: bool = False
    ) -> Classifier:
        """After a refused write: READY once a retrieve shows `state`, the metadata from before
        it; an earlier state is a replica going back in time (STALE), a 404 too for a
        completion the run created; a state holding a pair nobody sent before the refused write
        means the write landed after all (OTHER)."""

        def classify(read: Exchange) -> Seen:
            if read.status == 404 and absent_before:
                return Seen.STALE
            body = completion_object(read, completion_id)
            if body is None:
                return Seen.OTHER
            metadata = metadata_of(body)
            if metadata == state:
                return Seen.READY
            return (
                Seen.STALE if self.pairs.from_before(completion_id, metadata, write) else Seen.OTHER
            )

        return classify

    @staticmethod
    def readable(completion_id: str) -> Classifier:
        """After a create: READY once a retrieve answers the object; 404 is not yet."""

        def classify(read: Exchange) -> Seen:
            if read.status == 404:
                return Seen.STALE
            return Seen.READY if completion_object(read, completion_id) else Seen.OTHER

        return classify

    @staticmethod
    def absent(completion_id: str) -> Classifier:
        """After a delete: READY once a retrieve answers 404; the object still shown is a
        store that has not caught up yet."""

        def classify(read: Exchange) -> Seen:
            if read.status == 404:
                return Seen.READY
            return Seen.STALE if completion_object(read, completion_id) else Seen.OTHER

        return classify

    @staticmethod
    def deleted(completion_id: str, readable: Callable[[], bool]) -> Classifier:
        """The cleanup's delete, judged on the DELETE's answer or, after a 404, on a retrieve:
        READY once a DELETE answers 200, or a retrieve answers 404 for a completion that had
        been readable (`readable()`, asked at each read). A 404 for one never read may be a
        store still behind its create (STALE: delete again); one still shown is a delete a
        lagging store has not seen (STALE)."""

        def classify(read: Exchange) -> Seen:
            if read.method == "DELETE":
                return Seen.READY if read.status == 200 else Seen.OTHER
            if read.status == 404:
                return Seen.READY if readable() else Seen.STALE
            return Seen.STALE if completion_object(read, completion_id) else Seen.OTHER

        return classify

    @staticmethod
    def lacks(completion_id: str, pairs: Mapping[str, str]) -> Classifier:
        """An observation after a write that may remove `pairs` (an empty map, null): READY
        once they are gone, STALE while they are still there."""

        def classify(read: Exchange) -> Seen:
            body = completion_object(read, completion_id)
            if body is None:
                return Seen.OTHER
            return Seen.STALE if holds(metadata_of(body), pairs) else Seen.READY

        return classify

    def listed(
        self, completion_id: str, sent: Mapping[str, str] | None, write: Exchange | None
    ) -> Classifier:
        """A list page after a write: READY once it holds the completion's entry (showing the
        sent pairs, when given); a page without it, or with an entry from before the write,
        is a list that lags (STALE); no list page at all is OTHER."""

        def classify(page: Exchange) -> Seen:
            body = page.json_object() if page.status == 200 else None
            if body is None or not isinstance(body.get("data"), list):
                return Seen.OTHER
            entry = entry_in(page, completion_id)
            if entry is None:
                return Seen.STALE
            if sent is None or write is None:
                return Seen.READY
            return self.meaning(completion_id, metadata_of(entry), sent, write)

        return classify


def completion_in(url: str, prefix: str) -> str | None:
    """The completion id of a `{prefix}{id}` URL; None for any other path."""
    path = urlsplit(url).path
    if not path.startswith(prefix):
        return None
    rest = path[len(prefix) :]
    return unquote(rest) if rest and "/" not in rest else None


def lenient_json(data: bytes | None) -> Any:
    """A request body as JSON, or None when it is not JSON (a malformed body sent on purpose)."""
    try:
        return json.loads(data) if data else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _metadata(body: Any) -> Any:
    return body.get("metadata") if isinstance(body, dict) else None


def _pairs(metadata: Any) -> Iterable[tuple[str, str]]:
    if isinstance(metadata, dict):
        yield from ((k, v) for k, v in metadata.items() if isinstance(v, str))
