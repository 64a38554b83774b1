"""The answer to a valid update: status, media type, identity and the object's schema."""

from __future__ import annotations

import functools
from typing import Any

import jsonschema
import pytest

from conformance.client import Client
from conformance.expect import accepted_body, expect_pairs_held
from conformance.failures import ConformanceFailure
from conformance.mechanisms import note
from conformance.requirements import openapi_spec
from conformance.samples import CASE, A
from conformance.steps import accepted
from conformance.target import Completion, Target

# Fields the SDK refuses that a documented mechanism is known to produce.
SDK_FIELD_MECHANISMS = {
    "service_tier": ("M29", "of another provider"),
    "finish_reason": ("M24", "of another backend"),
    "object": ("M27", "of another endpoint"),
}


@functools.cache
def chat_completion_validator() -> jsonschema.Draft202012Validator:
    """The ChatCompletion schema of the derived spec, loaded once per run."""
    components = openapi_spec()["components"]
    schema = {"$ref": "#/components/schemas/ChatCompletion", "components": components}
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.requirement("UCC-RESP-STATUS")
def test_valid_update_answers_200_with_json(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "The ChatCompletion object matching the specified ID." """
    sent = {CASE: "status"}
    exchange = api.update(stored.id, {"metadata": sent})
    accepted(target, stored, exchange, sent)
    if not exchange.is_json_content_type:
        raise ConformanceFailure(
            f"expected Content-Type application/json, got {exchange.content_type or '(none)'}",
            (exchange,),
        )


@pytest.mark.requirement("UCC-RESP-SAME-ID")
def test_valid_update_returns_the_completion_of_that_id(api: Client, stored: Completion) -> None:
    """MUST: "The ChatCompletion object matching the specified ID." """
    exchange = api.update(stored.id, {"metadata": {CASE: "same-id"}})
    body = accepted_body(exchange)
    if body.get("id") != stored.id or body.get("object") != "chat.completion":
        why = (
            note("M27", "the object type of another endpoint")
            if body.get("object") != "chat.completion"
            else note("M28", "an id other than the stored completion's")
        )
        raise ConformanceFailure(
            f"expected the chat.completion object with id {stored.id!r}, got object "
            f"{body.get('object')!r:.60} with id {body.get('id')!r:.100}{why}",
            (exchange,),
        )


@pytest.mark.requirement("UCC-RESP-ECHO-METADATA")
def test_valid_update_echoes_the_new_metadata(api: Client, stored: Completion) -> None:
    """SHOULD: "Currently, the only supported modification is to update the metadata field." """
    sent = {CASE: "echo", A: "yes"}
    exchange = api.update(stored.id, {"metadata": sent})
    body = accepted_body(exchange)
    if "metadata" not in body:
        raise ConformanceFailure(
            "the answer carries no metadata field" + note("M30", "metadata dropped"), (exchange,)
        )
    expect_pairs_held(sent, body["metadata"], exchange, "update answer")


@pytest.mark.requirement("UCC-RESP-SCHEMA")
def test_valid_update_matches_the_chat_completion_object(api: Client, stored: Completion) -> None:
    """MUST: "Represents a chat completion response returned by model, based on the provided
    input." """
    exchange = api.update(stored.id, {"metadata": {CASE: "schema"}})
    body = accepted_body(exchange)
    errors = sorted(chat_completion_validator().iter_errors(body), key=lambda e: list(e.path))
    if errors:
        shown = "; ".join(
            f"at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:160]}"
            for e in errors[:5]
        )
        raise ConformanceFailure(
            f"the answer is not a chat completion object ({len(errors)} schema violation(s)): "
            + shown,
            (exchange,),
        )


@pytest.mark.requirement("UCC-RESP-SDK-PARSE")
def test_valid_update_parses_as_the_sdk_chat_completion(api: Client, stored: Completion) -> None:
    """MUST: "The ChatCompletion object matching the specified ID." """
    exchange = api.update(stored.id, {"metadata": {CASE: "sdk"}})
    body: Any = accepted_body(exchange)
    import openai  # here, not at collection: it costs most of a second to import
    import pydantic

    try:
        openai.types.chat.ChatCompletion.model_validate(body, strict=False)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in exc.errors()[:5]
        )
        fields = {str(part) for err in exc.errors() for part in err["loc"]}
        known = [
            (field, *SDK_FIELD_MECHANISMS[field])
            for field in sorted(fields & set(SDK_FIELD_MECHANISMS))
        ]
        why = "".join(note(mid, f"{field} {how}") for field, mid, how in known)
        raise ConformanceFailure(
            f"openai {openai.__version__} cannot parse the answer as ChatCompletion: "
            f"{problems}{why}",
            (exchange,),
        ) from None
