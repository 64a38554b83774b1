"""Metadata updates: the round trip of every pair, and nothing but metadata changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.client import Client
from conformance.corpus import (
    CORPUS,
    OPEN,
    Batch,
    expect_accepted_or_refused,
    expect_batch_accepted,
    expect_batch_held,
    expect_batch_read_back,
    holder,
    request_body,
)
from conformance.expect import (
    answer_to_judge,
    expect_documented_fields_equal,
    expect_json_object,
    expect_metadata_a_map,
    expect_retrieved,
    expect_status,
)
from conformance.failures import Inconclusive
from conformance.samples import CASE, B, C
from conformance.steps import accepted, merges, observed_refusal, put_known, read_back
from conformance.target import Completion, Target


@pytest.mark.requirement("UCC-META-ROUNDTRIP-RESPONSE")
@pytest.mark.parametrize("batch", CORPUS, ids=[batch.name for batch in CORPUS])
def test_sent_pairs_come_back_exactly_in_the_answer(
    api: Client, target: Target, batch: Batch
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object." The pairs are the
    round-trip corpus (conformance/corpus.py), each chosen to expose a documented way stores
    and gateways change data; a difference is named after that mechanism."""
    completion = holder(target, batch)
    sent = batch.pairs
    exchange = api.update(completion.id, {"metadata": sent})
    body = expect_batch_accepted(api, target, completion, exchange, sent)
    if body.get("metadata") is not None:  # judged when the answer carries metadata
        expect_batch_held(sent, body["metadata"], exchange, "update answer")


