"""Errors: an invalid update is refused with the documented status, and every 4xx carries the
OpenAI error envelope."""

from __future__ import annotations

import pytest

from conformance.client import USE_KEY, Client, encode_json
from conformance.expect import expect_error_fields, expect_error_object, expect_refusal_status
from conformance.target import Completion, Target

# Each invalid update, and the requirement whose verdict it is whether it is refused at all.
INVALID_UPDATES: dict[str, tuple[bytes, str]] = {
    "seventeen-pairs": (
        encode_json({"metadata": {f"k{i:02d}": "v" for i in range(17)}}),
        "UCC-LIMIT-PAIRS-17",
    ),
    "key-65": (encode_json({"metadata": {"k" * 65: "v"}}), "UCC-LIMIT-KEY-65"),
    "value-513": (encode_json({"metadata": {"k": "v" * 513}}), "UCC-LIMIT-VALUE-513"),
    "integer-value": (encode_json({"metadata": {"k": 1}}), "UCC-VALID-VALUE-STRING"),
    "missing-metadata": (encode_json({}), "UCC-VALID-METADATA-REQUIRED"),
    "metadata-not-a-map": (encode_json({"metadata": "k=v"}), "UCC-VALID-METADATA-MAP"),
    "body-not-an-object": (encode_json([{"metadata": {"k": "v"}}]), "UCC-VALID-BODY-OBJECT"),
    "malformed": (b"{", "UCC-VALID-MALFORMED-JSON"),
}


@pytest.mark.requirement("UCC-ERR-VALIDATION-400")
@pytest.mark.parametrize(
    ("content", "refusal_judged_by"), INVALID_UPDATES.values(), ids=INVALID_UPDATES.keys()
)
def test_invalid_update_is_refused_with_exactly_400(
    api: Client, stored: Completion, content: bytes, refusal_judged_by: str
) -> None:
    """SHOULD: "Keys are strings with a maximum length of 64 characters. Values are strings with
    a maximum length of 512 characters." OpenAI answers invalid requests with 400."""
    exchange = api.update(stored.id, content=content)
    expect_refusal_status(exchange, 400, refusal_judged_by)


# Updates the API refuses with a 4xx: the completion updated (the stored one, or an id nobody
# has), the body, and the key sent (the run's, or none).
REFUSED: dict[str, tuple[str, bytes, str | None]] = {
    "seventeen-pairs": (
        "stored",
        encode_json({"metadata": {f"k{i:02d}": "v" for i in range(17)}}),
        USE_KEY,
    ),
    "non-string-value": ("stored", encode_json({"metadata": {"k": 1}}), USE_KEY),
    "malformed-json": ("stored", b"{", USE_KEY),
    "unknown-id": ("unknown", encode_json({"metadata": {}}), USE_KEY),
    "missing-key": ("stored", encode_json({"metadata": {}}), None),
}


@pytest.mark.requirement("UCC-ERR-OBJECT")
@pytest.mark.parametrize(("completion", "content", "key"), REFUSED.values(), ids=REFUSED.keys())
def test_client_error_carries_an_error_object_with_a_message(
    api: Client,
    stored: Completion,
    target: Target,
    completion: str,
    content: bytes,
    key: str | None,
) -> None:
    """MUST: The page documents no error format; the API it describes (OpenAI's) answers every error
    with a JSON body {"error": {"message", "type", "param", "code"}} (the ErrorResponse of the
    official OpenAPI document). Every 4xx answer carries at least the error object and its
    message."""
    completion_id = stored.id if completion == "stored" else target.absent_id
    exchange = api.update(completion_id, content=content, key=key)
    expect_error_object(exchange)


@pytest.mark.requirement("UCC-ERR-OBJECT-FIELDS")
@pytest.mark.parametrize(("completion", "content", "key"), REFUSED.values(), ids=REFUSED.keys())
def test_error_object_has_message_type_param_and_code(
    api: Client,
    stored: Completion,
    target: Target,
    completion: str,
    content: bytes,
    key: str | None,
) -> None:
    """SHOULD: The page documents no error format; the API it describes (OpenAI's) answers every
    error with a JSON body {"error": {"message", "type", "param", "code"}} (the ErrorResponse of
    the official OpenAPI document). The error object has all four fields."""
    completion_id = stored.id if completion == "stored" else target.absent_id
    exchange = api.update(completion_id, content=content, key=key)
    expect_error_fields(exchange, presence_judged_by="UCC-ERR-OBJECT")
