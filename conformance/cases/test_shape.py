"""The chat completion object an update returns, field by field as the page documents it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from conformance.client import Client
from conformance.expect import FINISH_REASONS, accepted_body
from conformance.failures import ConformanceFailure
from conformance.mechanisms import note
from conformance.samples import CASE
from conformance.target import Completion

# "The Unix timestamp (in seconds)": no chat completion predates 2015, and a timestamp in
# milliseconds is a thousand times later than the suite's clock.
EARLIEST_TIMESTAMP = 1_420_070_400  # 2015-01-01T00:00:00Z
CLOCK_SKEW_S = 86_400  # the target's clock may run ahead of the suite's by up to a day
LATEST_EXPIRY = 4_102_444_800  # 2100-01-01: audio.expires_at lies ahead, never this far
# "completion_tokens_details ... prompt_tokens_details": the documented counts, each part of
# its total ("these tokens are still counted in the total completion tokens";
# "Cached tokens present in the prompt.").
BREAKDOWNS = {
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


@pytest.mark.requirement("UCC-SHAPE-USAGE-TOTAL")
def test_usage_total_is_prompt_plus_completion(api: Client, stored: Completion) -> None:
    """MUST: "Total number of tokens used in the request (prompt + completion)." """
    exchange = api.update(stored.id, {"metadata": {CASE: "usage"}})
    usage = accepted_body(exchange).get("usage")
    if usage is None:
        pytest.skip("the answer carries no usage (the official schema allows that): no total")
    if not isinstance(usage, dict):
        raise ConformanceFailure(f"usage is not an object: {usage!r:.80}", (exchange,))
    prompt, completion, total = (
        usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")
    )
    if not all(type(n) is int for n in (prompt, completion, total)):
        raise ConformanceFailure(
            f"usage token counts are not all integers: {usage!r:.200}", (exchange,)
        )
    if total != prompt + completion:  # type: ignore[operator]
        raise ConformanceFailure(
            f"usage.total_tokens is {total}, but prompt_tokens + completion_tokens is "
            f"{prompt} + {completion}" + note("M26", "usage counts that do not add up"),
            (exchange,),
        )


@pytest.mark.requirement("UCC-SHAPE-CREATED-INTEGER")
def test_created_is_an_integer(api: Client, stored: Completion) -> None:
    """MUST: "The Unix timestamp (in seconds) of when the chat completion was created." """
    exchange = api.update(stored.id, {"metadata": {CASE: "created"}})
    created = accepted_body(exchange).get("created")
    if type(created) is not int:
        why = note("M23", "created serialized as a string") if isinstance(created, str) else ""
        raise ConformanceFailure(
            f"created is {type(created).__name__} {created!r:.40}, not an integer{why}",
            (exchange,),
        )


@pytest.mark.requirement("UCC-SHAPE-CHOICES")
def test_choices_carry_index_assistant_role_and_finish_reason(
    api: Client, stored: Completion
) -> None:
    """MUST: "A list of chat completion choices." """
    exchange = api.update(stored.id, {"metadata": {CASE: "choices"}})
    choices = accepted_body(exchange).get("choices")
    if not isinstance(choices, list):  # an empty list is allowed, as in the official schema
        raise ConformanceFailure(f"choices is not an array: {choices!r:.120}", (exchange,))
    for n, choice in enumerate(choices):
        message = choice.get("message") if isinstance(choice, dict) else None
        problems = []
        if not isinstance(choice, dict) or type(choice.get("index")) is not int:
            problems.append("no integer index")
        if not isinstance(message, dict) or message.get("role") != "assistant":
            role = message.get("role") if isinstance(message, dict) else None
            problems.append(f"message.role is {role!r:.40}, not 'assistant'")
        reason = choice.get("finish_reason") if isinstance(choice, dict) else None
        if reason not in FINISH_REASONS:
            problems.append(
                f"finish_reason {reason!r:.40} is not one of {', '.join(FINISH_REASONS)}"
                + note("M24", "a finish_reason of another backend")
            )
        if problems:
            raise ConformanceFailure(f"choices[{n}]: {'; '.join(problems)}", (exchange,))


@pytest.mark.requirement("UCC-SHAPE-LOGPROBS-REFUSAL")
def test_choices_carry_logprobs_and_refusal(api: Client, stored: Completion) -> None:
    """SHOULD: "Log probability information for the choice." Each choice carries logprobs and its
    message refusal ("string or null"): present, null allowed."""
    exchange = api.update(stored.id, {"metadata": {CASE: "logprobs"}})
    choices = accepted_body(exchange).get("choices")
    for n, choice in enumerate(choices if isinstance(choices, list) else []):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(choice, dict) or "logprobs" not in choice:
            raise ConformanceFailure(f"choices[{n}] has no logprobs field", (exchange,))
        if not isinstance(message, dict) or "refusal" not in message:
            raise ConformanceFailure(f"choices[{n}].message has no refusal field", (exchange,))


def _choices(body: dict[str, Any]) -> list[Any]:
    choices = body.get("choices")
    return choices if isinstance(choices, list) else []


def _date(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


@pytest.mark.requirement("UCC-SHAPE-TIMESTAMPS-SECONDS")
def test_timestamps_are_unix_seconds(api: Client, stored: Completion) -> None:
    """MUST: "The Unix timestamp (in seconds) of when the chat completion was created." """
    exchange = api.update(stored.id, {"metadata": {CASE: "timestamps"}})
    body = accepted_body(exchange)
    latest_created = time.time() + CLOCK_SKEW_S
    stamps = [("created", body.get("created"), latest_created)]
    for n, choice in enumerate(_choices(body)):
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


@pytest.mark.requirement("UCC-SHAPE-CHOICE-INDEX")
def test_choice_index_is_its_position(api: Client, stored: Completion) -> None:
    """MUST: "The index of the choice in the list of choices." """
    exchange = api.update(stored.id, {"metadata": {CASE: "choice-index"}})
    for n, choice in enumerate(_choices(accepted_body(exchange))):
        index = choice.get("index") if isinstance(choice, dict) else None
        if type(index) is int and index != n:  # a missing index is UCC-SHAPE-CHOICES' verdict
            raise ConformanceFailure(
                f"choices[{n}].index is {index}: the index of a choice is its position in "
                f"the list, {n}" + note("M25", "choices numbered otherwise"),
                (exchange,),
            )


@pytest.mark.requirement("UCC-SHAPE-USAGE-BREAKDOWN")
def test_usage_breakdown_stays_within_its_totals(api: Client, stored: Completion) -> None:
    """MUST: "However, like reasoning tokens, these tokens are still counted in the total
    completion tokens for purposes of billing, output, and context window limits." """
    exchange = api.update(stored.id, {"metadata": {CASE: "usage-breakdown"}})
    usage = accepted_body(exchange).get("usage")
    if not isinstance(usage, dict):
        return  # no usage is allowed; a usage that is not an object is the schema's verdict
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


