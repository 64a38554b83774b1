"""The answer to a valid update: status, media type, identity and the metadata it echoes."""

from __future__ import annotations

import pytest

from conformance.client import Client
from conformance.expect import (
    answer_to_judge,
    expect_json_content_type,
    expect_metadata_echoed,
    expect_the_completion,
)
from conformance.samples import CASE, A
from conformance.steps import accepted
from conformance.target import Completion, Target


@pytest.mark.requirement("UCC-RESP-STATUS")
def test_valid_update_answers_200_with_json(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "The ChatCompletion object matching the specified ID." """
    sent = {CASE: "status"}
    exchange = api.update(stored.id, {"metadata": sent})
    accepted(target, stored, exchange, sent)
    expect_json_content_type(exchange)
    # The same update again changes nothing, and is answered the same: with the object.
    again = api.update(stored.id, {"metadata": sent})
    accepted(target, stored, again, sent)
    expect_json_content_type(again)


@pytest.mark.requirement("UCC-RESP-SAME-ID")
def test_valid_update_returns_the_completion_of_that_id(api: Client, stored: Completion) -> None:
    """MUST: "The ChatCompletion object matching the specified ID." """
    exchange = api.update(stored.id, {"metadata": {CASE: "same-id"}})
    expect_the_completion(answer_to_judge(exchange), stored.id, exchange)


@pytest.mark.requirement("UCC-RESP-ECHO-METADATA")
def test_valid_update_echoes_the_new_metadata(api: Client, stored: Completion) -> None:
    """SHOULD: "Currently, the only supported modification is to update the metadata field." """
    sent = {CASE: "echo", A: "yes"}
    exchange = api.update(stored.id, {"metadata": sent})
    expect_metadata_echoed(sent, answer_to_judge(exchange), exchange)
