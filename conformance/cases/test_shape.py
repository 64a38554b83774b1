"""The chat completion object an update returns, as a whole and field by field as the page
documents it."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.client import Client, Exchange
from conformance.expect import answer_to_judge
from conformance.samples import CASE
from conformance.shape import (
    choices_of,
    expect_chat_completion_schema,
    expect_choice_indexes_are_positions,
    expect_choices_well_formed,
    expect_created_integer,
    expect_log_probabilities,
    expect_logprobs_and_refusal_fields,
    expect_message_content,
    expect_sdk_parses,
    expect_timestamps_in_seconds,
    expect_usage_total,
    expect_usage_within_totals,
)
from conformance.target import Completion, Target


def with_choices(exchange: Exchange) -> dict[str, Any]:
    """The accepted answer, when it carries a choice to judge; NOT OBSERVED otherwise."""
    body = answer_to_judge(exchange)
    if not choices_of(body):
        pytest.skip("not observed: the answer carries no choice (the official schema allows none)")
    return body


@pytest.mark.requirement("UCC-RESP-SCHEMA")
def test_valid_update_matches_the_chat_completion_object(api: Client, stored: Completion) -> None:
    """MUST: "Represents a chat completion response returned by model, based on the provided
    input." """
    exchange = api.update(stored.id, {"metadata": {CASE: "schema"}})
    expect_chat_completion_schema(answer_to_judge(exchange), exchange)


@pytest.mark.requirement("UCC-RESP-SDK-PARSE")
def test_valid_update_parses_as_the_sdk_chat_completion(api: Client, stored: Completion) -> None:
    """MUST: "The ChatCompletion object matching the specified ID." """
    exchange = api.update(stored.id, {"metadata": {CASE: "sdk"}})
    expect_sdk_parses(answer_to_judge(exchange), exchange)


@pytest.mark.requirement("UCC-SHAPE-USAGE-TOTAL")
def test_usage_total_is_prompt_plus_completion(api: Client, stored: Completion) -> None:
    """MUST: "Total number of tokens used in the request (prompt + completion)." """
    exchange = api.update(stored.id, {"metadata": {CASE: "usage"}})
    expect_usage_total(answer_to_judge(exchange), exchange)


@pytest.mark.requirement("UCC-SHAPE-CREATED-INTEGER")
def test_created_is_an_integer(api: Client, stored: Completion) -> None:
    """MUST: "The Unix timestamp (in seconds) of when the chat completion was created." """
    exchange = api.update(stored.id, {"metadata": {CASE: "created"}})
    expect_created_integer(answer_to_judge(exchange), exchange)


@pytest.mark.requirement("UCC-SHAPE-CHOICES")
def test_choices_carry_index_assistant_role_and_finish_reason(
    api: Client, stored: Completion
) -> None:
    """MUST: "A list of chat completion choices." """
    exchange = api.update(stored.id, {"metadata": {CASE: "choices"}})
    expect_choices_well_formed(with_choices(exchange), exchange)


@pytest.mark.requirement("UCC-SHAPE-LOGPROBS-REFUSAL")
def test_choices_carry_logprobs_and_refusal(api: Client, stored: Completion) -> None:
    """SHOULD: "Log probability information for the choice." Each choice carries logprobs and its
    message refusal ("string or null"): present, null allowed."""
    exchange = api.update(stored.id, {"metadata": {CASE: "logprobs"}})
    expect_logprobs_and_refusal_fields(with_choices(exchange), exchange)


@pytest.mark.requirement("UCC-SHAPE-TIMESTAMPS-SECONDS")
def test_timestamps_are_unix_seconds(api: Client, stored: Completion) -> None:
    """MUST: "The Unix timestamp (in seconds) of when the chat completion was created." """
    exchange = api.update(stored.id, {"metadata": {CASE: "timestamps"}})
    expect_timestamps_in_seconds(answer_to_judge(exchange), exchange)


@pytest.mark.requirement("UCC-SHAPE-CHOICE-INDEX")
def test_choice_index_is_its_position(api: Client, stored: Completion) -> None:
    """MUST: "The index of the choice in the list of choices." The shared completion is created
    asking for two choices (conformance.creation.VALUES_ASKED); one is judged all the same."""
    exchange = api.update(stored.id, {"metadata": {CASE: "choice-index"}})
    expect_choice_indexes_are_positions(with_choices(exchange), exchange)


@pytest.mark.requirement("UCC-SHAPE-USAGE-BREAKDOWN")
def test_usage_breakdown_stays_within_its_totals(api: Client, stored: Completion) -> None:
    """MUST: "However, like reasoning tokens, these tokens are still counted in the total
    completion tokens for purposes of billing, output, and context window limits." """
    exchange = api.update(stored.id, {"metadata": {CASE: "usage-breakdown"}})
    expect_usage_within_totals(answer_to_judge(exchange), exchange)


@pytest.mark.requirement("UCC-SHAPE-LOGPROBS-VALUES")
def test_logprobs_are_log_probabilities(api: Client, target: Target, stored: Completion) -> None:
    """MUST: "The log probability of this token, if it is within the top 20 most likely tokens.
    Otherwise, the value-9999.0 is used to signify that the token is very unlikely." The
    shared completion is created asking for them (conformance.creation.VALUES_ASKED)."""
    exchange = api.update(stored.id, {"metadata": {CASE: "logprobs-values"}})
    if not expect_log_probabilities(with_choices(exchange), exchange):
        pytest.skip(target.not_observed(stored, "log probabilities"))


@pytest.mark.requirement("UCC-SHAPE-MESSAGE-CONTENT")
def test_choice_messages_carry_content(api: Client, stored: Completion) -> None:
    """SHOULD: "The contents of the message." Present in every message, a string or null."""
    exchange = api.update(stored.id, {"metadata": {CASE: "content"}})
    expect_message_content(with_choices(exchange), exchange)
