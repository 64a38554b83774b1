"""The HTTP client the cases talk through: what it sends, and how it turns trouble into data.

Every case's verdict rests on `Client.send` reporting the wire faithfully and never raising,
so these pin its contract with `httpx.MockTransport` (no socket), and with a real loopback
socket where only the kernel can produce the condition (a silent server).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from conformance.client import MAX_BODY_BYTES, Client, UnreadableBody
from conformance.expect import expect_json_object
from conformance.failures import ConformanceFailure

BASE_URL = "http://target.test/v1"
KEY = "sk-client-test-0123456789"

Handler = Callable[[httpx.Request], httpx.Response]


def mock_client(
    handler: Handler, *, max_body_bytes: int = MAX_BODY_BYTES
) -> tuple[Client, list[httpx.Request]]:
    """A Client on a MockTransport; the list collects every request the transport saw."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    transport = httpx.MockTransport(record)
    client = Client(BASE_URL, KEY, max_body_bytes=max_body_bytes, transport=transport)
    return client, seen


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": "chatcmpl-1", "object": "chat.completion"})


def test_send_json_body_is_utf8_with_non_ascii_unescaped() -> None:
    """Limits count characters; a body with \\u escapes would hide what a vendor mis-counts."""
    client, seen = mock_client(ok)
    client.update("chatcmpl-1", {"metadata": {"név": "日本語 🎉"}})
    assert seen[0].content == '{"metadata":{"név":"日本語 🎉"}}'.encode()
    assert seen[0].headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("key", "expected"),
    [(KEY, f"Bearer {KEY}"), ("sk-other-key", "Bearer sk-other-key"), (None, None)],
    ids=["configured-key", "other-key", "no-key"],
)
def test_send_key_argument_sets_the_authorization_header(
    key: str | None, expected: str | None
) -> None:
    """The auth cases depend on sending exactly no key, or a chosen wrong one."""
    client, seen = mock_client(ok)
    if key == KEY:
        client.retrieve("chatcmpl-1")
    else:
        client.retrieve("chatcmpl-1", key=key)
    assert seen[0].headers.get("authorization") == expected


def test_json_of_an_html_body_names_type_and_size() -> None:
    """A gateway's HTML error page must read as such, not as a JSON decoder traceback."""
    page = b"<html><body>Bad gateway</body></html>"
    client, _ = mock_client(
        lambda r: httpx.Response(502, content=page, headers={"content-type": "text/html"})
    )
    exchange = client.retrieve("chatcmpl-1")
    with pytest.raises(UnreadableBody) as caught:
        exchange.json()
    assert str(caught.value) == f"response body is not JSON (text/html, {len(page)} bytes)"


def test_unreadable_body_is_a_failure_only_where_an_expectation_needs_json() -> None:
    """The client records; the expectation helper names the failure, with the exchange."""
    client, _ = mock_client(lambda r: httpx.Response(200, content=b"<html></html>"))
    exchange = client.retrieve("chatcmpl-1")
    assert exchange.json_object() is None
    with pytest.raises(ConformanceFailure) as caught:
        expect_json_object(exchange)
    assert caught.value.message == "response body is not JSON (no content type, 13 bytes)"
    assert caught.value.exchanges == (exchange,)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (httpx.Response(200), "HTTP 200"),
        (
            httpx.Response(307, headers={"location": "https://elsewhere.test/v1"}),
            "HTTP 307 redirect to https://elsewhere.test/v1 (not followed)",
        ),
    ],
    ids=["status", "redirect"],
)
def test_answer_says_the_status_and_where_a_redirect_points(
    answer: httpx.Response, says: str
) -> None:
    client, _ = mock_client(lambda r: answer)
    assert client.retrieve("chatcmpl-1").answer == says


@pytest.mark.parametrize(
    ("size", "truncated"), [(100, False), (101, True)], ids=["at-cap", "over-cap"]
)
def test_send_body_over_the_cap_is_truncated(size: int, truncated: bool) -> None:
    """A target streaming a huge answer must not exhaust the suite's memory."""
    client, _ = mock_client(lambda r: httpx.Response(200, content=b"x" * size), max_body_bytes=100)
    exchange = client.retrieve("chatcmpl-1")
    assert exchange.truncated is truncated
    assert len(exchange.response_body) == 100


