"""Error bodies: every 4xx carries the OpenAI error envelope."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.client import Client, Exchange
from conformance.expect import expect_json_object
from conformance.failures import ConformanceFailure
from conformance.target import Completion, Target

Scenario = Callable[[Client, Completion, Target], Exchange]

SCENARIOS: dict[str, Scenario] = {
    "seventeen-pairs": lambda api, c, t: api.update(
        c.id, {"metadata": {f"k{i:02d}": "v" for i in range(17)}}
    ),
    "non-string-value": lambda api, c, t: api.update(c.id, {"metadata": {"k": 1}}),
    "malformed-json": lambda api, c, t: api.update(c.id, content=b"{"),
    "unknown-id": lambda api, c, t: api.update(f"chatcmpl-uccmissing{t.nonce}", {"metadata": {}}),
    "missing-key": lambda api, c, t: api.update(c.id, {"metadata": {}}, key=None),
}


def _error_object(exchange: Exchange) -> dict[str, object] | None:
    """The error object of a 4xx answer; None when the answer is not a 4xx (nothing to judge)."""
    if exchange.status is None or not 400 <= exchange.status < 500:
        return None
    body = expect_json_object(exchange)
    error = body.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        raise ConformanceFailure(
            f"the {exchange.status} answer has no error object with a string message "
            f"(body keys: {sorted(body)[:8]})",
            (exchange,),
        )
    return error


@pytest.mark.requirement("UCC-ERR-OBJECT")
@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_client_error_carries_an_error_object_with_a_message(
    api: Client, stored: Completion, target: Target, scenario: Scenario
) -> None:
    """MUST: The page documents no error format; the API it describes (OpenAI's) answers every error
    with a JSON body {"error": {"message", "type", "param", "code"}} (the ErrorResponse of the
    official OpenAPI document). Every 4xx answer carries at least the error object and its
    message."""
    _error_object(scenario(api, stored, target))


@pytest.mark.requirement("UCC-ERR-OBJECT-FIELDS")
@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_error_object_has_message_type_param_and_code(
    api: Client, stored: Completion, target: Target, scenario: Scenario
) -> None:
    """SHOULD: The page documents no error format; the API it describes (OpenAI's) answers every
    error with a JSON body {"error": {"message", "type", "param", "code"}} (the ErrorResponse of
    the official OpenAPI document). The error object has all four fields."""
    exchange = scenario(api, stored, target)
    error = (exchange.json_object() or {}).get("error")
    if not isinstance(error, dict):
        pytest.skip(
            f"no error object ({exchange.answer}): whether there is one is UCC-ERR-OBJECT's"
        )
    missing = [k for k in ("message", "type", "param", "code") if k not in error]
    if missing:
        raise ConformanceFailure(f"the error object lacks {', '.join(missing)}", (exchange,))
