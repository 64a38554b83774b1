"""The HTTP client the cases talk to the target with, and the record of each exchange.

Every request goes through `Client.send`, which never raises for anything the target does:
timeouts, resets, redirects, huge or non-JSON bodies all come back as an `Exchange` that the
expectation helpers turn into a vendor-facing failure. Bodies are read up to a cap, and
redirects are never followed, so credentials never travel to another origin.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, urlsplit

import httpx

from conformance import __version__
from conformance.access import Access
from conformance.options import DEFAULT_TIMEOUT
from conformance.retry import RateLimitPolicy

BREAKER_THRESHOLD: Final = 2
MAX_BODY_BYTES: Final = 2_000_000
RATE_LIMIT_HEADER_PREFIX: Final = "x-ratelimit-"
MAX_RATE_HEADERS: Final = 12


class _NoBody:
    """Marker: send the request without a body."""


class UnreadableBody(ValueError):
    """The answer has no JSON body to read, and why, in a few words ("response body is not
    JSON (text/html, 230 bytes)"): a fact about the exchange; the expectation helpers decide
    what it means for a verdict."""


NO_BODY: Final = _NoBody()
USE_KEY: Final = "\x00use-configured-key\x00"


@dataclass
class Exchange:
    """One request and what came back: a status and body, or the transport error instead."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    truncated: bool = False
    body_cap: int = MAX_BODY_BYTES
    error: str | None = None
    elapsed: float = 0.0
    note: str | None = None
    seq: int = 0  # the order in which the run sent its requests (1, 2, ...)
    # Why this answer is a 429 that stands: the target's rate limit outlasted the suite's
    # bounds ("rate limited: 4 answers 429 within 9 s; the bound is ..."). A case that judged
    # such an answer could not judge its requirement (conformance.judge).
    rate_limited: str | None = None

    @property
    def answer(self) -> str:
        """What came back, in a few words: the transport error, or the status (and a
        redirect's target, never followed)."""
        if self.error is not None:
            return self.error
        location = self.response_headers.get("location")
        if self.status is not None and 300 <= self.status < 400 and location:
            return f"HTTP {self.status} redirect to {location[:200]} (not followed)"
        return f"HTTP {self.status}"

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    @property
    def is_json_content_type(self) -> bool:
        media = self.content_type.split(";", 1)[0].strip().lower()
        return media == "application/json" or (
            media.startswith("application/") and media.endswith("+json")
        )

    def describe_body(self) -> str:
        kind = self.content_type.split(";", 1)[0] or "no content type"
        size = f"{len(self.response_body)}{'+' if self.truncated else ''} bytes"
        return f"{kind}, {size}"

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None when it is not one: for polling and setup,
        where a bad answer only means "not (yet) what we wait for"."""
        try:
            body = self.json()
        except UnreadableBody:
            return None
        return body if isinstance(body, dict) else None

    def json(self) -> Any:
        """The parsed response body; UnreadableBody when there is none the suite can use.

        The one place a response body is decoded, so whatever a target sends is the target's
        failure here, in one line, and never the suite's error downstream: see `decode_json`.
        """
        if self.error is not None:
            raise UnreadableBody(self.error)
        if self.truncated:
            raise UnreadableBody(
                f"response body is larger than {self.body_cap} bytes ({self.describe_body()})"
            )
        try:
            return decode_json(self.response_body)
        except NotJson as exc:
            why = f": {exc}" if str(exc) else ""
            raise UnreadableBody(
                f"response body is not JSON ({self.describe_body()}){why}"
            ) from None
        except UnusableJson as exc:
            raise UnreadableBody(
                f"response body is not usable JSON ({self.describe_body()}): {exc}"
            ) from None


class BodyNeverEnded(TimeoutError):
    """An answer whose body kept arriving past the deadline (twice the answer timeout): a
    stream that never ends, or one trickled to stay under the read timeout."""


class NotJson(ValueError):
    """The bytes are no JSON text (RFC 8259); the message says what instead, or nothing when
    it is plainly something else (an HTML page)."""


class UnusableJson(ValueError):
    """JSON the suite will not use: deeper than any chat completion, a number no double holds,
    a key twice in one object (RFC 8259 leaves what that means open)."""


# A chat completion nests about 9 levels (choices[].logprobs.content[].top_logprobs[].bytes[]),
# a list of them 11. Capping far above that keeps every reader downstream (jsonschema, the
# SDK's pydantic models, repr in a message) far from Python's recursion limit.
MAX_JSON_DEPTH: Final = 64
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BOM = b"\xef\xbb\xbf"


def nests_deeper(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text opens more than `limit` arrays or objects inside each other.

    Counted on the bytes, strings left out, before any parser recurses into them."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKET):
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            return True
    return False


def _no_constant(name: str) -> Any:
    raise NotJson(f"{name} is no JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnusableJson(f"the number {text[:40]} is beyond the range of a double")
    return value


def _int_in_range(text: str) -> int:
    # Python refuses to convert more than 4300 digits (ValueError, not a JSON error); a
    # double holds at most 309.
    digits = len(text.lstrip("-"))
    if digits > 309 or abs(value := int(text)) > sys.float_info.max:
        shown = f"{text[:20]}..." if digits > 20 else text
        raise UnusableJson(f"the integer {shown} ({digits} digits) is beyond the range of a double")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        keys = [key for key, _ in pairs]
        twice = next(key for i, key in enumerate(keys) if key in keys[:i])
        raise UnusableJson(f"the key {twice[:60]!r} appears twice in one object")
    return found


def decode_json(data: bytes) -> Any:
    """A response body as JSON, or NotJson / UnusableJson saying why not, in a few words.

    Strict where a lenient parser would hand the suite something it cannot judge by or that
    breaks it later: UTF-8 only, no byte-order mark (RFC 8259), nothing after the value, no
    NaN or Infinity, no number beyond a double, no key twice, at most MAX_JSON_DEPTH levels.
    """
    if data.startswith(_BOM):
        raise NotJson("it starts with a byte-order mark, which JSON on a network must not")
    if data.lstrip().startswith((b"data:", b"event:", b"id:", b": ")):
        raise NotJson("an event stream, not one JSON value")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotJson(f"not UTF-8 (byte {exc.start})") from None
    if nests_deeper(data):
        raise UnusableJson(
            f"it nests arrays and objects more than {MAX_JSON_DEPTH} levels deep; a chat "
            "completion needs about 10"
        )
    try:
        return json.loads(
            text,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_int_in_range,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            raise NotJson(f"more follows the JSON value (from character {exc.pos})") from None
        raise NotJson() from None
    except RecursionError:  # nests_deeper missed it (a string regex gone astray): still theirs
        raise UnusableJson("it nests deeper than the parser can follow") from None


def encode_json(body: Any) -> bytes:
    """JSON as a client sends it: UTF-8, non-ASCII characters unescaped."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Client:
    """A keep-alive HTTP client bound to the target's base URL and API key, and to how its
    requests reach it (`access`: the key's header, extra headers and query parameters)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_body_bytes: int = MAX_BODY_BYTES,
        transport: httpx.BaseTransport | None = None,
        access: Access | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.access = access or Access()
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.requests_sent = 0
        self.retries = 0
        self.rate_limits = RateLimitPolicy()
        self.rate_limit_headers: dict[str, str] = {}  # the last x-ratelimit-* values seen
        # Breakers by operation ("POST /chat/completions/{id}"): the error that tripped each.
        self.broken: dict[str, str] = {}
        self._unanswered: dict[str, int] = {}
        self._seq = itertools.count(1)
        self.journal: list[Exchange] | None = None
        # Called with every exchange `send` returns: the run's record of what it wrote and read.
        self.observers: list[Callable[[Exchange], None]] = []
        if transport is None:
            # Headers and body go out as two writes; without TCP_NODELAY the body waits for
            # the peer's delayed ACK (40 ms a request on Linux loopback).
            transport = httpx.HTTPTransport(
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            )
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            headers={"user-agent": f"ucc-conformance/{__version__}"},
        )

    def close(self) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @contextmanager
    def recording(self) -> Iterator[list[Exchange]]:
        """Collect every exchange sent inside the block (the transcript of one case)."""
        journal: list[Exchange] = []
        previous, self.journal = self.journal, journal
        try:
            yield journal
        finally:
            self.journal = previous

    def send(
        self,
        method: str,
        path: str,
        *,
        body: Any = NO_BODY,
        content: bytes | None = None,
        key: str | None = USE_KEY,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one request; `key=None` sends no key, a string sends that key (in the run's
        key header). The run's extra headers and query parameters go with every request."""
        request_headers: dict[str, str] = {"accept": "application/json"}
        presented = self.api_key if key == USE_KEY else key
        if presented is not None:
            name, value = self.access.credential(presented)
            request_headers[name] = value
        if not isinstance(body, _NoBody):
            if content is not None:
                raise TypeError("send either a JSON body or raw content, not both")
            content = encode_json(body)
        if content is not None:
            request_headers["content-type"] = "application/json"
        request_headers.update({extra.name.lower(): extra.value for extra in self.access.headers})
        request_headers.update(headers or {})
        query = {extra.name: extra.value for extra in self.access.query}
        request = self._http.build_request(
            method,
            self.url(path),
            headers=request_headers,
            content=content,
            params={**query, **(params or {})} or None,
        )
        exchanges: list[Exchange] = []

        def attempt() -> tuple[int | None, dict[str, str]]:
            exchange = self._attempt(request, content, retryable=_retryable(method, path))
            exchanges.append(exchange)
            self._note_rate_limits(exchange)
            return exchange.status, exchange.response_headers

        attempts = self.rate_limits.run(attempt)
        exchange = exchanges[-1]
        if attempts.count > 1:
            earlier = ", ".join(str(e.status) for e in exchanges[:-1])
            exchange.note = _join(
                exchange.note, f"after {attempts.count - 1} answer(s) {earlier} retried"
            )
        if attempts.gave_up is not None:
            exchange.rate_limited = attempts.gave_up
            exchange.note = _join(exchange.note, attempts.gave_up)
        for observe in self.observers:
            observe(exchange)
        return exchange

    def rate_limit_totals(self) -> dict[str, Any]:
        """What the target's rate limits cost this process: retries, seconds waited, requests
        given up on, and the last `x-ratelimit-*` values it announced (JSON-ready)."""
        limits = self.rate_limits
        return {
            "rate_limit_retries": limits.retried,
            "rate_limit_wait_s": round(limits.waited, 3),
            "rate_limit_gave_up": limits.gave_up,
            "rate_limit_headers": dict(self.rate_limit_headers),
        }

    def _note_rate_limits(self, exchange: Exchange) -> None:
        """Keep the last value of each `x-ratelimit-*` header the target sent (OpenAI's
        limit, remaining and reset, per requests and tokens), for the report; bounded, as
        everything a target sends."""
        for name, value in exchange.response_headers.items():
            if not name.startswith(RATE_LIMIT_HEADER_PREFIX) or len(name) > 64:
                continue
            if name in self.rate_limit_headers or len(self.rate_limit_headers) < MAX_RATE_HEADERS:
                self.rate_limit_headers[name] = value[:100]

    def _attempt(
        self, request: httpx.Request, content: bytes | None, *, retryable: bool
    ) -> Exchange:
        """One exchange, sent again once over a fresh connection if a stale one broke."""
        exchange = Exchange(
            method=request.method,
            url=str(request.url),
            request_headers=dict(request.headers),
            request_body=content,
            body_cap=self.max_body_bytes,
            seq=next(self._seq),
        )
        if self.journal is not None:
            self.journal.append(exchange)
        tripped = self.broken.get(operation(request.method, exchange.url, self.base_url))
        tripped = tripped or self.broken.get(ANY_OPERATION)
        if tripped is not None:
            exchange.error = f"not sent: the target stopped answering earlier ({tripped})"
            return exchange
        self.requests_sent += 1
        started = time.monotonic()
        try:
            self._exchange(request, exchange, deadline=started + 2 * self.timeout)
        except Exception as exc:
            if not _from_the_wire(exc):
                raise  # the suite's own error (a bug, a recursion): an ERROR, never the target's
            if type(exc).__name__ in _STALE_CONNECTION and retryable:
                # A keep-alive connection the server had already closed: clients (the SDK,
                # httpx for idempotent requests) send again once. A creation never is.
                self.retries += 1
                exchange.note = f"sent again after {type(exc).__name__} on a reused connection"
                try:
                    self._exchange(request, exchange, deadline=started + 2 * self.timeout)
                except Exception as again:
                    if not _from_the_wire(again):
                        raise
                    exchange.error = _failure_text(again, self.timeout)
            else:
                exchange.error = _failure_text(exc, self.timeout)
        exchange.elapsed = time.monotonic() - started
        self._watch(exchange)
        return exchange

    def _watch(self, exchange: Exchange) -> None:
        """Trip a breaker after consecutive unanswered requests: a target that stopped
        answering fails the rest of the run fast, with the same cause, instead of making every
        remaining request wait out its own timeout. By operation: a target that hangs on
        updates but answers reads stops costing the timeout on updates, though the reads in
        between are answered; one nobody can connect to stops everything."""
        error = exchange.error or ""
        op = (
            ANY_OPERATION
            if error.startswith("could not connect")
            else operation(exchange.method, exchange.url, self.base_url)
        )
        unanswered = error.startswith(("no answer", "no complete answer", "could not connect"))
        self._unanswered[op] = self._unanswered.get(op, 0) + 1 if unanswered else 0
        if self._unanswered[op] >= BREAKER_THRESHOLD:
            self.broken.setdefault(op, error)

    def _exchange(self, request: httpx.Request, exchange: Exchange, deadline: float) -> None:
        response = self._http.send(request, stream=True)
        try:
            exchange.status = response.status_code
            exchange.response_headers = {k.lower(): v for k, v in response.headers.items()}
            exchange.response_body, exchange.truncated = self._read_capped(response, deadline)
        finally:
            response.close()

    def _read_capped(self, response: httpx.Response, deadline: float) -> tuple[bytes, bool]:
        """The body up to the size cap, read before the deadline (a trickling body counts)."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"".join(chunks)[: self.max_body_bytes], True
            if time.monotonic() > deadline:
                raise BodyNeverEnded("the body was still arriving")
        return b"".join(chunks), False

    # --- the operations ---------------------------------------------------------------------
    def update(self, completion_id: str, body: Any = NO_BODY, **kwargs: Any) -> Exchange:
        """POST /chat/completions/{completion_id}: the operation under test."""
        return self.send("POST", completion_path(completion_id), body=body, **kwargs)

    def retrieve(self, completion_id: str, **kwargs: Any) -> Exchange:
        return self.send("GET", completion_path(completion_id), **kwargs)

    def create(self, body: dict[str, Any]) -> Exchange:
        """POST /chat/completions, the run's extra create fields merged in."""
        return self.send("POST", "/chat/completions", body=self.access.create(body))

    def delete(self, completion_id: str, **kwargs: Any) -> Exchange:
        return self.send("DELETE", completion_path(completion_id), **kwargs)

    def list(self, params: dict[str, str]) -> Exchange:
        return self.send("GET", "/chat/completions", params=params)


ANY_OPERATION: Final = "any request"


def operation(method: str, url: str, base_url: str) -> str:
    """The operation of a request, its completion id left out: "POST /chat/completions/{id}"."""
    path = urlsplit(url).path[len(urlsplit(base_url).path) :]
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[:2] == ["chat", "completions"]:
        parts[2] = "{id}"
    return f"{method} /{'/'.join(parts)}"


def completion_path(completion_id: str) -> str:
    return f"/chat/completions/{quote(completion_id, safe='')}"


# By name: httpcore's classes of the same names surface when a test harness re-imports it.
_STALE_CONNECTION = frozenset({"ReadError", "WriteError", "RemoteProtocolError"})


# Where an exception comes from when the target or the network caused it (by module name, as
# above: a test harness may load a second copy of these libraries).
_WIRE_MODULES = ("httpx", "httpcore", "h11", "h2", "ssl", "socket", "anyio")


def _from_the_wire(exc: Exception) -> bool:
    """True for what a target or the network can cause: a transport error of httpx or the
    libraries under it, an OS-level socket error, a timeout. Anything else is a bug."""
    if isinstance(exc, OSError | TimeoutError | EOFError):
        return True
    return type(exc).__module__.split(".", 1)[0] in _WIRE_MODULES


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def _retryable(method: str, path: str) -> bool:
    return not (method == "POST" and path == "/chat/completions")


def _failure_text(exc: Exception, timeout: float) -> str:
    """One line naming what went wrong on the wire, without an exception dump.

    Anything raised while sending (httpx, httpcore underneath it, the socket) is the target's
    or the network's doing, never a verdict on the suite; it becomes the exchange's error.
    """
    if isinstance(exc, BodyNeverEnded):
        return f"no complete answer within {2 * timeout:g} s: {exc}"
    if isinstance(exc, TimeoutError) or type(exc).__name__.endswith("Timeout"):
        return f"no answer within {timeout:g} s"
    kind = {
        "ConnectError": "could not connect",
        "ReadError": "connection broken while reading the answer",
        "WriteError": "connection broken while sending the request",
        "RemoteProtocolError": "the server broke the HTTP protocol",
    }.get(type(exc).__name__, type(exc).__name__)
    detail = str(exc).splitlines()[0] if str(exc) else ""
    if "disconnected without sending a response" in detail:
        kind = "connection broken before an answer"
    return f"{kind} ({detail[:200]})" if detail else kind