def test_json_of_a_truncated_body_fails_naming_the_size() -> None:
    """The vendor reads how much came back and that it was cut, instead of a parse error."""
    body = b'{"pad": "' + b"x" * 500 + b'"}'
    client, _ = mock_client(
        lambda r: httpx.Response(200, content=body, headers={"content-type": "application/json"}),
        max_body_bytes=100,
    )
    exchange = client.retrieve("chatcmpl-1")
    with pytest.raises(UnreadableBody, match=r"application/json, 100\+ bytes"):
        exchange.json()


def test_json_of_a_truncated_body_names_the_clients_cap() -> None:
    """A vendor told "larger than 2000000 bytes" about a 500-byte answer is misled."""
    client, _ = mock_client(lambda r: httpx.Response(200, content=b"x" * 500), max_body_bytes=100)
    with pytest.raises(UnreadableBody, match="larger than 100 bytes"):
        client.retrieve("chatcmpl-1").json()


def test_send_transport_error_becomes_the_exchange_error() -> None:
    """A refused connection is the target's trouble: a failure to report, never a crash."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    client, _ = mock_client(refuse)
    exchange = client.update("chatcmpl-1", {"metadata": {}})
    assert exchange.error == "could not connect ([Errno 111] Connection refused)"
    assert exchange.status is None
    assert exchange.answer == "could not connect ([Errno 111] Connection refused)"
    with pytest.raises(UnreadableBody, match="could not connect"):
        exchange.json()


def test_send_lets_the_suites_own_error_through() -> None:
    """A bug of the suite (here a recursion) must surface as the suite's ERROR, never be
    turned into a network error charged to the target."""

    def broken(request: httpx.Request) -> httpx.Response:
        raise RecursionError("maximum recursion depth exceeded")

    client, _ = mock_client(broken)
    with pytest.raises(RecursionError):
        client.update("chatcmpl-1", {"metadata": {}})


def test_send_redirect_to_another_origin_is_not_followed() -> None:
    """Following a redirect would carry the API key to whatever origin the target names."""
    client, seen = mock_client(
        lambda r: httpx.Response(307, headers={"location": "https://elsewhere.test/steal"})
    )
    exchange = client.update("chatcmpl-1", {"metadata": {}})
    assert exchange.status == 307
    assert exchange.response_headers["location"] == "https://elsewhere.test/steal"
    assert [str(r.url) for r in seen] == [f"{BASE_URL}/chat/completions/chatcmpl-1"]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback TCP server that accepts and never answers; the thread ends on its own."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    done = threading.Event()

    def hold() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            done.wait(5)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    done.set()
    thread.join(6)
    listener.close()


def test_send_to_a_silent_server_times_out_as_an_error(silent_server: str) -> None:
    """A target that hangs must cost one timeout, reported in words, not hang the run."""
    client = Client(silent_server, KEY, timeout=0.3)
    started = time.monotonic()
    exchange = client.retrieve("chatcmpl-1")
    client.close()
    assert exchange.error == "no answer within 0.3 s"
    assert time.monotonic() - started < 5


# What a target can send that no careful JSON reader takes: each is an UnreadableBody saying
# why in one line, never an exception of the parser (RecursionError, ValueError) in the suite.
PATHOLOGICAL_BODIES = {
    "nested-100000-deep": (
        b"[" * 100_000 + b"]" * 100_000,
        "not usable JSON (application/json, 200000 bytes): it nests arrays and objects more "
        "than 64 levels deep; a chat completion needs about 10",
    ),
    "nested-65-deep": (b"[" * 65 + b"]" * 65, "more than 64 levels deep"),
    "number-beyond-double": (b'{"created": -1e400}', "the number -1e400 is beyond the range"),
    "integer-over-4300-digits": (
        b'{"created": ' + b"9" * 5000 + b"}",
        "the integer 99999999999999999999... (5000 digits) is beyond the range of a double",
    ),
    "integer-beyond-double": (b"[" + b"9" * 310 + b"]", "(310 digits) is beyond the range"),
    "duplicate-key": (b'{"id": "a", "x": 1, "id": "b"}', "the key 'id' appears twice"),
    "nan": (b'{"total_tokens": NaN}', "not JSON (application/json, 21 bytes): NaN is no JSON"),
    "infinity": (b"[Infinity]", "Infinity is no JSON value"),
    "byte-order-mark": (b"\xef\xbb\xbf{}", "it starts with a byte-order mark"),
    "bytes-after": (b'{"id": "a"} {"id": "b"}', "more follows the JSON value (from character 12)"),
    "event-stream": (b"data: {}\n\ndata: [DONE]\n\n", "an event stream, not one JSON value"),
    "utf-16": ('{"id": "a"}'.encode("utf-16"), "not UTF-8 (byte 0)"),
}


@pytest.mark.parametrize(
    ("body", "says"), PATHOLOGICAL_BODIES.values(), ids=PATHOLOGICAL_BODIES.keys()
)
def test_json_of_a_pathological_body_names_why_it_is_unusable(body: bytes, says: str) -> None:
    client, _ = mock_client(
        lambda r: httpx.Response(200, content=body, headers={"content-type": "application/json"})
    )
    exchange = client.retrieve("chatcmpl-1")
    with pytest.raises(UnreadableBody) as caught:
        exchange.json()
    assert says in str(caught.value)
    assert exchange.json_object() is None


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 64 + b"]" * 64,  # as deep as allowed
        b'{"a": "' + b"[{" * 100 + b'", "b": "\\\\"}',  # brackets in strings do not count
        b'[{"max": 179769313486231570000000000000000000000000000000000000000000000000}, 1.5e308]',
        b'{"a": "\\ud83c\\udf89", "a2": "x"}',
    ],
    ids=["depth-64", "brackets-in-strings", "big-but-finite-numbers", "escapes"],
)
def test_json_of_an_unusual_but_usable_body_parses(body: bytes) -> None:
    client, _ = mock_client(lambda r: httpx.Response(200, content=body))
    assert client.retrieve("chatcmpl-1").json() is not None


def test_a_body_that_never_ends_is_cut_at_the_deadline() -> None:
    """A body trickled in small pieces never trips a read timeout; the deadline (twice the
    answer timeout) cuts it, and says so."""

    def endless() -> Iterator[bytes]:
        yield b'{"id": "'
        for _ in range(200):
            time.sleep(0.01)
            yield b"x"

    client, _ = mock_client(lambda r: httpx.Response(200, content=endless()))
    client.timeout = 0.05
    exchange = client.retrieve("chatcmpl-1")
    assert exchange.error == "no complete answer within 0.1 s: the body was still arriving"
    with pytest.raises(UnreadableBody, match="no complete answer"):
        exchange.json()


def failing_once(error: Exception) -> tuple[Handler, list[int]]:
    """A handler raising `error` on its first call and answering 200 after."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise error
        return ok(request)

    return handler, calls


