"""Bearer authentication of the update, and tenancy: another project's key touches nothing."""

from __future__ import annotations

import secrets

import pytest

from conformance.access import MADE_UP_KEY_PREFIX
from conformance.client import Client
from conformance.expect import (
    expect_key_not_echoed,
    expect_not_deleted,
    expect_not_listed,
    expect_other_key_accepted,
    expect_refused_to_another_project,
    expect_status,
)
from conformance.samples import CASE
from conformance.steps import put_known, unchanged_after
from conformance.target import Completion, Target


def wrong_key() -> str:
    """A key shaped like a real one, unique per call, so an echo of it is unmistakable."""
    return f"{MADE_UP_KEY_PREFIX}{secrets.token_hex(16)}"


@pytest.mark.requirement("UCC-AUTH-MISSING-401")
def test_update_without_authorization_answers_401(api: Client, stored: Completion) -> None:
    """MUST: The page's example request authenticates with a bearer key (-H "Authorization: Bearer
    $FAST_API_KEY"); in HTTP, 401 Unauthorized is the answer to a request without valid
    credentials (RFC 9110, section 15.5.2)."""
    exchange = api.update(stored.id, {"metadata": {CASE: "no-key"}}, key=None)
    expect_status(exchange, 401)


@pytest.mark.requirement("UCC-AUTH-WRONG-401")
def test_update_with_a_wrong_key_answers_401(api: Client, stored: Completion) -> None:
    """MUST: The page's example request authenticates with a bearer key (-H "Authorization: Bearer
    $FAST_API_KEY"); in HTTP, 401 Unauthorized is the answer to a request without valid
    credentials (RFC 9110, section 15.5.2)."""
    exchange = api.update(stored.id, {"metadata": {CASE: "wrong-key"}}, key=wrong_key())
    expect_status(exchange, 401)


@pytest.mark.requirement("UCC-AUTH-WRONG-NO-CHANGE")
def test_update_with_a_wrong_key_changes_nothing(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: The page's example request authenticates with a bearer key (-H "Authorization: Bearer
    $FAST_API_KEY"); in HTTP, 401 Unauthorized is the answer to a request without valid
    credentials (RFC 9110, section 15.5.2). A request refused as unauthorised has no effect."""
    before = put_known(target, stored, {CASE: target.unique("wrong-key-before")})
    refused = api.update(
        stored.id, {"metadata": {CASE: "wrong-key-must-not-land"}}, key=wrong_key()
    )
    unchanged_after(target, stored, before, refused)


@pytest.mark.requirement("UCC-AUTH-NO-KEY-ECHO")
def test_unauthorized_answer_never_contains_the_presented_key(
    api: Client, stored: Completion
) -> None:
    """MUST: The page's example request authenticates with a bearer key (-H "Authorization: Bearer
    $FAST_API_KEY"); in HTTP, 401 Unauthorized is the answer to a request without valid
    credentials (RFC 9110, section 15.5.2). The key is a secret: an answer that repeats it copies
    it into every log that records the answer."""
    presented = wrong_key()
    exchange = api.update(stored.id, {"metadata": {CASE: "echo-key"}}, key=presented)
    expect_key_not_echoed(exchange, presented)


@pytest.mark.requirement("UCC-AUTH-TENANT-ISOLATION")
def test_another_projects_key_cannot_read_update_or_delete(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Modify a stored chat completion." — one's own, never another project's."""
    other = target.settings.second_api_key
    if not other:
        pytest.skip("needs a key of another project: pass --second-api-key")
    mark = target.unique("tenancy")
    before = put_known(target, stored, {CASE: mark})
    read = api.retrieve(stored.id, key=other)
    listed = api.send("GET", "/chat/completions", params={f"metadata[{CASE}]": mark}, key=other)
    update = api.update(stored.id, {"metadata": {CASE: "stolen"}}, key=other)
    delete = api.delete(stored.id, key=other)
    expect_refused_to_another_project(read, "retrieve")
    expect_not_listed(
        stored.id, listed, listed, "listing with another project's key returns the completion"
    )
    expect_refused_to_another_project(update, "update")
    expect_refused_to_another_project(delete, "delete")
    later = api.retrieve(stored.id)
    expect_not_deleted(later, delete, "the other project")
    unchanged_after(target, stored, before, update)
    expect_other_key_accepted(
        {"retrieve": read, "list": listed, "update": update, "delete": delete}
    )