@pytest.mark.requirement("UCC-META-ROUNDTRIP-RETRIEVE")
@pytest.mark.parametrize("batch", CORPUS, ids=[batch.name for batch in CORPUS])
def test_sent_pairs_come_back_exactly_on_retrieve(
    api: Client, target: Target, batch: Batch
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object. This can be useful for
    storing additional information about the object in a structured format, and querying for
    objects via API or the dashboard." The pairs are the round-trip corpus, as above."""
    completion = holder(target, batch)
    sent = batch.pairs
    exchange = api.update(completion.id, {"metadata": sent})
    expect_batch_accepted(api, target, completion, exchange, sent)
    expect_batch_read_back(target, completion, exchange, sent)


@pytest.mark.requirement("UCC-META-ROUNDTRIP-RESPONSE")
@pytest.mark.parametrize("batch", OPEN, ids=[batch.name for batch in OPEN])
def test_value_a_store_may_refuse_is_refused_or_comes_back_exactly_in_the_answer(
    api: Client, stored: Completion, batch: Batch
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object." A NUL character
    or a lone surrogate may be refused with a 4xx (many stores cannot hold them); accepted,
    it comes back exactly; a 5xx is never an answer."""
    sent = batch.pairs
    exchange = api.update(stored.id, content=request_body({"metadata": sent}))
    if expect_accepted_or_refused(exchange, sent):
        body = expect_json_object(exchange)
        if body.get("metadata") is not None:
            expect_batch_held(sent, body["metadata"], exchange, "update answer")


@pytest.mark.requirement("UCC-META-ROUNDTRIP-RETRIEVE")
@pytest.mark.parametrize("batch", OPEN, ids=[batch.name for batch in OPEN])
def test_value_a_store_may_refuse_is_refused_or_comes_back_exactly_on_retrieve(
    api: Client, target: Target, stored: Completion, batch: Batch
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object. This can be useful for
    storing additional information about the object in a structured format, and querying for
    objects via API or the dashboard." A NUL character or a lone surrogate may be refused with
    a 4xx; accepted, a later retrieve gives it back exactly."""
    sent = batch.pairs
    exchange = api.update(stored.id, content=request_body({"metadata": sent}))
    if expect_accepted_or_refused(exchange, sent):
        accepted(target, stored, exchange, sent)
        expect_batch_read_back(target, stored, exchange, sent)


@pytest.mark.requirement("UCC-META-EMPTY-ACCEPTED")
def test_empty_metadata_map_is_accepted(api: Client, stored: Completion) -> None:
    """MUST: The page's request body table lists metadata as Required, of type map with string
    values. An empty map is a map."""
    exchange = api.update(stored.id, {"metadata": {}})
    expect_status(exchange, 200)
    expect_metadata_a_map(expect_json_object(exchange), exchange)


@pytest.mark.requirement("UCC-UPDATE-ONLY-METADATA")
def test_update_leaves_every_other_field_unchanged(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Currently, the only supported modification is to update the metadata field." """
    put_known(target, stored, {CASE: target.unique("only-metadata-before")})
    original = stored.original
    if original is None:
        raise Inconclusive("the completion was never readable: no state to compare against")
    sent = {CASE: target.unique("only-metadata-after")}
    exchange = api.update(stored.id, {"metadata": sent})
    body = answer_to_judge(exchange)
    # Compared with the completion as the suite first read it, never with the state its own
    # last update left: a target that rewrites a field on every update (created restamped,
    # the model alias resolved again) looks unchanged from one update to the next.
    expect_documented_fields_equal(
        original, body, exchange, "update answer, against the completion as first read"
    )
    later, after = read_back(target, stored, exchange, sent)
    expect_documented_fields_equal(
        original, after, later, "later retrieve, against the completion as first read"
    )


EXTRA_FIELDS: dict[str, dict[str, Any]] = {
    "model": {"model": "ucc-other-model"},
    "store-false": {"store": False},
    "identity": {"id": "chatcmpl-ucc-other", "object": "list", "created": 1},
    "choices-and-usage": {
        "choices": [],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    },
}


@pytest.mark.risky
@pytest.mark.requirement("UCC-UPDATE-EXTRA-FIELDS-NO-EFFECT")
@pytest.mark.parametrize("extra", EXTRA_FIELDS.values(), ids=EXTRA_FIELDS.keys())
def test_fields_other_than_metadata_change_nothing(
    api: Client, target: Target, stored: Completion, extra: dict[str, Any]
) -> None:
    """MUST: "Currently, the only supported modification is to update the metadata field." """
    # The baseline is the state after a plain update, on purpose: what is judged here is the
    # effect of the extra fields alone; a field every update rewrites is the case above's. It
    # is read back, not taken from the update's answer: every documented field is compared.
    before = put_known(target, stored, {CASE: target.unique("extra-fields-before")}, confirm=True)
    exchange = api.update(stored.id, {"metadata": {CASE: "extra-fields"}, **extra})
    if exchange.status == 200:
        answer = expect_json_object(exchange)
        expect_documented_fields_equal(before, answer, exchange, "update answer")
    later = api.retrieve(stored.id)
    after = expect_retrieved(later, exchange, f"after an update carrying {sorted(extra)}")
    expect_documented_fields_equal(before, after, later, "later retrieve")


def _still_holds(target: Target, stored: Completion, pairs: dict[str, str]) -> bool:
    """True when the pairs are still stored after watching for a while: an observation, so
    the watch lasts a few times the slowest write seen, not the whole consistency bound."""

    watched = target.consistency.wait(
        lambda: target.client.retrieve(stored.id),
        target.reads.lacks(stored.id, pairs),
        kind=None,
        bound=target.consistency.observation_bound(),
    )
    if not watched.ready and not watched.timed_out:
        pytest.skip(
            f"not observed: the read after the update answered {watched.exchange.answer}, "
            "not the completion"
        )
    return watched.timed_out


@pytest.mark.requirement("UCC-INFO-MERGE-SEMANTICS")
def test_observe_whether_an_update_replaces_or_merges(
    target: Target, stored: Completion, observe: Callable[[str], None]
) -> None:
    """INFO: "Currently, the only supported modification is to update the metadata field."
    Two plain updates with different keys (conformance.steps.merges, learned once a run)."""
    if merges(target, stored):
        observe("merge: pairs not sent are kept")
    else:
        observe("replace: the sent map replaces the stored one")


@pytest.mark.requirement("UCC-INFO-EMPTY-MAP")
def test_observe_what_an_empty_map_does(
    api: Client, target: Target, stored: Completion, observe: Callable[[str], None]
) -> None:
    """INFO: The page's request body table lists metadata as Required, of type map with string
    values."""
    pairs = {B: target.unique("present before the empty map")}
    put_known(target, stored, pairs)
    exchange = api.update(stored.id, {"metadata": {}})
    if exchange.status != 200:
        observe(observed_refusal(exchange, "an empty map"))
    elif _still_holds(target, stored, pairs):
        observe("leaves the stored pairs")
    else:
        observe("clears the stored pairs")


@pytest.mark.requirement("UCC-INFO-NULL-METADATA")
def test_observe_what_null_metadata_does(
    api: Client, target: Target, stored: Completion, observe: Callable[[str], None]
) -> None:
    """INFO: The page's request body table lists metadata as Required, of type map with string
    values."""
    pairs = {C: target.unique("present before null")}
    put_known(target, stored, pairs)
    exchange = api.update(stored.id, {"metadata": None})
    if exchange.status != 200:
        observe(observed_refusal(exchange, "null metadata"))
    elif _still_holds(target, stored, pairs):
        observe("accepted; leaves the stored pairs")
    else:
        observe("accepted; clears the stored pairs")
