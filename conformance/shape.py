"""Expectations on the chat completion object an update answers with, field by field as the
page documents it (the shape area of the catalogue).

Each helper checks one documented property of an accepted answer's body and raises a
vendor-facing failure naming what was expected and what came back; where a documented
mechanism of the fault model explains the difference, the failure names it.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from typing import Any, Final

import jsonschema
import pytest

from conformance.client import Exchange
from conformance.failures import ConformanceFailure
from conformance.jsontext import as_json
from conformance.mechanisms import note
from conformance.requirements import openapi_spec

# "This will be stop ..., length ..., content_filter ..., tool_calls ..., or function_call"
FINISH_REASONS: Final = ("stop", "length", "content_filter", "tool_calls", "function_call")
# "The Unix timestamp (in seconds)": no chat completion predates 2015, and a timestamp in
# milliseconds is a thousand times later than the suite's clock.
EARLIEST_TIMESTAMP: Final = 1_420_070_400  # 2015-01-01T00:00:00Z
CLOCK_SKEW_S: Final = 86_400  # the target's clock may run ahead of the suite's by up to a day
LATEST_EXPIRY: Final = 4_102_444_800  # 2100-01-01: audio.expires_at lies ahead, never this far
# "completion_tokens_details ... prompt_tokens_details": the documented counts, each part of
# its total ("these tokens are still counted in the total completion tokens";
# "Cached tokens present in the prompt.").
BREAKDOWNS: Final = {
    "completion_tokens": (
        "completion_tokens_details",
        (
            "reasoning_tokens",
            "accepted_prediction_tokens",
            "rejected_prediction_tokens",
            "audio_tokens",
        ),
    ),
    "prompt_tokens": ("prompt_tokens_details", ("cached_tokens", "audio_tokens")),
}
# Fields the SDK refuses that a documented mechanism is known to produce.
SDK_FIELD_MECHANISMS: Final = {
    "service_tier": ("M29", "of another provider"),
    "finish_reason": ("M24", "of another backend"),
    "object": ("M27", "of another endpoint"),
}


# --- the object as a whole --------------------------------------------------------------------
@functools.cache
def chat_completion_validator() -> jsonschema.Draft202012Validator:
    """The ChatCompletion schema of the derived spec, loaded once per run."""
    components = openapi_spec()["components"]
    schema = {"$ref": "#/components/schemas/ChatCompletion", "components": components}
    return jsonschema.Draft202012Validator(schema)


def expect_chat_completion_schema(body: dict[str, Any], exchange: Exchange) -> None:
    """The body validates against the chat completion object of the derived spec."""
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


def expect_sdk_parses(body: dict[str, Any], exchange: Exchange) -> None:
    """The official SDK's ChatCompletion type accepts the body."""
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


# --- created and other timestamps ---------------------------------------------------------------
def expect_created_integer(body: dict[str, Any], exchange: Exchange) -> None:
    """`created` is an integer."""
    created = body.get("created")
    if type(created) is not int:
        why = note("M23", "created serialized as a string") if isinstance(created, str) else ""
        raise ConformanceFailure(
            f"created is {type(created).__name__} {as_json(created, 40)}, not an integer{why}",
            (exchange,),
        )


