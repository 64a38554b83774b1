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
from conformance.consistency import Waited
from conformance.countings import within
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.invariants import DOCUMENTED_FIELDS, Finding, distinct
from conformance.jsontext import as_json
from conformance.mechanisms import because, note
from conformance.samples import MAX_KEY, MAX_PAIRS, MAX_VALUE


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


def expect_refused_beyond(exchange: Exchange, sent: Mapping[str, Any]) -> None:
    """An update over a limit is refused with a 4xx; accepted, the failure names the countings
    under which its longest key or value would have fit (conformance.countings)."""
    if exchange.status is not None and 400 <= exchange.status < 500:
        return
    fits = ""
    texts = [*sent, *(v for v in sent.values() if isinstance(v, str))]
    if len(sent) <= MAX_PAIRS and texts:
        longest = max(texts, key=len)
        limit = MAX_KEY if longest in sent else MAX_VALUE
        if len(longest) > limit:
            counted = within(longest, limit)
            fits = f"; the {len(longest)}-character text is over {limit} in characters" + (
                ", but fits counted as "
                + ", ".join(f"{n} {name}" for name, n in counted.items())
                + ": the target may count one of those"
                if counted
                else ""
            )
    raise ConformanceFailure(f"expected a 4xx rejection, got {exchange.answer}{fits}", (exchange,))


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


def expect_json_content_type(exchange: Exchange) -> None:
    """The answer says it is JSON (application/json, or a +json type)."""
    if not exchange.is_json_content_type:
        raise ConformanceFailure(
            f"expected Content-Type application/json, got {exchange.content_type or '(none)'}",
            (exchange,),
        )


# --- the answer to an update ------------------------------------------------------------------
def expect_the_completion(body: Mapping[str, Any], completion_id: str, exchange: Exchange) -> None:
    """The answer is the chat.completion object of `completion_id`."""
    if body.get("id") != completion_id or body.get("object") != "chat.completion":
        why = (
            note("M27", "the object type of another endpoint")
            if body.get("object") != "chat.completion"
            else note("M28", "an id other than the stored completion's")
        )
        raise ConformanceFailure(
            f"expected the chat.completion object with id {as_json(completion_id)}, got object "
            f"{as_json(body.get('object'), 60)} with id {as_json(body.get('id'), 100)}{why}",
            (exchange,),
        )


def expect_metadata_echoed(
    sent: Mapping[str, str], body: Mapping[str, Any], exchange: Exchange
) -> None:
    """The answer carries the metadata field, holding every sent pair as sent."""
    if "metadata" not in body:
        raise ConformanceFailure(
            "the answer carries no metadata field" + note("M30", "metadata dropped"), (exchange,)
        )
    expect_pairs_held(sent, body["metadata"], exchange, "update answer")


def expect_metadata_a_map(body: Mapping[str, Any], exchange: Exchange) -> None:
    """The answer's metadata, when there is one, is a map (an empty one given back as a list
    is a serializer's doing)."""
    metadata = body.get("metadata", {})
    if metadata is not None and not isinstance(metadata, dict):
        raise ConformanceFailure(
            f"the answer gives the empty map back as {as_json(metadata, 40)}, not a map: "
            + because([("M21", "an empty map serialized as a list")]),
            (exchange,),
        )