def test_send_get_on_a_stale_connection_is_sent_again_once() -> None:
    """A keep-alive connection the server closed is the client's race, as the SDK treats it."""
    handler, calls = failing_once(httpx.ReadError("connection reset"))
    client, _ = mock_client(handler)
    exchange = client.retrieve("chatcmpl-1")
    assert (exchange.status, exchange.error, len(calls), client.retries) == (200, None, 2, 1)
    assert exchange.note == "sent again after ReadError on a reused connection"


def test_send_create_on_a_stale_connection_is_not_sent_again() -> None:
    """Sending a creation twice could make a second billed completion on the vendor."""
    handler, calls = failing_once(httpx.ReadError("connection reset"))
    client, _ = mock_client(handler)
    exchange = client.create({"model": "m", "messages": []})
    assert exchange.error == "connection broken while reading the answer (connection reset)"
    assert (len(calls), client.retries) == (1, 0)


def test_recording_collects_only_the_exchanges_of_its_block() -> None:
    """Each case's transcript must show its own requests, not its neighbours'."""
    client, _ = mock_client(ok)
    client.retrieve("before")
    with client.recording() as journal:
        client.retrieve("inside-1")
        client.update("inside-2", {"metadata": {}})
    client.retrieve("after")
    assert [e.url.rsplit("/", 1)[1] for e in journal] == ["inside-1", "inside-2"]
    assert client.journal is None


@pytest.mark.parametrize(
    ("completion_id", "raw_path"),
    [("a/b", b"/v1/chat/completions/a%2Fb"), ("a b", b"/v1/chat/completions/a%20b")],
    ids=["slash", "space"],
)
def test_update_odd_completion_id_is_percent_encoded(completion_id: str, raw_path: bytes) -> None:
    """An id with / must not address another route (…/{id}/messages) on the target."""
    client, seen = mock_client(ok)
    client.update(completion_id, {"metadata": {}})
    assert seen[0].url.raw_path == raw_path