def _date(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def expect_timestamps_in_seconds(body: dict[str, Any], exchange: Exchange) -> None:
    """`created` and each audio's `expires_at` are Unix times in seconds, in a plausible
    range; an integer timestamp only (its type is another requirement's)."""
    latest_created = time.time() + CLOCK_SKEW_S
    stamps = [("created", body.get("created"), latest_created)]
    for n, choice in enumerate(choices_of(body)):
        message = choice.get("message") if isinstance(choice, dict) else None
        audio = message.get("audio") if isinstance(message, dict) else None
        if isinstance(audio, dict) and "expires_at" in audio:
            stamps.append(
                (f"choices[{n}].message.audio.expires_at", audio["expires_at"], LATEST_EXPIRY)
            )
    for name, stamp, latest in stamps:
        if type(stamp) is not int:
            continue  # its type is UCC-SHAPE-CREATED-INTEGER's and the schema's verdict
        if not EARLIEST_TIMESTAMP <= stamp <= latest:
            in_ms = stamp > latest and stamp // 1000 <= latest
            why = note("M22", f"{name} in milliseconds") if in_ms else ""
            raise ConformanceFailure(
                f"{name} is {stamp}: not a Unix time in seconds between "
                f"{_date(EARLIEST_TIMESTAMP)} and {_date(latest)}{why}",
                (exchange,),
            )


# --- choices ----------------------------------------------------------------------------------
def choices_of(body: dict[str, Any]) -> list[Any]:
    """The choices, or none when there is no list of them (that is another check's verdict)."""
    choices = body.get("choices")
    return choices if isinstance(choices, list) else []


def expect_choices_well_formed(body: dict[str, Any], exchange: Exchange) -> None:
    """`choices` is a list (empty allowed, as in the official schema); each has an integer
    index, an assistant message and a documented finish reason."""
    choices = body.get("choices")
    if not isinstance(choices, list):
        raise ConformanceFailure(f"choices is not an array: {as_json(choices, 120)}", (exchange,))
    for n, choice in enumerate(choices):
        message = choice.get("message") if isinstance(choice, dict) else None
        problems = []
        if not isinstance(choice, dict) or type(choice.get("index")) is not int:
            problems.append("no integer index")
        if not isinstance(message, dict) or message.get("role") != "assistant":
            role = message.get("role") if isinstance(message, dict) else None
            problems.append(f'message.role is {as_json(role, 40)}, not "assistant"')
        reason = choice.get("finish_reason") if isinstance(choice, dict) else None
        if reason not in FINISH_REASONS:
            problems.append(
                f"finish_reason {as_json(reason, 40)} is not one of {', '.join(FINISH_REASONS)}"
                + note("M24", "a finish_reason of another backend")
            )
        if problems:
            raise ConformanceFailure(f"choices[{n}]: {'; '.join(problems)}", (exchange,))


def expect_choice_indexes_are_positions(body: dict[str, Any], exchange: Exchange) -> None:
    """Each choice's integer index is its position in the list (a missing index is
    another requirement's verdict)."""
    for n, choice in enumerate(choices_of(body)):
        index = choice.get("index") if isinstance(choice, dict) else None
        if type(index) is int and index != n:
            raise ConformanceFailure(
                f"choices[{n}].index is {index}: the index of a choice is its position in "
                f"the list, {n}" + note("M25", "choices numbered otherwise"),
                (exchange,),
            )


def expect_logprobs_and_refusal_fields(body: dict[str, Any], exchange: Exchange) -> None:
    """Each choice has a logprobs field and its message a refusal field (null allowed)."""
    for n, choice in enumerate(choices_of(body)):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(choice, dict) or "logprobs" not in choice:
            raise ConformanceFailure(f"choices[{n}] has no logprobs field", (exchange,))
        if not isinstance(message, dict) or "refusal" not in message:
            raise ConformanceFailure(f"choices[{n}].message has no refusal field", (exchange,))


def expect_message_content(body: dict[str, Any], exchange: Exchange) -> None:
    """Each choice's message has a content field, a string or null."""
    for n, choice in enumerate(choices_of(body)):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict) or "content" not in message:
            raise ConformanceFailure(f"choices[{n}].message has no content field", (exchange,))
        if message["content"] is not None and not isinstance(message["content"], str):
            raise ConformanceFailure(
                f"choices[{n}].message.content is {as_json(message['content'], 80)}, "
                "not a string or null",
                (exchange,),
            )


