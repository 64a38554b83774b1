"""Invalid update bodies: each is refused as the client's fault (4xx), never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.client import Client, encode_json
from conformance.expect import expect_client_error, expect_refusal_status
from conformance.target import Completion

NON_STRING_VALUES: dict[str, Any] = {
    "integer": 1,
    "float": 1.5,
    "boolean": True,
    "null": None,
    "object": {"nested": "map"},
    "array": ["a", "b"],
}


@pytest.mark.requirement("UCC-VALID-VALUE-STRING")
@pytest.mark.parametrize("value", NON_STRING_VALUES.values(), ids=NON_STRING_VALUES.keys())
def test_non_string_value_is_rejected(api: Client, stored: Completion, value: Any) -> None:
    """MUST: "Values are strings with a maximum length of 512 characters." """
    exchange = api.update(stored.id, {"metadata": {"ucc_value": value}})
    expect_client_error(exchange)


NOT_A_MAP: dict[str, Any] = {
    "array": [],
    "array-of-pairs": [["k", "v"]],
    "string": "k=v",
    "number": 42,
    "boolean": True,
}


@pytest.mark.requirement("UCC-VALID-METADATA-MAP")
@pytest.mark.parametrize("metadata", NOT_A_MAP.values(), ids=NOT_A_MAP.keys())
def test_metadata_that_is_not_a_map_is_rejected(
    api: Client, stored: Completion, metadata: Any
) -> None:
    """MUST: The page's request body table lists metadata as Required, of type map with string
    values."""
    exchange = api.update(stored.id, {"metadata": metadata})
    expect_client_error(exchange)


WITHOUT_METADATA: dict[str, dict[str, Any]] = {
    "empty-body": {},
    "misspelled": {"meta_data": {"k": "v"}},
    "capitalised": {"Metadata": {"k": "v"}},
}


@pytest.mark.requirement("UCC-VALID-METADATA-REQUIRED")
@pytest.mark.parametrize("body", WITHOUT_METADATA.values(), ids=WITHOUT_METADATA.keys())
def test_body_without_metadata_is_rejected(
    api: Client, stored: Completion, body: dict[str, Any]
) -> None:
    """MUST: The page's request body table lists metadata as Required, of type map with string
    values."""
    exchange = api.update(stored.id, body)
    expect_client_error(exchange)


NOT_AN_OBJECT: dict[str, Any] = {
    "array": [{"metadata": {"k": "v"}}],
    "string": "metadata",
    "number": 1,
    "null": None,
}


@pytest.mark.requirement("UCC-VALID-BODY-OBJECT")
@pytest.mark.parametrize("body", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_body_that_is_not_an_object_is_rejected(api: Client, stored: Completion, body: Any) -> None:
    """MUST: The page's request body is a JSON object whose one field, metadata, is Required and a
    map of strings."""
    exchange = api.update(stored.id, content=encode_json(body))
    expect_client_error(exchange)


MALFORMED: dict[str, bytes] = {
    "empty": b"",
    "truncated": b'{"metadata": {"k": "v"}',
    "single-quotes": b"{'metadata': {'k': 'v'}}",
    "trailing-garbage": b'{"metadata": {"k": "v"}} x',
    "not-utf8": b'{"metadata": {"k": "\xff\xfe"}}',
}


@pytest.mark.requirement("UCC-VALID-MALFORMED-JSON")
@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_rejected(api: Client, stored: Completion, content: bytes) -> None:
    """MUST: The page's request body is a JSON object whose one field, metadata, is Required and a
    map of strings."""
    exchange = api.update(stored.id, content=content)
    expect_client_error(exchange)


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
