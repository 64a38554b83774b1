"""Checks on the conformance profile's OpenAPI document.

The suite derives its request and response contracts from
``specs/update-chat-completion.openapi.yaml``. If that document is invalid, or if it
loses the limits that the documentation page states in prose, every case built on it
checks the wrong thing without failing. These tests pin the parts that matter.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

SPEC_PATH = Path(__file__).resolve().parents[1] / "specs" / "update-chat-completion.openapi.yaml"

UNDER_TEST = "updateChatCompletion"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

# The "chat completion object" example from the documentation page, copied verbatim.
SEED_OBJECT_EXAMPLE: dict[str, Any] = {
    "id": "chatcmpl-123456",
    "object": "chat.completion",
    "created": 1728933352,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hi there! How can I assist you today?",
                "refusal": None,
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 19,
        "completion_tokens": 10,
        "total_tokens": 29,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "system_fingerprint": "fp_6b68a8204b",
}

# The example response of the update request on the documentation page, copied verbatim.
SEED_UPDATE_EXAMPLE: dict[str, Any] = {
    "object": "chat.completion",
    "id": "chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2",
    "model": "gpt-4o-2024-08-06",
    "created": 1738960610,
    "request_id": "req_ded8ab984ec4bf840f37566c1011c417",
    "tool_choice": None,
    "usage": {"total_tokens": 31, "completion_tokens": 18, "prompt_tokens": 13},
    "seed": 4944116822809979520,
    "top_p": 1.0,
    "temperature": 1.0,
    "presence_penalty": 0.0,
    "frequency_penalty": 0.0,
    "system_fingerprint": "fp_50cad350e4",
    "input_user": None,
    "service_tier": "default",
    "tools": None,
    "metadata": {"foo": "bar"},
    "choices": [
        {
            "index": 0,
            "message": {
                "content": (
                    "Mind of circuits hum, \nLearning patterns in silence— \nFuture's quiet spark."
                ),
                "role": "assistant",
                "tool_calls": None,
                "function_call": None,
            },
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "response_format": None,
}


@cache
def load_spec() -> dict[str, Any]:
    """Load the spec once; the tests only read it."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def schema_validator(name: str) -> Draft202012Validator:
    """Build a validator for one component schema, with ``#/components/...`` refs resolvable.

    Embedding the components next to the ``$ref`` makes the document's own JSON pointers
    resolve without a registry, exactly as they do inside the OpenAPI document.
    """
    spec = load_spec()
    root = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    Draft202012Validator.check_schema(root)
    return Draft202012Validator(root)


def test_spec_is_valid_openapi_3_1() -> None:
    """A malformed document would make every schema-based check meaningless."""
    spec = load_spec()
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_metadata_schema_encodes_the_documented_limits() -> None:
    """The page states 16 / 64 / 512 in prose only; the profile must carry them as keywords."""
    schemas = load_spec()["components"]["schemas"]
    metadata = schemas["Metadata"]
    assert metadata["type"] == "object"
    assert metadata["maxProperties"] == 16
    assert metadata["propertyNames"]["maxLength"] == 64
    assert metadata["additionalProperties"]["type"] == "string"
    assert metadata["additionalProperties"]["maxLength"] == 512

    request = schemas["UpdateChatCompletionRequest"]
    assert "metadata" in request["required"]
    assert request["properties"]["metadata"] == {"$ref": "#/components/schemas/Metadata"}


@pytest.mark.parametrize(
    ("instance", "valid"),
    [
        pytest.param({f"k{i}": "v" for i in range(16)}, True, id="16-pairs"),
        pytest.param({f"k{i}": "v" for i in range(17)}, False, id="17-pairs"),
        pytest.param({}, True, id="empty"),
        pytest.param({"k" * 64: "v"}, True, id="64-char-key"),
        pytest.param({"k" * 65: "v"}, False, id="65-char-key"),
        pytest.param({"é" * 64: "v"}, True, id="64-non-ascii-char-key"),
        pytest.param({"é" * 65: "v"}, False, id="65-non-ascii-char-key"),
        pytest.param({"k": "v" * 512}, True, id="512-char-value"),
        pytest.param({"k": "v" * 513}, False, id="513-char-value"),
        pytest.param({"k": 1}, False, id="integer-value"),
        pytest.param({"k": {"nested": "v"}}, False, id="nested-object-value"),
        pytest.param(None, False, id="null"),
    ],
)
def test_metadata_schema_accepts_and_rejects_boundaries(instance: Any, valid: bool) -> None:
    """Pins each documented limit at its boundary, counting characters, not bytes."""
    assert schema_validator("Metadata").is_valid(instance) is valid


@pytest.mark.parametrize(
    "example",
    [
        pytest.param(SEED_OBJECT_EXAMPLE, id="object-example"),
        pytest.param(SEED_UPDATE_EXAMPLE, id="update-example"),
    ],
)
def test_seed_example_response_is_a_valid_chat_completion(example: dict[str, Any]) -> None:
    """The page's own examples must pass, or the profile would fail a conforming server."""
    validator = schema_validator("ChatCompletion")
    errors = [error.message for error in validator.iter_errors(example)]
    assert errors == []


def _broken_created(body: dict[str, Any]) -> None:
    body["created"] = str(body["created"])


def _broken_finish_reason(body: dict[str, Any]) -> None:
    body["choices"][0]["finish_reason"] = "done"


def _broken_object(body: dict[str, Any]) -> None:
    body["object"] = "chat.completion.chunk"


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(_broken_created, id="created-as-string"),
        pytest.param(_broken_finish_reason, id="unknown-finish-reason"),
        pytest.param(_broken_object, id="chunk-object-type"),
    ],
)
def test_chat_completion_schema_rejects_broken_responses(
    break_it: Callable[[dict[str, Any]], None],
) -> None:
    """The schema must not be so loose that obvious contract breaks pass."""
    body = copy.deepcopy(SEED_UPDATE_EXAMPLE)
    break_it(body)
    assert not schema_validator("ChatCompletion").is_valid(body)


def test_supporting_operations_are_marked() -> None:
    """Reports tell the operation under test apart from set-up calls by this marker."""
    operations: dict[str, dict[str, Any]] = {
        operation["operationId"]: operation
        for path_item in load_spec()["paths"].values()
        for method, operation in path_item.items()
        if method in HTTP_METHODS
    }
    assert UNDER_TEST in operations
    assert "x-conformance-role" not in operations[UNDER_TEST]
    others = {op_id: op for op_id, op in operations.items() if op_id != UNDER_TEST}
    assert set(others) == {
        "createChatCompletion",
        "getChatCompletion",
        "deleteChatCompletion",
        "listChatCompletions",
        "getChatCompletionMessages",
    }
    for op_id, operation in others.items():
        assert operation.get("x-conformance-role") == "supporting", op_id