def _logprob_problems(entry: Any, where: str) -> list[str]:
    """What is wrong with one token entry of logprobs, as the page describes it."""
    if not isinstance(entry, dict):
        return [f"{where} is not an object"]
    problems = []
    if not isinstance(entry.get("token"), str):
        problems.append(f"{where}.token is not a string")
    logprob = entry.get("logprob")
    if isinstance(logprob, bool) or not isinstance(logprob, int | float):
        problems.append(f"{where}.logprob is {as_json(logprob, 40)}, not a number")
    elif logprob > 0:
        why = note("M31", "a probability given as logprob") if logprob <= 1 else ""
        problems.append(f"{where}.logprob is {logprob}: a log probability is at most 0{why}")
    data = entry.get("bytes")
    if data is not None and not (
        isinstance(data, list) and all(type(b) is int and 0 <= b <= 255 for b in data)
    ):
        problems.append(f"{where}.bytes is {as_json(data, 60)}, not null or UTF-8 byte values")
    return problems


def expect_log_probabilities(body: dict[str, Any], exchange: Exchange) -> int:
    """Every token entry of every choice's logprobs (content and refusal, their top_logprobs
    too) has a string token, a log probability (a number, at most 0) and byte values. The
    number of entries judged: none means nothing was observed."""
    problems = []
    judged = 0
    for n, choice in enumerate(choices_of(body)):
        logprobs = choice.get("logprobs") if isinstance(choice, dict) else None
        for part in ("content", "refusal"):
            entries = logprobs.get(part) if isinstance(logprobs, dict) else None
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                where = f"choices[{n}].logprobs.{part}[{i}]"
                problems += _logprob_problems(entry, where)
                judged += 1
                tops = entry.get("top_logprobs") if isinstance(entry, dict) else None
                for j, top in enumerate(tops if isinstance(tops, list) else []):
                    problems += _logprob_problems(top, f"{where}.top_logprobs[{j}]")
    if problems:
        raise ConformanceFailure("; ".join(problems[:4]), (exchange,))
    return judged


# --- usage ------------------------------------------------------------------------------------
def expect_usage_total(body: dict[str, Any], exchange: Exchange) -> None:
    """usage.total_tokens is prompt_tokens + completion_tokens, all integers; an answer
    without usage (the official schema allows that) has no total to judge."""
    usage = body.get("usage")
    if usage is None:
        pytest.skip("not observed: the answer carries no usage (the official schema allows that)")
    if not isinstance(usage, dict):
        raise ConformanceFailure(f"usage is not an object: {as_json(usage, 80)}", (exchange,))
    prompt, completion, total = (
        usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")
    )
    if not all(type(n) is int for n in (prompt, completion, total)):
        raise ConformanceFailure(
            f"usage token counts are not all integers: {as_json(usage, 200)}", (exchange,)
        )
    if total != prompt + completion:  # type: ignore[operator]
        raise ConformanceFailure(
            f"usage.total_tokens is {total}, but prompt_tokens + completion_tokens is "
            f"{prompt} + {completion}" + note("M26", "usage counts that do not add up"),
            (exchange,),
        )


def expect_usage_within_totals(body: dict[str, Any], exchange: Exchange) -> None:
    """No token count is negative and no detail exceeds its total (no usage is allowed; a
    usage that is no object is the schema's verdict)."""
    usage = body.get("usage")
    if usage is None:
        pytest.skip("not observed: the answer carries no usage (the official schema allows that)")
    if not isinstance(usage, dict):
        return
    problems = []
    for total_name, (details_name, parts) in BREAKDOWNS.items():
        total = usage.get(total_name)
        details = usage.get(details_name)
        counts = [(total_name, total)] + [
            (f"{details_name}.{part}", details.get(part))
            for part in parts
            if isinstance(details, dict)
        ]
        problems += [f"{name} is {n}" for name, n in counts if type(n) is int and n < 0]
        if type(total) is not int:
            continue
        problems += [
            f"{name} is {n}, more than {total_name} ({total})"
            for name, n in counts[1:]
            if type(n) is int and n > total
        ]
    if problems:
        raise ConformanceFailure(
            "usage does not add up: "
            + "; ".join(problems[:4])
            + note("M26", "a count outside its total"),
            (exchange,),
        )