def expect_retrieved(read: Exchange, write: Exchange, after: str) -> dict[str, Any]:
    """The completion can still be retrieved `after` (what `write` did): 200, a JSON object."""
    if read.status != 200:
        raise ConformanceFailure(
            f"{after}, the completion can no longer be retrieved ({read.answer})", (write, read)
        )
    return expect_json_object(read)


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
            f"{where}: expected metadata to be a map holding the sent pairs, got "
            f"{as_json(metadata, 200)}",
            shown,
        )
    missing = [k for k in sent if k not in metadata]
    wrong = [k for k in sent if k in metadata and metadata[k] != sent[k]]
    if missing or wrong:
        details = [f"key {as_json(k, 80)} is missing" for k in missing[:3]]
        details += [
            f"key {as_json(k, 80)}: sent {as_json(sent[k], 120)}, got {as_json(metadata[k], 120)}"
            for k in wrong[:3]
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
    return as_json(obj[name], 120) if name in obj else "(absent)"


def answer_to_judge(exchange: Exchange) -> dict[str, Any]:
    """The body of an update's answer, for a case that judges its content; INCONCLUSIVE when the
    update was not accepted (where conformance.steps.accepted fails the case).

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


# --- errors -----------------------------------------------------------------------------------
def expect_error_object(exchange: Exchange) -> None:
    """A 4xx answer is JSON with an `error` object holding a string `message`; an answer that
    is no 4xx has no error object to judge."""
    if exchange.status is None or not 400 <= exchange.status < 500:
        return
    body = expect_json_object(exchange)
    error = body.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        raise ConformanceFailure(
            f"the {exchange.status} answer has no error object with a string message "
            f"(body keys: {as_json(sorted(body)[:8])})",
            (exchange,),
        )


def expect_error_fields(exchange: Exchange, presence_judged_by: str) -> None:
    """The error object has message, type, param and code. Without an error object the case
    is skipped: whether there is one is `presence_judged_by`'s verdict."""
    error = (exchange.json_object() or {}).get("error")
    if not isinstance(error, dict):
        pytest.skip(
            f"no error object ({exchange.answer}): whether there is one is {presence_judged_by}'s"
        )
    missing = [k for k in ("message", "type", "param", "code") if k not in error]
    if missing:
        raise ConformanceFailure(f"the error object lacks {', '.join(missing)}", (exchange,))


# --- authentication and tenancy ---------------------------------------------------------------
def expect_key_not_echoed(exchange: Exchange, presented: str) -> None:
    """Neither the body nor a header of the answer repeats the presented key."""
    headers = " ".join(f"{k}: {v}" for k, v in exchange.response_headers.items())
    if presented in exchange.response_body.decode("utf-8", "replace") or presented in headers:
        raise ConformanceFailure("the answer contains the presented API key", (exchange,))


def expect_refused_to_another_project(exchange: Exchange, what: str) -> None:
    """`what`, sent with another project's key, is refused as if the completion were not
    there (404) or not allowed (403). A 401 is no verdict on isolation: it says the key
    itself was not accepted, which `expect_other_key_accepted` tells last, once nothing the
    other requests did has failed the case."""
    if exchange.status not in (401, 403, 404):
        raise ConformanceFailure(
            f"{what} with another project's key: expected 404 or 403, got {exchange.answer}",
            (exchange,),
        )


def expect_other_key_accepted(sent: Mapping[str, Exchange]) -> None:
    """Another project's key was taken for a key (no 401) by each request `sent` with it (by
    what each did); INCONCLUSIVE otherwise. 401 is the answer to a request without valid
    credentials (RFC 9110, 15.5.2), not to a completion that is someone else's (404, 403):
    isolation was not tried with a key the target refused, so it is neither met nor broken."""
    refused = {what: exchange for what, exchange in sent.items() if exchange.status == 401}
    if refused:
        raise Inconclusive(
            f"the second key (--second-api-key) was refused: {', '.join(refused)} with it "
            "answered HTTP 401, so whether another project can touch the completion could not "
            "be judged",
            tuple(refused.values()),
        )


def expect_not_deleted(read: Exchange, delete: Exchange, who: str) -> None:
    """The completion is still there after a DELETE that `who` had no right to send."""
    if read.status == 404:
        raise ConformanceFailure(f"{who}'s DELETE removed the completion", (delete, read))


# --- listing ----------------------------------------------------------------------------------
def listed_ids(exchange: Exchange) -> list[Any] | None:
    """The ids on a list page; None when the answer is not a list page."""
    body = exchange.json_object() if exchange.status == 200 else None
    data = body.get("data") if body is not None else None
    if not isinstance(data, list):
        return None
    return [item.get("id") for item in data if isinstance(item, dict)]


def expect_listed(waited: Waited, write: Exchange, what: str) -> None:
    """The wait for a list page holding the completion ended with one (`what` it is): not a
    page at all, or a page without it when the consistency bound ran out, fails."""
    if waited.ready:
        return
    if listed_ids(waited.exchange) is None:
        expect_ok(waited.exchange)
        raise ConformanceFailure("the list answer has no data array", (waited.exchange,))
    raise ConformanceFailure(waited.not_visible(what), (write, waited.exchange))


def expect_on_the_page(completion_id: str, page: Exchange, write: Exchange, says: str) -> None:
    """A list page for a pair the completion holds lists it; `says` is the failure when not."""
    if completion_id not in (listed_ids(page) or []):
        raise ConformanceFailure(says, (write, page))


def expect_not_listed(completion_id: str, page: Exchange, write: Exchange, says: str) -> None:
    """A list page for a value the completion does not hold leaves it out; `says` is the
    failure when it does not (which query, and what the completion holds instead)."""
    if completion_id in (listed_ids(page) or []):
        raise ConformanceFailure(says, (write, page))


# --- invariants -------------------------------------------------------------------------------
def expect_invariant_held(findings: list[Finding], writes: int) -> None:
    """No view of a tracked completion broke the invariant after any accepted write of the run
    (conformance.invariants); with no accepted write there was nothing to judge."""
    if findings:
        first, *others = findings
        where = f" (in {first.nodeid})" if first.nodeid else ""
        lines = [f"{len(findings)} view(s) broke it after accepted writes; {first.message}{where}"]
        lines += [
            f"also: {f.message}" + (f" (in {f.nodeid})" if f.nodeid else "") for f in others[:4]
        ]
        if len(others) > 4:
            lines.append(f"and {len(others) - 4} more")
        shown = first.exchanges + (others[0].exchanges[-1:] if others else ())
        raise ConformanceFailure("\n".join(lines), distinct(*shown))
    if writes == 0:
        pytest.skip("no update of a completion the run tracks was accepted: nothing to judge")


def _found(finding: Finding) -> str:
    return finding.message + (f" (in {finding.nodeid})" if finding.nodeid else "")
