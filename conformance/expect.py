"""Expectation helpers: the page's rules encoded once, each raising a vendor-facing failure.

A helper checks one thing and says, in one factual line, what was expected and what came
back ("expected a 4xx rejection, got HTTP 200"); the plugin adds the requirement, the quoted
sentence and the redacted transcript around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from conformance.client import Exchange, UnreadableBody
from conformance.failures import ConformanceFailure, Inconclusive

# The fields of the chat completion object the page documents; an update must leave every one
# of them but metadata as it was ("the only supported modification is to update the metadata
# field"). Undocumented extras such as request_id may legitimately differ per response.
DOCUMENTED_FIELDS = (
    "id",
    "object",
    "created",
    "model",
    "choices",
    "usage",
    "system_fingerprint",
    "service_tier",
)
# "This will be stop ..., length ..., content_filter ..., tool_calls ..., or function_call"
FINISH_REASONS = ("stop", "length", "content_filter", "tool_calls", "function_call")


def expect_status(exchange: Exchange, status: int) -> None:
    if exchange.status != status:
        raise ConformanceFailure(f"expected HTTP {status}, got {exchange.answer}", (exchange,))


def expect_refusal_status(exchange: Exchange, status: int, refusal_judged_by: str) -> None:
    """A refusal carries `status`. Only refusals are judged here: an answer that is no 4xx is
    not a refusal with the wrong status, and whether the request is refused at all is another
    requirement's verdict (`refusal_judged_by`), so the case is skipped saying so."""
    if exchange.status is None or not 400 <= exchange.status < 500:
        pytest.skip(
            f"not a refusal ({exchange.answer}); refusing it is {refusal_judged_by}'s verdict"
        )
    expect_status(exchange, status)


def expect_client_error(exchange: Exchange) -> None:
    """A 4xx rejection: the request is refused as the client's fault, never a 5xx or a 2xx."""
    if exchange.status is None or not 400 <= exchange.status < 500:
        raise ConformanceFailure(f"expected a 4xx rejection, got {exchange.answer}", (exchange,))


def expect_json_object(exchange: Exchange) -> dict[str, Any]:
    """The response body as a JSON object, whatever the status."""
    try:
        body = exchange.json()
    except UnreadableBody as unreadable:
        raise ConformanceFailure(str(unreadable), (exchange,)) from None
    if not isinstance(body, dict):
        raise ConformanceFailure(
            f"expected a JSON object body, got JSON {type(body).__name__}", (exchange,)
        )
    return body


def expect_ok(exchange: Exchange) -> dict[str, Any]:
    """HTTP 200 with a JSON object body; the parsed body."""
    expect_status(exchange, 200)
    return expect_json_object(exchange)


def expect_pairs_held(
    sent: Mapping[str, str],
    metadata: Any,
    exchanges: Exchange | tuple[Exchange, ...],
    where: str,
) -> None:
    """Every sent pair is in `metadata` exactly as sent (extra pairs allowed: merge semantics)."""
    shown = exchanges if isinstance(exchanges, tuple) else (exchanges,)
    if not isinstance(metadata, dict):
        raise ConformanceFailure(
            f"{where}: expected metadata to be a map holding the sent pairs, got {metadata!r:.200}",
            shown,
        )
    missing = [k for k in sent if k not in metadata]
    wrong = [k for k in sent if k in metadata and metadata[k] != sent[k]]
    if missing or wrong:
        details = [f"key {k!r:.80} is missing" for k in missing[:3]]
        details += [
            f"key {k!r:.80}: sent {sent[k]!r:.120}, got {metadata[k]!r:.120}" for k in wrong[:3]
        ]
        more = len(missing) + len(wrong) - len(details)
        if more > 0:
            details.append(f"and {more} more")
        raise ConformanceFailure(
            f"{where}: the metadata does not hold every sent pair exactly as sent: "
            + "; ".join(details),
            shown,
        )


def expect_documented_fields_equal(
    before: Mapping[str, Any], after: Mapping[str, Any], exchange: Exchange, where: str
) -> None:
    """Every documented field but metadata is the same before and after."""
    changed = [
        name
        for name in DOCUMENTED_FIELDS
        if (name in before) != (name in after) or before.get(name) != after.get(name)
    ]
    if changed:
        details = "; ".join(
            f"{name}: {_field(before, name)} -> {_field(after, name)}" for name in changed[:4]
        )
        raise ConformanceFailure(
            f"{where}: fields other than metadata changed: {details}", (exchange,)
        )


def _field(obj: Mapping[str, Any], name: str) -> str:
    return f"{obj[name]!r:.120}" if name in obj else "(absent)"


def expect_metadata_unchanged(
    before: Mapping[str, Any], after: Mapping[str, Any], exchanges: tuple[Exchange, ...]
) -> None:
    """The stored metadata after a rejected or unauthorised update is what it was before."""
    if before.get("metadata") != after.get("metadata"):
        raise ConformanceFailure(
            "the refused update changed the stored metadata: "
            f"before {before.get('metadata')!r:.300}, after {after.get('metadata')!r:.300}",
            exchanges,
        )


def accepted_body(exchange: Exchange) -> dict[str, Any]:
    """The body of an update this case needs accepted; INCONCLUSIVE when it was not.

    Whether a valid update is accepted is UCC-RESP-STATUS's verdict; the cases that judge the
    answer's content have nothing to judge without one, which is not a pass.
    """
    if exchange.status != 200:
        raise Inconclusive(
            f"the valid update was not accepted ({exchange.answer}), so there is no answer "
            "to judge",
            (exchange,),
        )
    return expect_json_object(exchange)
