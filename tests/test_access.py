"""Reaching a target where it is deployed (conformance.access): what the options mean, what
every request then carries, and how a transcript shows it without a secret.

The client is pinned with `httpx.MockTransport` (no socket); the runs against deployed-like
servers are tests/test_deployments.py.
"""

from __future__ import annotations

import httpx
import pytest

from conformance.access import Access, Extra, merge, parse_create_extra, parse_header, parse_query
from conformance.client import Client, Exchange
from conformance.options import Options
from conformance.transcript import REDACTED, Redactor, curl_command, format_exchange

BASE_URL = "http://target.test/openai/v1"
KEY = "sk-access-test-0123456789abcdef"
OTHER = "sk-access-other-0123456789abcdef"
TOKEN = "gateway-token-0123456789abcdef"
SIG = "sv=2024&sig=a/b+c=="


def azure_like() -> Access:
    return Access(
        auth_header="api-key",
        headers=(
            parse_header(f"cf-aig-authorization: Bearer {TOKEN}", "--header"),
            parse_header("HTTP-Referer: https://example.test", "--header"),
            parse_header("X-Trace: visible-but-marked", "--secret-header", secret=True),
        ),
        query=(parse_query("api-version=2024-10-21", "--query"), parse_query(f"sig={SIG}", "-")),
        create_extra={"max_completion_tokens": 64},
    )


def mock_client(access: Access) -> tuple[Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "chatcmpl-1", "object": "chat.completion"})

    return Client(BASE_URL, KEY, transport=httpx.MockTransport(answer), access=access), seen


def test_every_request_carries_the_key_header_extra_headers_and_query() -> None:
    """Azure OpenAI's preview API behind a gateway: the bare key in api-key, api-version on
    every request, the gateway's token; a list keeps its own parameters beside them."""
    client, seen = mock_client(azure_like())
    client.update("chatcmpl-1", {"metadata": {}})
    client.list({"metadata[k]": "v"})
    client.retrieve("chatcmpl-1", key=None)
    for request in seen:
        assert request.headers["cf-aig-authorization"] == f"Bearer {TOKEN}"
        assert request.headers["http-referer"] == "https://example.test"
        assert request.url.params["api-version"] == "2024-10-21"
        assert request.url.params["sig"] == SIG
        assert "authorization" not in request.headers
    assert seen[0].headers["api-key"] == KEY
    assert seen[1].url.params["metadata[k]"] == "v"
    assert "api-key" not in seen[2].headers  # the missing-key case sends no key at all


def test_creates_get_the_extra_fields_and_updates_never_do() -> None:
    client, seen = mock_client(azure_like())
    client.create({"model": "m", "messages": [], "store": True})
    client.update("chatcmpl-1", {"metadata": {"a": "b"}})
    assert b'"max_completion_tokens":64' in seen[0].content
    assert seen[1].content == b'{"metadata":{"a":"b"}}'


def test_default_access_sends_the_key_as_a_bearer_token() -> None:
    client, seen = mock_client(Access())
    client.retrieve("chatcmpl-1")
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert seen[0].url.query == b""


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("cf-aig-authorization", True),
        ("Helicone-Auth", True),
        ("x-portkey-api-key", True),
        ("X-Amz-Security-Token", True),
        ("X-Signature", True),
        ("Cookie", True),
        ("sig", True),
        ("HTTP-Referer", False),
        ("X-Title", False),
        ("X-Design", False),
    ],
    ids=lambda value: str(value),
)
def test_a_header_whose_name_says_it_is_a_credential_is_secret(name: str, secret: bool) -> None:
    header = parse_header(f"{name}:value-of-it", "--header")
    assert header.secret is secret
    assert (header.variable is not None) is secret


def test_transcript_redacts_every_credential_and_shows_the_rest() -> None:
    """The key in api-key, a secret header and a secret query parameter are [REDACTED] in the
    lines and named as environment variables in the curl line; a plain header is shown."""
    client, _ = mock_client(azure_like())
    exchange = client.update("chatcmpl-1", {"metadata": {}})
    text = format_exchange(exchange, Redactor([KEY], azure_like()))
    for secret in (KEY, TOKEN, SIG, "visible-but-marked", "a%2Fb%2Bc%3D%3D"):
        assert secret not in text
    assert f"> api-key: {REDACTED}" in text
    assert f"> cf-aig-authorization: {REDACTED}" in text
    assert "> http-referer: https://example.test" in text
    curl = text.splitlines()[-1]
    assert '-H "api-key: $OPENAI_API_KEY"' in curl
    assert '-H "cf-aig-authorization: $UCC_HEADER_CF_AIG_AUTHORIZATION"' in curl
    assert '-H "X-Trace: $UCC_HEADER_X_TRACE"' in curl
    assert "-H 'HTTP-Referer: https://example.test'" in curl
    assert "api-version=2024-10-21&sig=${UCC_QUERY_SIG}" in curl


