"""`stream: true` against the reference server, read by the official SDK's streaming client.

A developer building against the reference server calls create with `stream=True` as they
would against OpenAI; the SDK must get chunks it parses (strict validation on), ending with
`data: [DONE]`, with the usage in a last chunk only when `stream_options.include_usage` asks.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from conformance.reference import BackgroundServer, create_app

API_KEY = "sk-test-stream"


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app({API_KEY: "tenant-a"})) as running:
        yield running


@pytest.fixture(scope="module")
def sdk(server: BackgroundServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=server.base_url, api_key=API_KEY, max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


def test_sdk_streams_the_answer_and_the_usage(sdk: openai.OpenAI) -> None:
    """The deltas join to the non-streamed answer; the usage comes last, with no choices."""
    stream = sdk.chat.completions.create(
        model="ref-model",
        messages=[{"role": "user", "content": "stream these four words"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: stream these four words"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])


def test_stream_without_include_usage_has_no_usage_chunk(sdk: openai.OpenAI) -> None:
    """Usage is sent only when asked, as OpenAI does."""
    chunks = list(
        sdk.chat.completions.create(
            model="ref-model", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )

    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)


def test_streamed_stored_completion_is_retrievable(sdk: openai.OpenAI) -> None:
    """`store: true` keeps a streamed completion as it keeps any other, under the chunks' id."""
    chunks = list(
        sdk.chat.completions.create(
            model="ref-model",
            messages=[{"role": "user", "content": "keep me"}],
            stream=True,
            store=True,
            metadata={"via": "stream"},
        )
    )

    stored = sdk.chat.completions.retrieve(chunks[0].id)

    assert stored.choices[0].message.content == "Echo: keep me"
    assert stored.metadata == {"via": "stream"}


def test_stream_is_server_sent_events_ending_with_done(server: BackgroundServer) -> None:
    """On the wire: text/event-stream, `data:` lines, and `data: [DONE]` last."""
    answer = httpx.post(
        f"{server.base_url}/chat/completions",
        headers={"authorization": f"Bearer {API_KEY}"},
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True},
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = [line for line in answer.text.split("\n\n") if line]
    assert all(event.startswith("data: ") for event in events)
    assert events[-1] == "data: [DONE]"
