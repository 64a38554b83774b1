"""Metadata updates: the round trip of every pair, and nothing but metadata changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.client import Client
from conformance.expect import (
    accepted_body,
    expect_documented_fields_equal,
    expect_json_object,
    expect_ok,
    expect_pairs_held,
    expect_status,
)
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.samples import ROUND_TRIP
from conformance.steps import holds, put_known, read_back
from conformance.target import Completion, Target


@pytest.mark.requirement("UCC-META-ROUNDTRIP-RESPONSE")
@pytest.mark.parametrize("sent", ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_sent_pairs_come_back_exactly_in_the_answer(
    api: Client, stored: Completion, sent: dict[str, str]
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object." """
    exchange = api.update(stored.id, {"metadata": sent})
    body = expect_ok(exchange)
    if body.get("metadata") is not None:  # judged when the answer carries metadata
        expect_pairs_held(sent, body["metadata"], exchange, "update answer")


@pytest.mark.requirement("UCC-META-ROUNDTRIP-RETRIEVE")
@pytest.mark.parametrize("sent", ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_sent_pairs_come_back_exactly_on_retrieve(
    api: Client, target: Target, stored: Completion, sent: dict[str, str]
) -> None:
    """MUST: "This can be useful for storing additional information about the object in a
    structured format" """
    expect_ok(api.update(stored.id, {"metadata": sent}))
    read_back(target, stored.id, sent)


@pytest.mark.requirement("UCC-META-EMPTY-ACCEPTED")
def test_empty_metadata_map_is_accepted(api: Client, stored: Completion) -> None:
    """MUST: "metadata map string Required": an empty map is a map."""
    exchange = api.update(stored.id, {"metadata": {}})
    expect_status(exchange, 200)


@pytest.mark.requirement("UCC-UPDATE-ONLY-METADATA")
def test_update_leaves_every_other_field_unchanged(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Currently, the only supported modification is to update the metadata field." """
    put_known(target, stored, {"ucc_case": "only-metadata-before"})
    sent = {"ucc_case": "only-metadata-after"}
    exchange = api.update(stored.id, {"metadata": sent})
    body = accepted_body(exchange)
    # Compared with the completion as the suite first read it, never with the state its own
    # last update left: a target that rewrites a field on every update (created restamped,
    # the model alias resolved again) looks unchanged from one update to the next.
    expect_documented_fields_equal(
        stored.original, body, exchange, "update answer, against the completion as first read"
    )
    later, after = read_back(target, stored.id, sent)
    expect_documented_fields_equal(
        stored.original, after, later, "later retrieve, against the completion as first read"
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
    # effect of the extra fields alone; a field every update rewrites is the case above's.
    before = put_known(target, stored, {"ucc_case": "extra-fields-before"})
    exchange = api.update(stored.id, {"metadata": {"ucc_case": "extra-fields"}, **extra})
    if exchange.status == 200:
        answer = expect_json_object(exchange)
        expect_documented_fields_equal(before, answer, exchange, "update answer")
    later = api.retrieve(stored.id)
    if later.status != 200:
        raise ConformanceFailure(
            f"after an update carrying {sorted(extra)}, the completion can no longer be "
            f"retrieved ({later.error or f'HTTP {later.status}'})",
            (exchange, later),
        )
    expect_documented_fields_equal(before, expect_json_object(later), later, "later retrieve")


@pytest.mark.requirement("UCC-UPDATE-EXTRA-FIELDS-REJECTED")
def test_fields_other_than_metadata_are_rejected_with_400(api: Client, stored: Completion) -> None:
    """SHOULD: "Currently, the only supported modification is to update the metadata field." """
    exchange = api.update(stored.id, {"metadata": {"ucc_case": "extra"}, "model": "ucc-other"})
    expect_status(exchange, 400)


def _wait_for_pairs_to_go(target: Target, stored: Completion, pairs: dict[str, str]) -> bool:
    """True when the pairs disappear from the stored map within the consistency bound."""
    _, gone = target.wait_for(
        lambda: target.client.retrieve(stored.id),
        lambda ex: ex.status == 200 and not holds((ex.json_object() or {}).get("metadata"), pairs),
    )
    return gone


@pytest.mark.requirement("UCC-INFO-MERGE-SEMANTICS")
def test_observe_whether_an_update_replaces_or_merges(
    api: Client, target: Target, stored: Completion, observe: Callable[[str], None]
) -> None:
    """INFO: "Currently, the only supported modification is to update the metadata field." """
    put_known(target, stored, {"ucc_merge_first": "1"})
    sent = {"ucc_merge_second": "2"}
    accepted_body(api.update(stored.id, {"metadata": sent}))
    _, after = read_back(target, stored.id, sent)
    if "ucc_merge_first" in (after.get("metadata") or {}):
        observe("merge: pairs not sent are kept")
    else:
        observe("replace: the sent map replaces the stored one")


@pytest.mark.requirement("UCC-INFO-EMPTY-MAP")
def test_observe_what_an_empty_map_does(
    api: Client, target: Target, stored: Completion, observe: Callable[[str], None]
) -> None:
    """INFO: "metadata map string Required" """
    pairs = {"ucc_empty_map": "present"}
    put_known(target, stored, pairs)
    exchange = api.update(stored.id, {"metadata": {}})
    if exchange.status != 200:
        observe(f"rejected with {exchange.error or f'HTTP {exchange.status}'}")
    elif _wait_for_pairs_to_go(target, stored, pairs):
        observe("clears the stored pairs")
    else:
        observe("leaves the stored pairs")


@pytest.mark.requirement("UCC-INFO-NULL-METADATA")
def test_observe_what_null_metadata_does(
    api: Client, target: Target, stored: Completion, observe: Callable[[str], None]
) -> None:
    """INFO: "metadata map string Required" """
    pairs = {"ucc_null_map": "present"}
    put_known(target, stored, pairs)
    exchange = api.update(stored.id, {"metadata": None})
    if exchange.status != 200:
        observe(f"rejected with {exchange.error or f'HTTP {exchange.status}'}")
    elif _wait_for_pairs_to_go(target, stored, pairs):
        observe("accepted; clears the stored pairs")
    else:
        observe("accepted; leaves the stored pairs")


@pytest.mark.requirement("UCC-LIST-METADATA-FILTER")
def test_listing_by_metadata_finds_the_new_value_not_the_old(
    api: Client, target: Target, stored: Completion
) -> None:
    """SHOULD: "This can be useful for ... querying for objects via API or the dashboard." """
    old, new = f"old-{target.nonce}", f"new-{target.nonce}"
    put_known(target, stored, {"ucc_list": old})
    accepted_body(api.update(stored.id, {"metadata": {"ucc_list": new}}))
    probe = api.list({"metadata[ucc_list]": new, "limit": "100"})
    if probe.status in (404, 405, 501):
        pytest.skip(
            f"the target offers no list endpoint (GET /chat/completions: HTTP {probe.status})"
        )

    def ids(exchange: Any) -> list[Any]:
        body = expect_ok(exchange)
        data = body.get("data")
        if not isinstance(data, list):
            raise ConformanceFailure("the list answer has no data array", (exchange,))
        return [item.get("id") for item in data if isinstance(item, dict)]

    found, ok = target.wait_for(
        lambda: api.list({"metadata[ucc_list]": new, "limit": "100"}),
        lambda ex: ex.status == 200 and stored.id in ids(ex),
    )
    if not ok:
        ids(found)
        if target.settings.consistency_timeout > 0:
            raise Inconclusive(
                f"listing by the new value did not find the completion within "
                f"{target.settings.consistency_timeout:g} s"
            )
        raise ConformanceFailure(
            f"listing with metadata[ucc_list]={new} does not return the updated completion",
            (found,),
        )
    stale = api.list({"metadata[ucc_list]": old, "limit": "100"})
    if stored.id in ids(stale):
        raise ConformanceFailure(
            f"listing with the old value metadata[ucc_list]={old} still returns the completion",
            (stale,),
        )
    # A value never set, sorting before the stored one: a filter that compares by order
    # rather than equality returns the completion here.
    never = f"a-never-{target.nonce}"
    other = api.list({"metadata[ucc_list]": never, "limit": "100"})
    if stored.id in ids(other):
        raise ConformanceFailure(
            f"listing with metadata[ucc_list]={never}, a value never set, returns the "
            f"completion whose value is {new}",
            (other,),
        )
