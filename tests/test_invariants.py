"""The invariants of a stored completion, fed with exchanges as the run's client records them."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from conformance.client import Exchange
from conformance.invariants import (
    AS_WRITTEN,
    ONLY_METADATA,
    WITHIN_LIMITS,
    Invariants,
    Rule,
)
from conformance.reads import PairLog

BASE = "http://target.test/v1"
ID = "chatcmpl-1"
OBJECT = {"id": ID, "object": "chat.completion", "created": 1, "model": "m", "choices": []}
_seq = itertools.count(1)


def exchange(method: str, path: str, status: int, answer: Any = None, body: Any = None) -> Exchange:
    return Exchange(
        method=method,
        url=f"{BASE}{path}",
        request_headers={},
        request_body=None if body is None else json.dumps(body).encode(),
        status=status,
        response_body=b"" if answer is None else json.dumps(answer).encode(),
        seq=next(_seq),
    )


def completion(metadata: Any, **fields: Any) -> dict[str, Any]:
    return {**OBJECT, **fields, "metadata": metadata}


class Run:
    """An Invariants fed like the run's client feeds it, one case at a time."""

    def __init__(self, first: dict[str, Any] | None = None) -> None:
        self.pairs = PairLog(BASE)
        self.invariants = Invariants(BASE, self.pairs)
        self.invariants.track(ID, first or completion({}), exclusive=True)
        self.invariants.start_case("case")

    def send(self, ex: Exchange) -> Exchange:
        self.pairs.record(ex)
        self.invariants.record(ex)
        return ex

    def update(self, metadata: Any, status: int = 200, answer: Any = None) -> Exchange:
        answered = completion(metadata) if answer is None and status == 200 else answer
        body = {"metadata": metadata}
        return self.send(exchange("POST", f"/chat/completions/{ID}", status, answered, body))

    def retrieve(self, metadata: Any, **fields: Any) -> Exchange:
        return self.send(
            exchange("GET", f"/chat/completions/{ID}", 200, completion(metadata, **fields))
        )

    def found(self, requirement: str) -> list[str]:
        self.invariants.end_case(())
        return [f.message for f in self.invariants.take(requirement)]


def test_a_series_of_merged_updates_past_sixteen_pairs_breaks_the_limit() -> None:
    run = Run()
    first = {f"a{i}": "v" for i in range(16)}
    second = {f"b{i}": "v" for i in range(16)}
    run.update(first)
    run.update(second, answer=completion({**first, **second}))
    assert run.found(WITHIN_LIMITS) == [
        "update answer: the stored metadata holds 32 pairs (at most 16)"
    ]


def test_an_update_over_the_limit_is_left_to_the_limit_cases() -> None:
    run = Run()
    run.update({f"a{i}": "v" for i in range(17)})
    assert run.found(WITHIN_LIMITS) == []


def test_replace_then_merge_is_not_one_rule() -> None:
    run = Run(completion({"run": "x"}))
    run.update({"a": "1"})
    run.retrieve({"a": "1"})  # replaced: the rule is learned
    assert run.invariants.rule is Rule.REPLACE
    run.update({"b": "2"})
    run.retrieve({"a": "1", "b": "2"})  # merged this time
    [message] = run.found(AS_WRITTEN)
    assert 'stored metadata is {"a": "1", "b": "2"}' in message
    assert "replaces updates" in message


def test_merging_by_one_rule_passes() -> None:
    run = Run(completion({"run": "x"}))
    run.update({"a": "1"}, answer=completion({"run": "x", "a": "1"}))
    run.retrieve({"run": "x", "a": "1"})
    run.update({"b": "2"}, answer=completion({"run": "x", "a": "1", "b": "2"}))
    run.retrieve({"run": "x", "a": "1", "b": "2"})
    assert run.invariants.rule is Rule.MERGE
    assert run.found(AS_WRITTEN) == []


def test_an_answer_showing_only_the_sent_pairs_of_a_merge_is_not_the_object() -> None:
    """A target that merges answers the update with the object: the merged map."""
    run = Run(completion({"run": "x"}))
    run.update({"a": "1"}, answer=completion({"run": "x", "a": "1"}))
    run.retrieve({"run": "x", "a": "1"})
    run.update({"b": "2"})  # answered with the sent pairs alone
    [message] = run.found(AS_WRITTEN)
    assert message.startswith("update answer:")


def test_a_completion_nobody_updated_keeps_its_map() -> None:
    """Updating one completion changes no other (a default map shared by completions)."""
    run = Run(completion({}))
    other = "chatcmpl-2"
    run.invariants.track(other, {**completion({}), "id": other}, exclusive=True)
    run.update({"a": "1"})
    body = {**completion({"a": "1"}), "id": other}
    run.send(exchange("GET", f"/chat/completions/{other}", 200, body))
    [message] = run.found(AS_WRITTEN)
    assert "nobody updated this completion" in message


