"""What a read of a stored completion means for the write waited on (conformance.reads)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.client import Exchange
from conformance.reads import Reads, Seen, lagging_entry, landed, not_offered

BASE = "http://target.test/v1"
ID = "chatcmpl-1"


def sent(metadata: dict[str, str], seq: int) -> Exchange:
    return Exchange(
        "POST",
        f"{BASE}/chat/completions/{ID}",
        {},
        json.dumps({"metadata": metadata}).encode(),
        status=200,
        seq=seq,
    )


def read(metadata: Any, seq: int, status: int = 200) -> Exchange:
    body = {"id": ID, "object": "chat.completion", "metadata": metadata}
    return Exchange(
        "GET",
        f"{BASE}/chat/completions/{ID}",
        {},
        None,
        status=status,
        response_body=json.dumps(body).encode(),
        seq=seq,
    )


@pytest.fixture
def reads() -> Reads:
    """A run that wrote {"a": "1"}, then {"a": "2"}, then {"b": "3"} (the write waited on)."""
    reads = Reads(BASE)
    for n, metadata in enumerate(({"a": "1"}, {"a": "2"}, {"b": "3"}), start=1):
        reads.record(sent(metadata, n))
    return reads


LAST = sent({"b": "3"}, 3)

AFTER_THE_WRITE = {
    "shows it": ({"b": "3"}, Seen.READY),
    "shows it merged": ({"a": "2", "b": "3"}, Seen.READY),
    "the state before": ({"a": "2"}, Seen.STALE),
    "a state before that (non-monotonic)": ({"a": "1"}, Seen.STALE),
    "the empty map": ({}, Seen.STALE),
    "null": (None, Seen.STALE),
    "a value changed on the way": ({"b": "3 "}, Seen.OTHER),
    "a pair nobody sent": ({"c": "4"}, Seen.OTHER),
    "not a map": ([], Seen.OTHER),
}


@pytest.mark.parametrize(("metadata", "seen"), AFTER_THE_WRITE.values(), ids=AFTER_THE_WRITE)
def test_a_read_after_an_accepted_write(reads: Reads, metadata: Any, seen: Seen) -> None:
    assert reads.shows(ID, {"b": "3"}, LAST)(read(metadata, 4)) is seen


AFTER_A_REFUSAL = {
    "the state from before": ({"b": "3"}, Seen.READY),
    "an earlier state": ({"a": "1"}, Seen.STALE),
    "the refused pairs": ({"z": "refused"}, Seen.OTHER),
}


@pytest.mark.parametrize(("metadata", "seen"), AFTER_A_REFUSAL.values(), ids=AFTER_A_REFUSAL)
def test_a_read_after_a_refused_write(reads: Reads, metadata: Any, seen: Seen) -> None:
    refused = sent({"z": "refused"}, 4)
    reads.record(refused)
    assert reads.shows_state(ID, {"b": "3"}, refused)(read(metadata, 5)) is seen


def test_null_is_the_state_of_an_empty_map(reads: Reads) -> None:
    refused = sent({"z": "refused"}, 4)
    assert reads.shows_state(ID, {}, refused)(read(None, 5)) is Seen.READY


def test_a_completion_the_run_created_may_answer_404_from_a_replica_behind(reads: Reads) -> None:
    """Its state before the create was absence: a replica behind the create shows it again."""
    classify = reads.shows(ID, {"b": "3"}, LAST, absent_before=True)
    assert classify(read(None, 4, status=404)) is Seen.STALE
    assert reads.shows(ID, {"b": "3"}, LAST)(read(None, 4, status=404)) is Seen.OTHER


def page(metadata: Any, status: int = 200) -> Exchange:
    body = {"object": "list", "data": [{"id": ID, "metadata": metadata}]}
    return Exchange(
        "GET",
        f"{BASE}/chat/completions",
        {},
        None,
        status=status,
        response_body=json.dumps(body).encode(),
    )


def test_a_retrieve_shows_the_write_landed_only_holding_every_sent_pair() -> None:
    assert landed(read({"b": "3", "a": "2"}, 4), {"b": "3"}) is not None
    assert landed(read({"a": "2"}, 4), {"b": "3"}) is None
    assert landed(read({"b": "3"}, 4, status=404), {"b": "3"}) is None


def test_a_list_entry_lags_while_it_shows_other_metadata_than_retrieve() -> None:
    retrieved = {"id": ID, "metadata": {"b": "3"}}
    assert lagging_entry(page({"a": "2"}), Seen.STALE, ID, retrieved) == {
        "id": ID,
        "metadata": {"a": "2"},
    }
    assert lagging_entry(page({"b": "3"}), Seen.STALE, ID, retrieved) is None
    assert lagging_entry(page({"a": "2"}), Seen.READY, ID, retrieved) is None
    assert lagging_entry(page({"a": "2"}), Seen.STALE, "chatcmpl-other", retrieved) is None


@pytest.mark.parametrize("status", [404, 405, 501], ids=["404", "405", "501"])
def test_a_view_answering_not_found_or_not_implemented_is_not_offered(status: int) -> None:
    assert not_offered(page({}, status=status))
    assert not not_offered(page({}, status=200))
