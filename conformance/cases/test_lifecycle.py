"""Which completions can be modified: only stored ones that exist."""

from __future__ import annotations

import pytest

from conformance.client import Client
from conformance.expect import expect_client_error, expect_refusal_status, expect_status
from conformance.target import Completion, Target


@pytest.mark.requirement("UCC-ID-UNKNOWN-404")
def test_update_of_an_unknown_id_answers_404(api: Client, target: Target) -> None:
    """MUST: "The ID of the chat completion to update." """
    exchange = api.update(target.absent_id, {"metadata": {"k": "v"}})
    expect_status(exchange, 404)


@pytest.mark.requirement("UCC-ID-UNKNOWN-404")
def test_update_of_the_id_in_another_case_answers_404(api: Client, stored: Completion) -> None:
    """MUST: "The ID of the chat completion to update." An id is a string: the stored
    completion's id in another case is another id (a case-insensitive collation on the id
    column finds the stored one)."""
    other = stored.id.swapcase()
    if other == stored.id:
        pytest.skip(f"the stored completion's id {stored.id} has no letter to change the case of")
    exchange = api.update(other, {"metadata": {"ucc_case": "the id in another case"}})
    expect_status(exchange, 404)


@pytest.mark.requirement("UCC-STORE-FALSE-REJECTED")
def test_update_of_a_store_false_completion_is_rejected(api: Client, unstored_id: str) -> None:
    """MUST: "Only chat completions that have been created with the store parameter set to true
    can be modified." """
    exchange = api.update(unstored_id, {"metadata": {"ucc_case": "store-false"}})
    expect_client_error(exchange)


@pytest.mark.requirement("UCC-STORE-FALSE-404")
def test_update_of_a_store_false_completion_answers_404(api: Client, unstored_id: str) -> None:
    """SHOULD: "Only chat completions that have been created with the store parameter set to
    true can be modified." An unstored completion is, to the API, an unknown id."""
    exchange = api.update(unstored_id, {"metadata": {"ucc_case": "store-false"}})
    expect_refusal_status(exchange, 404, "UCC-STORE-FALSE-REJECTED")


@pytest.mark.requirement("UCC-DELETED-REJECTED")
def test_update_of_a_deleted_completion_is_rejected(api: Client, deleted_id: str) -> None:
    """MUST: "Only chat completions that have been created with the store parameter set to true
    can be modified." """
    exchange = api.update(deleted_id, {"metadata": {"ucc_case": "deleted"}})
    expect_client_error(exchange)


@pytest.mark.requirement("UCC-DELETED-404")
def test_update_of_a_deleted_completion_answers_404(api: Client, deleted_id: str) -> None:
    """SHOULD: "Only chat completions that have been created with the store parameter set to
    true can be modified." A deleted completion is, to the API, an unknown id."""
    exchange = api.update(deleted_id, {"metadata": {"ucc_case": "deleted"}})
    expect_refusal_status(exchange, 404, "UCC-DELETED-REJECTED")