def test_curl_line_names_the_second_keys_variable_in_the_key_header() -> None:
    """Azure's api-key header carries the second key bare: the line names its variable."""
    client, _ = mock_client(azure_like())
    exchange = client.update("chatcmpl-1", {"metadata": {}}, key=OTHER)
    curl = curl_command(exchange, access=azure_like(), variables={OTHER: "OTHER_KEY_VAR"})
    assert '-H "api-key: $OTHER_KEY_VAR"' in curl
    assert OTHER not in curl and "$OPENAI_API_KEY" not in curl


def test_curl_line_without_a_secret_parameter_quotes_the_url_as_before() -> None:
    exchange = Exchange("GET", f"{BASE_URL}/chat/completions/x?api-version=1", {}, None)
    assert f"'{BASE_URL}/chat/completions/x?api-version=1'" in curl_command(exchange)


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_header, "no-colon-here", "--x must be NAME:VALUE, got no colon in a 13-character"),
        (parse_header, ": value", "--x must be NAME:VALUE, got an empty name"),
        (parse_header, "bad name:v", "--x: 'bad name' is no HTTP header name"),
        (parse_header, "content-type:text/plain", "--x: the suite sets content-type itself"),
        (parse_header, "x-h:line\nbreak", "--x x-h: the value must be printable ASCII"),
        (parse_query, "api-version", "--x must be NAME=VALUE, got no '=' in a 11-character"),
        (parse_query, "=2024", "--x must be NAME=VALUE, got an empty name"),
    ],
    ids=["no-colon", "empty-name", "space-in-name", "reserved", "line-break", "no-equals", "empty"],
)
def test_a_malformed_value_is_one_usage_error_that_never_repeats_it(
    parse: object, text: str, message: str
) -> None:
    with pytest.raises(pytest.UsageError) as raised:
        parse(text, "--x")  # type: ignore[operator]
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
    value = text.partition(":" if parse is parse_header else "=")[2]
    assert (value or text) not in str(raised.value)  # it may be a secret


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{bad", "must be a JSON object, e.g. '{\"max_tokens\": 0}': Expecting property name"),
        ("[1]", "must be a JSON object, e.g. '{\"max_tokens\": 0}', got a JSON array"),
        ('"x"', "got a JSON string"),
        ('{"model": "x", "store": false}', "must not set model, store: the suite sets"),
    ],
    ids=["not-json", "array", "string", "suite-fields"],
)
def test_create_extra_must_be_a_json_object_of_the_targets_own_fields(
    text: str, message: str
) -> None:
    with pytest.raises(pytest.UsageError, match=r"^--create-extra ") as raised:
        parse_create_extra(text, "--create-extra")
    assert message in str(raised.value)


def test_merge_lets_the_higher_source_replace_a_header_of_any_case() -> None:
    low = (Extra("X-Tag", "profile"), Extra("X-Only-Low", "1"))
    high = (Extra("x-tag", "command line"),)
    merged = merge([low, (), high], fold_case=True)
    assert [(e.name, e.value) for e in merged] == [("x-tag", "command line"), ("X-Only-Low", "1")]


def test_a_header_in_the_key_header_is_a_usage_error() -> None:
    with pytest.raises(pytest.UsageError, match="--header Api-Key: the API key goes in"):
        Access(auth_header="api-key", headers=(Extra("Api-Key", "x"),))


def test_options_merge_headers_over_environment_and_command_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The variable holds one NAME:VALUE a line; the command line wins a name it gives too."""
    monkeypatch.setenv("CONFORMANCE_HEADERS", "X-Tag: from-env\nX-Env: 1\n")
    config = pytester.parseconfig(
        "-p", "conformance.plugin", "--header=x-tag:from-cli", "--header", "X-Cli: 2"
    )
    headers = Options(config).get("header")
    assert [(h.name, h.value) for h in headers] == [
        ("x-tag", "from-cli"),
        ("X-Env", "1"),
        ("X-Cli", "2"),
    ]
    monkeypatch.setenv("CONFORMANCE_QUERY", "novalue")
    with pytest.raises(pytest.UsageError, match=r"^\$CONFORMANCE_QUERY must be NAME=VALUE"):
        Options(pytester.parseconfig("-p", "conformance.plugin")).get("query")
