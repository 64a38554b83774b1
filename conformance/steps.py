"""Steps the cases share: putting the stored completion in a known state, reading a write
back, and learning what the page leaves open when a verdict depends on it.

Both waits follow conformance.consistency: a read that still shows the state from before the
write is read again, up to --consistency-timeout; any other read is judged at once. A write
that never becomes visible is a failure of the case that wrote it, and a precondition that
cannot be established makes the case INCONCLUSIVE, never a pass: either way with the write and
the last read in the transcript.
"""

from __future__ import annotations

from typing import Any

from conformance.client import Exchange
from conformance.consistency import Waited, holds
from conformance.expect import expect_ok, expect_pairs_held
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.jsontext import as_json
from conformance.samples import CASE, MAX_PAIRS, PLANNED_KEYS, RUN_KEY, pairs
from conformance.target import Completion, Target


def accepted(
    target: Target, stored: Completion, exchange: Exchange, sent: dict[str, str]
) -> dict[str, Any]:
    """The answer to a valid update the case needs accepted (HTTP 200, a JSON object).

    A refusal the suite caused itself (a merging target whose map its earlier cases filled) is
    INCONCLUSIVE; any other is the target's failure.
    """
    if exchange.status != 200:
        explain_refusal(target, stored, exchange, sent)
        if not stored.readable and stored.unreadable is not None:
            # The refusal follows from a create that never landed: show both.
            raise ConformanceFailure(
                f"expected HTTP 200, got {exchange.answer}; the completion was created with "
                f"store: true, but {stored.unreadable.not_visible('it')}",
                tuple(e for e in (stored.creation, stored.unreadable.exchange, exchange) if e),
            )
    return expect_ok(exchange)


def put_known(
    target: Target,
    stored: Completion,
    sent: dict[str, str],
    *,
    explain: bool = True,
    confirm: bool = False,
) -> dict[str, Any]:
    """Precondition: store `sent`, wait until a retrieve shows it; the object then.

    Not the rule under test: if the target cannot take a plain valid update the case is
    INCONCLUSIVE, and the failure shows under the requirements that judge exactly that. A
    refusal is checked against a merging target's full map unless `explain` is False (the merge
    probe's own writes: explaining them would probe again).

    With --consistency-timeout=0 the user vouches that a write is readable at once, and the
    update's answer is the stored object ("The ChatCompletion object matching the specified
    ID"): when it holds the sent pairs it is the state, and no read is spent on it (unless
    `confirm`: the state is itself what the caller examines). With a bound, one read confirms.
    """
    exchange = target.client.update(stored.id, {"metadata": sent})
    answer = exchange.json_object()
    if exchange.status != 200 or answer is None:
        if explain:
            explain_refusal(target, stored, exchange, sent)
        raise Inconclusive(
            f"precondition: a plain valid update was not accepted ({exchange.answer})", (exchange,)
        )
    trusted = target.consistency.bound == 0 and not confirm and stored.readable
    if trusted and answer.get("id") == stored.id and holds(answer.get("metadata"), sent):
        return answer
    waited = target.retrieve_until(stored, sent, exchange)
    if not waited.ready:
        raise Inconclusive(
            f"precondition: {_what_came_back(waited, 'a plain valid update')}",
            (exchange, waited.exchange),
        )
    body = waited.exchange.json_object()
    assert body is not None  # READY means a JSON object holding the pairs
    return body


def read_back(
    target: Target, stored: Completion, write: Exchange, sent: dict[str, str]
) -> tuple[Exchange, dict[str, Any]]:
    """Retrieve until every sent pair is visible; a failure naming what came back instead."""
    waited = target.retrieve_until(stored, sent, write)
    if waited.ready:
        body = waited.exchange.json_object()
        assert body is not None  # READY means a JSON object holding the pairs
        return waited.exchange, body
    exchanges = (write, waited.exchange)
    if not waited.timed_out:
        read = waited.exchange
        body = read.json_object() if read.status == 200 else None
        if body is None:
            raise ConformanceFailure(
                f"retrieving the updated completion answered {read.answer}", exchanges
            )
        if body.get("id") != stored.id:
            raise ConformanceFailure(
                f"retrieving {stored.id} answered another object "
                f"(id {as_json(body.get('id'), 80)})",
                exchanges,
            )
        expect_pairs_held(sent, body.get("metadata"), exchanges, "later retrieve")
    raise ConformanceFailure(_what_came_back(waited, "the accepted update"), exchanges)


