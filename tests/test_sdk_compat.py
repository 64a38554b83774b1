"""The official `openai` Python SDK against the reference server.

Our users call the endpoint through the official SDK, not through raw HTTP. A server that
passes the HTTP cases but whose answers the SDK cannot parse (or whose errors it maps to the
wrong exception class) is still broken for them. These tests drive the reference server with
the SDK exactly as a user would, with strict response validation switched on so that any
answer off the SDK's types fails loudly instead of being half-parsed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionDeleted

from conformance.reference.app import create_app
from conformance.reference.server import BackgroundServer

API_KEY = "sk-test-a"
WRONG_KEY = "sk-wrong-7f3a9c51e2d84b06"
MODEL = "ref-model"


def make_client(base_url: str, api_key: str = API_KEY, *, strict: bool = True) -> openai.OpenAI:
    """An SDK client as the tests use it: no retries, so the first answer is the one we see.

    `strict` turns on the SDK's own response validation: every answer must match its types.
    """
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        max_retries=0,
        _strict_response_validation=strict,
    )


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    """One reference server for the module, with a single key for tenant-a."""
    with BackgroundServer(create_app({API_KEY: "tenant-a"})) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: BackgroundServer) -> Iterator[openai.OpenAI]:
    """A strict SDK client for the reference server, closed when the module ends."""
    with make_client(server.base_url) as sdk:
        yield sdk


def create_stored(sdk: openai.OpenAI, metadata: dict[str, str] | None = None) -> ChatCompletion:
    """A stored completion of the user message "hello", created through the SDK."""
    return sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "hello"}],
        store=True,
        metadata=metadata if metadata is not None else {"suite": "sdk"},
    )


def unique_tag() -> dict[str, str]:
    """A metadata pair no other test uses, so list results are not polluted by shared state."""
    return {"batch": uuid.uuid4().hex}


# --- create and retrieve ------------------------------------------------------------------


def test_create_stored_completion_returns_chat_completion(client: openai.OpenAI) -> None:
    """Users need to create the stored completions they later update; the SDK must parse it."""
    completion = create_stored(client)

    assert isinstance(completion, ChatCompletion)
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.usage is not None
    usage = completion.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_retrieve_stored_completion_returns_same_id_and_metadata(client: openai.OpenAI) -> None:
    """Retrieve is how users check an update; it must return the object they stored."""
    created = create_stored(client)

    retrieved = client.chat.completions.retrieve(created.id)

    assert isinstance(retrieved, ChatCompletion)
    assert retrieved.id == created.id
    assert retrieved.metadata == {"suite": "sdk"}


# --- update -------------------------------------------------------------------------------


def test_update_unicode_metadata_returns_sent_map(client: openai.OpenAI) -> None:
    """The SDK's update returns the updated ChatCompletion; its metadata is exactly the sent map.

    Non-ASCII keys and an embedded quote check that the SDK's JSON and the server's agree.
    """
    completion = create_stored(client)
    sent = {"k": "v", "ünï": 'ç"ode'}

    updated = client.chat.completions.update(completion.id, metadata=sent)

    assert isinstance(updated, ChatCompletion)
    assert updated.id == completion.id
    assert updated.metadata == sent


def test_update_unicode_metadata_persists_for_retrieve(client: openai.OpenAI) -> None:
    """An update that only changes the answer and not the stored object would fool users."""
    completion = create_stored(client)
    sent = {"k": "v", "ünï": 'ç"ode'}
    client.chat.completions.update(completion.id, metadata=sent)

    retrieved = client.chat.completions.retrieve(completion.id)

    assert retrieved.metadata == sent


# --- list ---------------------------------------------------------------------------------


def test_list_metadata_filter_matching_value_includes_completion(client: openai.OpenAI) -> None:
    """The SDK sends `metadata[k]=v`; the server must read that form to find updated objects."""
    tag = unique_tag()
    completion = create_stored(client)
    client.chat.completions.update(completion.id, metadata={"k": "v", **tag})

    ids = [item.id for item in client.chat.completions.list(metadata={"k": "v", **tag})]

    assert ids == [completion.id]


def test_list_metadata_filter_other_value_excludes_completion(client: openai.OpenAI) -> None:
    """A filter that matched every value would make metadata useless for finding objects."""
    tag = unique_tag()
    completion = create_stored(client)
    client.chat.completions.update(completion.id, metadata={"k": "v", **tag})

    ids = [item.id for item in client.chat.completions.list(metadata={"k": "other", **tag})]

    assert completion.id not in ids
    assert ids == []


def test_list_limit_one_auto_pagination_yields_all_in_creation_order(
    client: openai.OpenAI,
) -> None:
    """SDK auto-pagination follows `after=<last id>` until `has_more` is false; none may be lost."""
    tag = unique_tag()
    ids = [create_stored(client, tag).id for _ in range(3)]

    first_page = client.chat.completions.list(limit=1, metadata=tag)
    seen = [item.id for item in first_page]

    assert [item.id for item in first_page.data] == ids[:1]
    assert first_page.has_more is True
    assert seen == ids


def test_list_desc_limit_one_pages_newest_first(client: openai.OpenAI) -> None:
    """`order="desc"` must hold across pages, or the cursor skips or repeats objects."""
    tag = unique_tag()
    ids = [create_stored(client, tag).id for _ in range(3)]

    first_page = client.chat.completions.list(limit=1, order="desc", metadata=tag)
    seen = [item.id for item in first_page]

    assert [item.id for item in first_page.data] == ids[-1:]
    assert first_page.has_next_page()
    assert seen == list(reversed(ids))


# --- messages -----------------------------------------------------------------------------


def test_messages_list_stored_completion_returns_user_message(server: BackgroundServer) -> None:
    """The stored request messages come back through the SDK with their content and role.

    This uses the SDK's default (non-strict) validation, which is what users run: the SDK
    types `ChatCompletionStoreMessage.role` as `Literal["assistant"]`, so a strict client
    rejects the `"user"` role of a request message (see the xfail test below).
    """
    with make_client(server.base_url, strict=False) as loose:
        completion = create_stored(loose)

        messages = list(loose.chat.completions.messages.list(completion.id))

    assert [(m.role, m.content) for m in messages] == [("user", "hello")]


@pytest.mark.xfail(
    strict=True,
    raises=openai.APIResponseValidationError,
    reason="openai SDK types ChatCompletionStoreMessage.role as Literal['assistant'], so strict "
    "validation rejects stored user messages; remove this marker once the SDK accepts them",
)
def test_messages_list_strict_client_user_role_parses(client: openai.OpenAI) -> None:
    """Pins the SDK limitation: once the SDK widens the role type this XPASSes and fails the run."""
    completion = create_stored(client)

    messages = list(client.chat.completions.messages.list(completion.id))

    assert [(m.role, m.content) for m in messages] == [("user", "hello")]


# --- delete -------------------------------------------------------------------------------


def test_delete_stored_completion_returns_deleted_object(client: openai.OpenAI) -> None:
    """The SDK parses the delete answer as ChatCompletionDeleted; a wrong shape breaks it."""
    completion = create_stored(client)

    deleted = client.chat.completions.delete(completion.id)

    assert isinstance(deleted, ChatCompletionDeleted)
    assert deleted.id == completion.id
    assert deleted.deleted is True
    assert deleted.object == "chat.completion.deleted"


def test_update_deleted_completion_raises_not_found(client: openai.OpenAI) -> None:
    """Updating a deleted object must be a 404 the SDK maps to NotFoundError, not a success."""
    completion = create_stored(client)
    client.chat.completions.delete(completion.id)

    with pytest.raises(openai.NotFoundError):
        client.chat.completions.update(completion.id, metadata={})


def test_retrieve_deleted_completion_raises_not_found(client: openai.OpenAI) -> None:
    """After delete the object is gone for retrieve too, as NotFoundError in the SDK."""
    completion = create_stored(client)
    client.chat.completions.delete(completion.id)

    with pytest.raises(openai.NotFoundError):
        client.chat.completions.retrieve(completion.id)


# --- invalid updates ----------------------------------------------------------------------


def test_update_seventeen_pairs_raises_bad_request_with_error_envelope(
    client: openai.OpenAI,
) -> None:
    """The SDK does not check the 16-pair limit; the server's 400 must reach users parsed.

    `.code`, `.param` and `.body` come from the `{"error": {...}}` envelope; a different shape
    leaves them empty and users cannot tell which rule they broke.
    """
    completion = create_stored(client)
    too_many = {f"key{i}": "value" for i in range(17)}

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.update(completion.id, metadata=too_many)

    error = caught.value
    assert error.status_code == 400
    assert isinstance(error.code, str) and error.code
    assert error.param == "metadata"
    assert isinstance(error.body, dict)
    assert isinstance(error.body.get("message"), str) and error.body["message"]


def test_update_non_string_value_raises_bad_request(client: openai.OpenAI) -> None:
    """The SDK sends a non-string value as is; the server must reject it as a 400."""
    completion = create_stored(client)

    with pytest.raises(openai.BadRequestError):
        client.chat.completions.update(completion.id, metadata={"k": 1})  # type: ignore[dict-item]


def test_update_rejected_body_leaves_metadata_unchanged(client: openai.OpenAI) -> None:
    """A rejected update must not half-apply: users retry after a 400 and expect the old map."""
    completion = create_stored(client)

    with pytest.raises(openai.BadRequestError):
        client.chat.completions.update(
            completion.id, metadata={f"key{i}": "value" for i in range(17)}
        )

    assert client.chat.completions.retrieve(completion.id).metadata == {"suite": "sdk"}


# --- authentication -----------------------------------------------------------------------


def test_update_wrong_api_key_raises_authentication_error_without_key(
    client: openai.OpenAI, server: BackgroundServer
) -> None:
    """A wrong key is a 401 (AuthenticationError), and the message must not echo the key.

    Exception messages end up in logs; echoing the key would leak a (possibly real) secret.
    """
    completion = create_stored(client)

    with (
        make_client(server.base_url, WRONG_KEY) as wrong,
        pytest.raises(openai.AuthenticationError) as caught,
    ):
        wrong.chat.completions.update(completion.id, metadata={"a": "b"})

    assert caught.value.status_code == 401
    assert WRONG_KEY not in str(caught.value)
    assert client.chat.completions.retrieve(completion.id).metadata == {"suite": "sdk"}


# --- unstored completions -----------------------------------------------------------------


def test_update_unstored_completion_raises_not_found(client: openai.OpenAI) -> None:
    """Only completions created with store=True can be modified; others are unknown (404)."""
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hello"}], store=False
    )
    assert isinstance(completion, ChatCompletion)

    with pytest.raises(openai.NotFoundError):
        client.chat.completions.update(completion.id, metadata={"a": "b"})