def test_pairs_sent_to_another_completion_are_no_earlier_state() -> None:
    """Two completions sharing one map: a read of one shows the other's last update."""
    run = Run(completion({}))
    other = "chatcmpl-2"
    run.invariants.track(other, {**completion({}), "id": other}, exclusive=True)
    run.update({"a": "1"})
    body = {"metadata": {"b": "2"}}
    run.send(
        exchange(
            "POST", f"/chat/completions/{other}", 200, {**completion({"b": "2"}), "id": other}, body
        )
    )
    run.retrieve({"b": "2"})
    [message] = run.found(AS_WRITTEN)
    assert 'sent to other completions, never to this one: {"b": "2"}' in message


def test_a_value_changed_by_the_store_is_left_to_the_round_trip_cases() -> None:
    run = Run()
    run.update({"a": "caf\u00e9"})
    run.retrieve({"a": "caf?"})
    assert run.found(AS_WRITTEN) == []


def test_the_stored_completion_is_the_one_created() -> None:
    invariants = Invariants(BASE, PairLog(BASE))
    invariants.start_case("case")
    create = exchange("POST", "/chat/completions", 200, completion({}, created=100), {})
    first = completion({}, created=100 + 8 * 3600)
    read = exchange("GET", f"/chat/completions/{ID}", 200, first)
    invariants.track(ID, first, exclusive=True, shown_by=(create, read))
    [finding] = invariants.take(ONLY_METADATA, this_case_only=True)
    assert "created: 100 -> 28900" in finding.message


def test_a_pair_nobody_sent_breaks_what_the_updates_made() -> None:
    run = Run()
    run.update({"a": "1"})
    run.retrieve({"a": "1", "modified_by": "gateway"})
    assert len(run.found(AS_WRITTEN)) == 1


def test_a_lagging_read_of_an_earlier_state_is_no_finding() -> None:
    run = Run()
    run.update({"a": "1", "k": "same"})
    run.retrieve({"a": "1", "k": "same"})
    run.update({"k": "same"})
    run.retrieve({"a": "1", "k": "same"})  # a replica still serving the state before
    run.retrieve({"k": "same"})
    assert run.found(AS_WRITTEN) == []


def test_null_metadata_is_the_empty_map() -> None:
    run = Run()
    run.update({"a": "1"})
    run.retrieve({"a": "1"})
    run.update({})
    run.retrieve(None)
    run.update({"b": "2"})
    run.retrieve({"b": "2"})
    assert run.found(AS_WRITTEN) == []


def test_a_field_besides_metadata_that_changes_is_found_in_every_view() -> None:
    run = Run()
    run.update({"a": "1"}, answer=completion({"a": "1"}, created=2))
    run.retrieve({"a": "1"}, model="m-2024")
    found = run.found(ONLY_METADATA)
    assert [m.split(":")[0] for m in found] == ["update answer", "retrieve"]
    assert "created: 1 -> 2" in found[0] and 'model: "m" -> "m-2024"' in found[1]


def test_messages_changed_by_an_update_are_found() -> None:
    run = Run()
    page = {"object": "list", "data": [{"id": "m0", "role": "user", "content": "hi"}]}
    run.send(exchange("GET", f"/chat/completions/{ID}/messages", 200, page))
    run.update({"a": "1"})
    run.send(exchange("GET", f"/chat/completions/{ID}/messages", 200, {**page, "data": []}))
    [message] = run.found(ONLY_METADATA)
    assert message.startswith("messages: the stored messages changed")


def test_a_finding_on_a_write_a_case_failed_on_is_the_cases_to_tell() -> None:
    run = Run()
    write = run.update({"a": "1"}, answer=completion({"a": "1"}, created=2))
    run.invariants.end_case((write,))
    run.invariants.start_case("next case")
    run.retrieve({"a": "1"}, created=2)  # the same change, seen again later
    assert run.found(ONLY_METADATA) == []


@pytest.mark.parametrize("status", [500, 302], ids=["server-error", "redirect"])
def test_writes_of_unknown_outcome_keep_the_candidates_bounded(status: int) -> None:
    run = Run()
    for i in range(40):
        run.update({f"k{i}": "v"}, status=status, answer={"error": "x"})
    tracked = run.invariants.tracked[ID]
    assert tracked.states is None or len(tracked.states) <= 8


def test_the_stored_messages_are_those_sent_at_create() -> None:
    invariants = Invariants(BASE, PairLog(BASE))
    invariants.start_case("case")
    sent = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    create = exchange("POST", "/chat/completions", 200, completion({}), {"messages": sent})
    read = exchange("GET", f"/chat/completions/{ID}", 200, completion({}))
    invariants.track(ID, completion({}), exclusive=True, shown_by=(create, read))
    stored = [{"id": "m1", "role": "user", "content": "u"}]  # the system message dropped
    page = {"object": "list", "data": stored, "has_more": False}
    invariants.record(exchange("GET", f"/chat/completions/{ID}/messages", 200, page))
    [finding] = invariants.take(ONLY_METADATA, this_case_only=True)
    assert "not those the completion was created with" in finding.message