def _logprob_problems(entry: Any, where: str) -> list[str]:
    """What is wrong with one token entry of logprobs, as the page describes it."""
    if not isinstance(entry, dict):
        return [f"{where} is not an object"]
    problems = []
    if not isinstance(entry.get("token"), str):
        problems.append(f"{where}.token is not a string")
    logprob = entry.get("logprob")
    if isinstance(logprob, bool) or not isinstance(logprob, int | float):
        problems.append(f"{where}.logprob is {logprob!r:.40}, not a number")
    elif logprob > 0:
        why = note("M31", "a probability given as logprob") if logprob <= 1 else ""
        problems.append(f"{where}.logprob is {logprob}: a log probability is at most 0{why}")
    data = entry.get("bytes")
    if data is not None and not (
        isinstance(data, list) and all(type(b) is int and 0 <= b <= 255 for b in data)
    ):
        problems.append(f"{where}.bytes is {data!r:.60}, not null or UTF-8 byte values")
    return problems


@pytest.mark.requirement("UCC-SHAPE-LOGPROBS-VALUES")
def test_logprobs_are_log_probabilities(api: Client, stored: Completion) -> None:
    """MUST: "The log probability of this token, if it is within the top 20 most likely tokens.
    Otherwise, the value-9999.0 is used to signify that the token is very unlikely." """
    exchange = api.update(stored.id, {"metadata": {CASE: "logprobs-values"}})
    problems = []
    for n, choice in enumerate(_choices(accepted_body(exchange))):
        logprobs = choice.get("logprobs") if isinstance(choice, dict) else None
        for part in ("content", "refusal"):
            entries = logprobs.get(part) if isinstance(logprobs, dict) else None
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                where = f"choices[{n}].logprobs.{part}[{i}]"
                problems += _logprob_problems(entry, where)
                tops = entry.get("top_logprobs") if isinstance(entry, dict) else None
                for j, top in enumerate(tops if isinstance(tops, list) else []):
                    problems += _logprob_problems(top, f"{where}.top_logprobs[{j}]")
    if problems:
        raise ConformanceFailure("; ".join(problems[:4]), (exchange,))


@pytest.mark.requirement("UCC-SHAPE-MESSAGE-CONTENT")
def test_choice_messages_carry_content(api: Client, stored: Completion) -> None:
    """SHOULD: "The contents of the message." Present in every message, a string or null."""
    exchange = api.update(stored.id, {"metadata": {CASE: "content"}})
    for n, choice in enumerate(_choices(accepted_body(exchange))):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict) or "content" not in message:
            raise ConformanceFailure(f"choices[{n}].message has no content field", (exchange,))
        if message["content"] is not None and not isinstance(message["content"], str):
            raise ConformanceFailure(
                f"choices[{n}].message.content is {message['content']!r:.80}, not a string or null",
                (exchange,),
            )
