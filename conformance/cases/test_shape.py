"""The chat completion object an update returns, field by field as the page documents it."""

from __future__ import annotations

import pytest

from conformance.client import Client
from conformance.expect import FINISH_REASONS, accepted_body
from conformance.failures import ConformanceFailure
from conformance.target import Completion


@pytest.mark.requirement("UCC-SHAPE-USAGE-TOTAL")
def test_usage_total_is_prompt_plus_completion(api: Client, stored: Completion) -> None:
    """MUST: "Total number of tokens used in the request (prompt + completion)." """
    exchange = api.update(stored.id, {"metadata": {"ucc_case": "usage"}})
    usage = accepted_body(exchange).get("usage")
    if not isinstance(usage, dict):
        raise ConformanceFailure(
            f"the answer has no usage object (usage: {usage!r:.80})", (exchange,)
        )
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
            f"{prompt} + {completion}",
            (exchange,),
        )


@pytest.mark.requirement("UCC-SHAPE-CREATED-INTEGER")
def test_created_is_an_integer(api: Client, stored: Completion) -> None:
    """MUST: "created integer The Unix timestamp (in seconds) of when the chat completion was
    created." """
    exchange = api.update(stored.id, {"metadata": {"ucc_case": "created"}})
    created = accepted_body(exchange).get("created")
    if type(created) is not int:
        raise ConformanceFailure(
            f"created is {type(created).__name__} {created!r:.40}, not an integer", (exchange,)
        )


@pytest.mark.requirement("UCC-SHAPE-CHOICES")
def test_choices_carry_index_assistant_role_and_finish_reason(
    api: Client, stored: Completion
) -> None:
    """MUST: "choices array A list of chat completion choices." """
    exchange = api.update(stored.id, {"metadata": {"ucc_case": "choices"}})
    choices = accepted_body(exchange).get("choices")
    if not isinstance(choices, list) or not choices:
        raise ConformanceFailure(f"choices is not a non-empty array: {choices!r:.120}", (exchange,))
    for n, choice in enumerate(choices):
        message = choice.get("message") if isinstance(choice, dict) else None
        problems = []
        if not isinstance(choice, dict) or type(choice.get("index")) is not int:
            problems.append("no integer index")
        elif choice["index"] != n:  # "The index of the choice in the list of choices."
            problems.append(f"index is {choice['index']}, but the choice is at position {n}")
        if not isinstance(message, dict) or message.get("role") != "assistant":
            role = message.get("role") if isinstance(message, dict) else None
            problems.append(f"message.role is {role!r:.40}, not 'assistant'")
        reason = choice.get("finish_reason") if isinstance(choice, dict) else None
        if reason not in FINISH_REASONS:
            problems.append(
                f"finish_reason {reason!r:.40} is not one of {', '.join(FINISH_REASONS)}"
            )
        if problems:
            raise ConformanceFailure(f"choices[{n}]: {'; '.join(problems)}", (exchange,))


@pytest.mark.requirement("UCC-SHAPE-LOGPROBS-REFUSAL")
def test_choices_carry_logprobs_and_refusal(api: Client, stored: Completion) -> None:
    """SHOULD: "logprobs object or null ... refusal string or null": present, null allowed."""
    exchange = api.update(stored.id, {"metadata": {"ucc_case": "logprobs"}})
    choices = accepted_body(exchange).get("choices")
    for n, choice in enumerate(choices if isinstance(choices, list) else []):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(choice, dict) or "logprobs" not in choice:
            raise ConformanceFailure(f"choices[{n}] has no logprobs field", (exchange,))
        if not isinstance(message, dict) or "refusal" not in message:
            raise ConformanceFailure(f"choices[{n}].message has no refusal field", (exchange,))


@pytest.mark.requirement("UCC-SHAPE-MESSAGE-CONTENT")
def test_choice_messages_carry_content(api: Client, stored: Completion) -> None:
    """SHOULD: "content string or null The contents of the message.": present, null allowed."""
    exchange = api.update(stored.id, {"metadata": {"ucc_case": "content"}})
    choices = accepted_body(exchange).get("choices")
    for n, choice in enumerate(choices if isinstance(choices, list) else []):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict) or "content" not in message:
            raise ConformanceFailure(f"choices[{n}].message has no content field", (exchange,))
        if message["content"] is not None and not isinstance(message["content"], str):
            raise ConformanceFailure(
                f"choices[{n}].message.content is {message['content']!r:.80}, not a string or null",
                (exchange,),
            )


# Every count the page lists under usage, each documented as a number of tokens.
USAGE_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")
USAGE_DETAILS = ("prompt_tokens_details", "completion_tokens_details")


@pytest.mark.requirement("UCC-SHAPE-USAGE-COUNTS")
def test_usage_counts_are_not_negative(api: Client, stored: Completion) -> None:
    """MUST: "Number of tokens in the prompt." A number of tokens is never below zero."""
    exchange = api.update(stored.id, {"metadata": {"ucc_case": "usage-counts"}})
    usage = accepted_body(exchange).get("usage")
    if not isinstance(usage, dict):
        raise ConformanceFailure(
            f"the answer has no usage object (usage: {usage!r:.80})", (exchange,)
        )
    counts = {name: usage.get(name) for name in USAGE_COUNTS}
    for details in USAGE_DETAILS:
        if isinstance(usage.get(details), dict):
            counts.update({f"{details}.{k}": v for k, v in usage[details].items()})
    # Only the sign is judged here: whether the counts are integers is UCC-SHAPE-USAGE-TOTAL's
    # and the schema's, and a detail the target leaves null claims no count.
    negative = [
        f"{name} is {value!r:.40}"
        for name, value in counts.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0
    ]
    if negative:
        raise ConformanceFailure(f"usage counts below zero: {'; '.join(negative[:4])}", (exchange,))