def _what_came_back(waited: Waited, what: str) -> str:
    """Why a wait ended without the write: not visible in time, or visible as something else."""
    if waited.timed_out:
        line = waited.not_visible(what)
        read = waited.exchange
        if read.status == 404:
            return line + " (the completion has never been readable since it was created)"
        metadata = (read.json_object() or {}).get("metadata")
        return line + f"; the last retrieve still shows metadata {as_json(metadata, 200)}"
    read = waited.exchange
    body = read.json_object() if read.status == 200 else None
    if body is None:
        return f"{what} could not be read back (retrieve answered {read.answer})"
    return f"{what} came back as something else (metadata {as_json(body.get('metadata'), 200)})"


# --- what the page leaves open ----------------------------------------------------------------
def merges(target: Target, stored: Completion) -> bool:
    """Whether an update merges into the stored map instead of replacing it (learned once:
    two plain updates with different keys, then whether the first key is still there).

    The keys are ones the run stores anyway (the case marker, and the key the create set), so
    the probe fits even in a merged map that the run's earlier writes filled.
    """
    semantics = target.semantics
    if semantics.probe_failed is not None:
        raise semantics.probe_failed.with_traceback(None)
    if semantics.merges is None:
        first = {CASE: target.unique("merge probe, first update")}
        second = {RUN_KEY: target.unique(target.nonce)}
        try:
            put_known(target, stored, first, explain=False)
            after = put_known(target, stored, second, explain=False, confirm=True)
        except Inconclusive as exc:
            semantics.probe_failed = exc
            raise
        metadata = after.get("metadata")
        semantics.merges = isinstance(metadata, dict) and set(first) <= set(metadata)
    return semantics.merges


def stored_keys(target: Target, stored: Completion) -> tuple[Exchange, list[str]]:
    """The keys the stored completion holds now (one retrieve)."""
    read = target.client.retrieve(stored.id)
    metadata = (read.json_object() or {}).get("metadata")
    return read, list(metadata) if isinstance(metadata, dict) else []


def lacks_room(
    target: Target, stored: Completion, refused: Exchange, sent: dict[str, str]
) -> tuple[Exchange, list[str]] | None:
    """The stored keys, when they explain why this valid update was refused: a target that
    merges updates and caps the merged map at 16 pairs (the page leaves both open) has no room
    left for the new keys. None when the refusal is not explained that way."""
    if refused.status is None or not 400 <= refused.status < 500:
        return None
    try:
        if not merges(target, stored):
            return None
    except Inconclusive:
        return None
    read, keys = stored_keys(target, stored)
    return (read, keys) if len(set(keys) | set(sent)) > MAX_PAIRS else None


def explain_refusal(
    target: Target, stored: Completion, refused: Exchange, sent: dict[str, str]
) -> None:
    """INCONCLUSIVE when the suite's own earlier pairs explain the refusal of a valid update."""
    room = lacks_room(target, stored, refused, sent)
    if room is not None:
        read, keys = room
        raise Inconclusive(
            f"the target merges updates into the stored map and caps the merged map at "
            f"{MAX_PAIRS} pairs; the {len(keys)} pairs already stored on the shared completion "
            f"leave no room for this update's {len(set(sent) - set(keys))} new key(s)",
            (refused, read),
        )


def sixteen_that_fit(stored_now: list[str]) -> dict[str, str]:
    """16 pairs that merge into exactly 16 with the stored ones: every stored key, then the
    keys the cases plan to write, then fresh ones."""
    keys = list(dict.fromkeys([*stored_now, *PLANNED_KEYS, *pairs(MAX_PAIRS, "p16")]))
    return {key: f"value {i} of the sixteen" for i, key in enumerate(keys[:MAX_PAIRS])}
