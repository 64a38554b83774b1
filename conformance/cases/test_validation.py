"""Invalid update bodies: each is refused as the client's fault (4xx), never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.client import Client, encode_json
from conformance.expect import expect_client_error, expect_status
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
    """MUST: "metadata map string Required" """
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
    """MUST: "metadata map string Required" """
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
    """MUST: "Request body: metadata map string Required" """
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
    """MUST: "Request body: metadata map string Required" """
    exchange = api.update(stored.id, content=content)
    expect_client_error(exchange)


INVALID_UPDATES: dict[str, bytes] = {
    "seventeen-pairs": encode_json({"metadata": {f"k{i:02d}": "v" for i in range(17)}}),
    "key-65": encode_json({"metadata": {"k" * 65: "v"}}),
    "value-513": encode_json({"metadata": {"k": "v" * 513}}),
    "integer-value": encode_json({"metadata": {"k": 1}}),
    "missing-metadata": encode_json({}),
    "metadata-not-a-map": encode_json({"metadata": "k=v"}),
    "body-not-an-object": encode_json([{"metadata": {"k": "v"}}]),
    "malformed": b"{",
}


@pytest.mark.requirement("UCC-ERR-VALIDATION-400")
@pytest.mark.parametrize("content", INVALID_UPDATES.values(), ids=INVALID_UPDATES.keys())
def test_invalid_update_answers_exactly_400(
    api: Client, stored: Completion, content: bytes
) -> None:
    """SHOULD: "Keys are strings with a maximum length of 64 characters. Values are strings with
    a maximum length of 512 characters." OpenAI answers invalid requests with 400."""
    exchange = api.update(stored.id, content=content)
    expect_status(exchange, 400)
