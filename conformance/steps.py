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

import pytest

from conformance.client import Exchange
from conformance.consistency import Waited
from conformance.countings import PURE, heavy, over, suggested
from conformance.expect import expect_ok, expect_pairs_held
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.invariants import Rule
from conformance.jsontext import as_json
from conformance.reads import holds, metadata_of
from conformance.samples import (
    CASE,
    MAX_KEY,
    MAX_PAIRS,
    MAX_VALUE,
    PLANNED_KEYS,
    RUN_KEY,
    VALUE_KEYS,
    pairs,
)
from conformance.target import Completion, Target


def accepted(
    target: Target, stored: Completion, exchange: Exchange, sent: dict[str, str]
) -> dict[str, Any]:
    """The answer to a valid update the case needs accepted (HTTP 200, a JSON object).

    A refusal the suite caused itself (a merging target whose map its earlier cases filled) is
    INCONCLUSIVE; any other is the target's failure.
    """
    if exchange.status != 200:
        rule_out_lack_of_room(target, stored, exchange, sent)
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
            rule_out_lack_of_room(target, stored, exchange, sent)
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
        metadata = metadata_of(read.json_object() or {})
        return line + f"; the last retrieve still shows metadata {as_json(metadata, 200)}"
    read = waited.exchange
    body = read.json_object() if read.status == 200 else None
    if body is None:
        return f"{what} could not be read back (retrieve answered {read.answer})"
    return f"{what} came back as something else (metadata {as_json(metadata_of(body), 200)})"


def unchanged_after(
    target: Target, stored: Completion, before: dict[str, Any], refused: Exchange
) -> None:
    """After a refused update the stored metadata is the state from before it. A read of an
    earlier state is a lagging store going back in time: read again, within the bound; a state
    holding a pair nobody sent before the refused update, or any other state when the bound
    runs out, is the verdict."""
    state = metadata_of(before)
    waited = target.retrieve_state(stored, state, refused)
    if waited.ready:
        return
    read = waited.exchange
    body = read.json_object() if read.status == 200 else None
    if body is None:
        raise ConformanceFailure(
            f"after the refused update, the completion can no longer be retrieved ({read.answer})",
            (refused, read),
        )
    late = f" (still so after {waited.bound:g} s)" if waited.timed_out and waited.bound else ""
    raise ConformanceFailure(
        f"the refused update changed the stored metadata: before {as_json(state, 300)}, "
        f"after {as_json(metadata_of(body), 300)}{late}",
        (refused, read),
    )


# --- how a target counts ---------------------------------------------------------------------
def expect_counted_in_characters(
    target: Target, stored: Completion, refused: Exchange, sent: dict[str, str], limit: int
) -> None:
    """A valid update at a limit in characters was refused: each PURE text is sent alone, at
    the same limit and in the same place (key or value), and the failure names the counting
    that explains which are refused. Only after a refusal: no request is spent otherwise."""
    if not refused_as_invalid(refused):
        return  # accepted, or refused for another reason than the body: accepted() judges
    rule_out_lack_of_room(target, stored, refused, sent)
    in_key = any(len(key) == limit for key in sent)
    refused_short(target, stored, refused, sent)
    probes = {
        name: {text * limit: "pure"} if in_key else {VALUE_KEYS[0]: text * limit}
        for name, text in PURE.items()
    }
    answers = {
        name: target.client.update(stored.id, {"metadata": body}) for name, body in probes.items()
    }
    refusals = {name: exchange.status != 200 for name, exchange in answers.items()}
    where = "key" if in_key else "value"
    text = next(iter(sent)) if in_key else next(iter(sent.values()))
    lengths = ", ".join(f"{n} {name}" for name, n in over(text, limit).items())
    named = suggested(refusals, limit)
    counted = (
        f"the refusals of {limit}-character {where}s of one kind each suggest the target "
        f"counts {' or '.join(named)}"
        if named
        else "no one counting explains which of the one-kind texts it refuses ("
        + ", ".join(f"{name}: {'refused' if r else 'accepted'}" for name, r in refusals.items())
        + ")"
    )
    raise ConformanceFailure(
        f"a {where} of {limit} characters was refused ({refused.answer}); it is {lengths}: "
        f"{counted}",
        (refused, *(e for e in answers.values() if e.status != 200)),
    )


def refused_as_invalid(exchange: Exchange) -> bool:
    """A 4xx about the body: not the key (401, 403), the id (404) or the rate (429)."""
    status = exchange.status
    return status is not None and 400 <= status < 500 and status not in (401, 403, 404, 429)


def observed_refusal(exchange: Exchange, what: str) -> str:
    """What an INFO case records of an update that was not accepted: a refusal about the body
    ("rejected with HTTP 400"). Any other answer (the key, the id, the rate, the server, none)
    says nothing of `what`, and is never recorded as the target's behaviour: the case is not
    observed (a skip that says why)."""
    if refused_as_invalid(exchange):
        return f"rejected with {exchange.answer}"
    pytest.skip(
        f"not observed: the update answered {exchange.answer}, which says nothing of {what}"
    )


def refused_short(
    target: Target, stored: Completion, refused: Exchange, sent: dict[str, str]
) -> None:
    """INCONCLUSIVE when the same characters are refused short too (8 of each key and value,
    two pairs at most: the same cycle of characters): the target refuses a character, whatever
    the length (the round trip's verdict), so how it counts cannot be told."""
    short = {key[:8]: value[:8] for key, value in list(sent.items())[:2]}
    again = target.client.update(stored.id, {"metadata": short})
    if again.status != 200:
        raise Inconclusive(
            f"an update at the limits was refused ({refused.answer}), and the same characters "
            f"8 at a time are refused too ({again.answer}): the target refuses one of them at "
            "any length (the round trip's verdict), so how it counts cannot be judged",
            (refused, again),
        )


def largest_update(target: Target, stored: Completion) -> dict[str, str]:
    """16 pairs, each a 64-character key and a 512-character value, in text longer under every
    other counting (conformance.countings). A target that merges keeps the planned keys the
    cases write (the page lets it cap the merged map at 16): there, the largest update that
    fits is the planned keys with 512-character values."""
    keys = [f"max{i:02d}" + heavy(MAX_KEY - 5, start=i, ascii_too=False) for i in range(MAX_PAIRS)]
    if merges(target, stored):
        keys = list(PLANNED_KEYS)
    return {key: heavy(MAX_VALUE, start=i, ascii_too=False) for i, key in enumerate(keys)}


def expect_largest_accepted(
    target: Target, stored: Completion, refused: Exchange, sent: dict[str, str]
) -> None:
    """The largest valid update was accepted. Refused, the same pairs in ASCII are sent (only
    then), and the failure says whether the size or the counting of the text made the
    difference."""
    if not refused_as_invalid(refused):
        return  # accepted, or refused for another reason than the body: accepted() judges
    rule_out_lack_of_room(target, stored, refused, sent)
    refused_short(target, stored, refused, sent)
    plain = {
        f"max{i:02d}" + "k" * (len(key) - 5) if len(key) > 5 else key: "v" * len(value)
        for i, (key, value) in enumerate(sent.items())
    }
    again = target.client.update(stored.id, {"metadata": plain})
    size = sum(len(k.encode()) + len(v.encode()) for k, v in sent.items())
    if again.status == 200:
        why = (
            f"the same {len(sent)} pairs in ASCII are accepted: the target counts the text "
            f"otherwise than in characters (it is {size} bytes in UTF-8)"
        )
    else:
        why = f"the same {len(sent)} pairs in ASCII are refused too ({again.answer})"
    raise ConformanceFailure(
        f"the largest valid update was refused ({refused.answer}); {why}", (refused, again)
    )


# --- what the page leaves open ----------------------------------------------------------------
def merges(target: Target, stored: Completion) -> bool:
    """Whether an update merges into the stored map instead of replacing it: what the run's
    invariants learned from its reads (conformance.invariants), or, not learned yet, two plain
    updates with different keys, then whether the first key is still there.

    The keys are ones the run stores anyway (the case marker, and the key the create set), so
    the probe fits even in a merged map that the run's earlier writes filled.
    """
    invariants, semantics = target.invariants, target.semantics
    if invariants.rule is not None:
        return invariants.rule is Rule.MERGE
    if semantics.probe_failed is not None:
        raise semantics.probe_failed.with_traceback(None)
    first = {CASE: target.unique("merge probe, first update")}
    second = {RUN_KEY: target.unique(target.nonce)}
    try:
        put_known(target, stored, first, explain=False)
        after = put_known(target, stored, second, explain=False, confirm=True)
    except Inconclusive as exc:
        semantics.probe_failed = exc
        raise
    metadata = metadata_of(after)
    kept = isinstance(metadata, dict) and set(first) <= set(metadata)
    invariants.learn(Rule.MERGE if kept else Rule.REPLACE, "the merge probe")
    return invariants.rule is Rule.MERGE


def stored_keys(target: Target, stored: Completion) -> tuple[Exchange, list[str]]:
    """The keys the stored completion holds now (one retrieve)."""
    read = target.client.retrieve(stored.id)
    metadata = metadata_of(read.json_object() or {})
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


def rule_out_lack_of_room(
    target: Target, stored: Completion, refused: Exchange, sent: dict[str, str]
) -> None:
    """INCONCLUSIVE when the suite's own earlier pairs explain the refusal of a valid update (a
    merging target's full map): the refusal is then the suite's doing, not the target's."""
    room = lacks_room(target, stored, refused, sent)
    if room is not None:
        read, keys = room
        raise Inconclusive(
            f"the target merges updates into the stored map and caps the merged map at "
            f"{MAX_PAIRS} pairs; the {len(keys)} pairs already stored on the shared completion "
            f"leave no room for this update's {len(set(sent) - set(keys))} new key(s)",
            (refused, read),
        )


def sixteen_that_fit(
    stored_now: list[str], planned: tuple[str, ...] = PLANNED_KEYS
) -> dict[str, str]:
    """16 pairs that merge into exactly 16 with the stored ones: every stored key, then the
    keys the cases plan to write (`planned`), then fresh ones."""
    keys = list(dict.fromkeys([*stored_now, *planned, *pairs(MAX_PAIRS, "p16")]))
    return {key: f"value {i} of the sixteen" for i, key in enumerate(keys[:MAX_PAIRS])}
