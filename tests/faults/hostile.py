"""Hostile and broken targets: what a proxy, an outage or a rate limiter answers in real life.

Each must end the run with a failing (or, for rate limits the suite can wait out, a clean)
verdict that names the problem in one line, within bounded time, with the reports written and
no key in them; a body no careful JSON reader takes (GarbledUpdate's kinds) is the target's
failure, never the suite's error. ASGI variations cover bad answers; a raw socket server
covers what no HTTP framework will do (never answering, resetting the connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from types import TracebackType
from typing import Literal

from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from conformance.reference.app import ReferenceApi
from conformance.reference.server import LOOPBACK
from conformance.reference.store import Store

HUGE_BODY_BYTES = 20_000_000


class HtmlOnUpdate(ReferenceApi):
    """A proxy's error page: the update is answered 200 with HTML."""

    async def update_endpoint(self, request: Request) -> Response:
        self.authenticate(request)
        return Response("<html><body>Bad gateway</body></html>", media_type="text/html")


class HugeBodyOnUpdate(ReferenceApi):
    """The update answers a 20 MB body, streamed (it stops when the client hangs up)."""

    async def update_endpoint(self, request: Request) -> Response:
        self.authenticate(request)

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"padding": "'
            for _ in range(HUGE_BODY_BYTES // 65536):
                yield b"x" * 65536
            yield b'"}'

        return StreamingResponse(chunks(), media_type="application/json")


class GarbledUpdate(ReferenceApi):
    """The update is made, and its answer, the right object, reaches the client in a form no
    careful JSON reader takes (`garble`): a serializer's or a proxy's doing."""

    media_type = "application/json"

    async def update_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        body = await self.read_json(request)
        record = self.update(tenant, request.path_params["completion_id"], body)
        answer = json.dumps(self.render_update(record)).encode()
        return Response(self.garble(answer), media_type=self.media_type)

    def garble(self, answer: bytes) -> bytes:
        return answer


def _with_field(answer: bytes, name: bytes, raw: bytes) -> bytes:
    """The answer's JSON text with one more member, written as `raw` JSON text."""
    return answer[:-1] + b', "' + name + b'": ' + raw + b"}"


class NestedTooDeepForTheParser(GarbledUpdate):
    """An array nested 100,000 levels deep: Python's json raises RecursionError on it."""

    def garble(self, answer: bytes) -> bytes:
        return b"[" * 100_000 + b"]" * 100_000


class NestedDeepButParseable(GarbledUpdate):
    """The object with a member nested 500 levels: the parser copes; a validator recursing
    into it, or repr in a message, may not."""

    def garble(self, answer: bytes) -> bytes:
        return _with_field(answer, b"debug", b"[" * 500 + b"]" * 500)


class NumberBeyondDouble(GarbledUpdate):
    """`created` is 1e400: Python reads it as infinity."""

    def garble(self, answer: bytes) -> bytes:
        return _with_field(answer, b"created", b"1e400")


class IntegerBeyondDouble(GarbledUpdate):
    """`created` has 5,000 digits: past Python's int conversion limit (a ValueError)."""

    def garble(self, answer: bytes) -> bytes:
        return _with_field(answer, b"created", b"1" + b"0" * 4999)


class DuplicateKeys(GarbledUpdate):
    """`id` appears twice; readers disagree which one counts (RFC 8259 leaves it open)."""

    def garble(self, answer: bytes) -> bytes:
        return b'{"id": "chatcmpl-another", ' + answer[1:]


class NanLiteral(GarbledUpdate):
    """`usage.total_tokens` is NaN, as Python's json.dumps writes a float nan."""

    def garble(self, answer: bytes) -> bytes:
        return answer.replace(b'"total_tokens": ', b'"total_tokens": NaN, "was": ', 1)


class ByteOrderMark(GarbledUpdate):
    """A UTF-8 byte-order mark before the object (RFC 8259: JSON on a network has none)."""

    def garble(self, answer: bytes) -> bytes:
        return b"\xef\xbb\xbf" + answer


class BytesAfterTheJson(GarbledUpdate):
    """A second object after the first, as a log line or a chunked proxy appends."""

    def garble(self, answer: bytes) -> bytes:
        return answer + b'\n{"id": "chatcmpl-another"}'


class EventStreamOnUpdate(GarbledUpdate):
    """The answer comes as a server-sent event stream, as to `stream: true` on create."""

    media_type = "text/event-stream"

    def garble(self, answer: bytes) -> bytes:
        return b"data: " + answer + b"\n\ndata: [DONE]\n\n"


class EndlessBodyOnUpdate(ReferenceApi):
    """The update's answer starts and never ends: a few bytes every 50 ms (for at most a
    minute, so the server stops by itself), each within any read timeout."""

    async def update_endpoint(self, request: Request) -> Response:
        self.authenticate(request)

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"id": "'
            for _ in range(1200):
                await asyncio.sleep(0.05)
                yield b"x" * 16

        return StreamingResponse(chunks(), media_type="application/json")


class HangsOnUpdate(ReferenceApi):
    """Create and retrieve work; the update is never answered (a wedged backend)."""

    async def update_endpoint(self, request: Request) -> Response:
        await asyncio.sleep(30)
        return await super().update_endpoint(request)


class NonUtf8OnUpdate(ReferenceApi):
    """The update answers bytes that are not UTF-8, labelled JSON."""

    async def update_endpoint(self, request: Request) -> Response:
        self.authenticate(request)
        return Response(b'{"id": "\xff\xfe\xfd"}', media_type="application/json")


class EchoesAuthorization(ReferenceApi):
    """The update's answer repeats the request's Authorization header, so the real key, and
    its usage does not add up, so the answer lands in a failure transcript."""

    async def update_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        record = self.update(
            tenant, request.path_params["completion_id"], await self.read_json(request)
        )
        answer = self.render_update(record)
        answer["usage"] = {**answer["usage"], "total_tokens": -1}
        answer["debug_authorization"] = request.headers.get("authorization", "")
        return self.json(answer)


class RedirectsUpdate(ReferenceApi):
    """The update is answered 307 to another origin (set `elsewhere` before serving)."""

    elsewhere = "http://127.0.0.2:9"

    async def update_endpoint(self, request: Request) -> Response:
        target = f"{self.elsewhere}{request.url.path}"
        return Response(status_code=307, headers={"location": target})


class RateLimitsNowAndThen(ReferenceApi):
    """Every second update is answered 429 first, alternately with a Retry-After in seconds
    and as an HTTP date; the retry then goes through. Both ask for no wait ("0", and a date
    whose second has passed), so the suite's own tests stay quick: the waits are
    RateLimitWindows's."""

    counter = itertools.count()

    async def update_endpoint(self, request: Request) -> Response:
        n = next(self.counter)
        if n % 2 == 1:
            retry_after = "0" if n % 4 == 1 else formatdate(time.time() - 1, usegmt=True)
            return Response(
                '{"error": {"message": "Rate limit reached", "type": "requests", '
                '"param": null, "code": "rate_limit_exceeded"}}',
                status_code=429,
                media_type="application/json",
                headers={"retry-after": retry_after},
            )
        return await super().update_endpoint(request)


RateLimitForm = Literal["seconds", "date", "ms", "none"]


@dataclass
class RateLimitCounts:
    """What a rate-limited server did, for the test to compare with the run's report."""

    windows: int = 0  # windows opened
    limited: int = 0  # answers 429 sent


class RateLimitWindows(ReferenceApi):
    """A vendor's rate limit as it feels from outside: after every `every` requests it answers
    429 to every request for `window` seconds, whatever it is, saying when to come back in one
    `form`: `Retry-After` in whole seconds (rounded up), as an HTTP date (the second the
    window closes in, which a client must wait out), `retry-after-ms` (beside a
    `Retry-After: 0` that a client reading it first would take for "now"), or no header at
    all. Every answer announces the limit in OpenAI's `x-ratelimit-*` headers.

    Counts are per class: `rate_limit_windows` makes a fresh one for each server."""

    every = 10
    window = 2.0
    form: RateLimitForm = "seconds"
    counts = RateLimitCounts()

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.served = 0  # requests answered since the last window
        self.closes_at = 0.0  # wall time the current window closes at

    def app(self) -> Starlette:
        app = super().app()
        app.add_middleware(BaseHTTPMiddleware, dispatch=self.limit)
        return app

    async def limit(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        now = time.time()
        if now >= self.closes_at and self.served >= self.every:
            self.closes_at, self.served = now + self.window, 0
            self.counts.windows += 1
        if now < self.closes_at:
            self.counts.limited += 1
            return self.too_many(self.closes_at - now)
        self.served += 1
        response = await call_next(request)
        response.headers.update(self.announced(self.every - self.served))
        return response

    def announced(self, remaining: int) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(self.every),
            "x-ratelimit-remaining-requests": str(remaining),
            "x-ratelimit-reset-requests": f"{self.window:g}s",
        }

    def too_many(self, remaining: float) -> Response:
        headers = self.announced(0)
        if self.form == "seconds":
            headers["retry-after"] = str(math.ceil(remaining))
        elif self.form == "date":
            headers["retry-after"] = formatdate(self.closes_at, usegmt=True)
        elif self.form == "ms":
            headers["retry-after-ms"] = str(math.ceil(remaining * 1000))
            headers["retry-after"] = "0"
        return Response(
            '{"error": {"message": "Rate limit reached for requests", "type": "requests", '
            '"param": null, "code": "rate_limit_exceeded"}}',
            status_code=429,
            media_type="application/json",
            headers=headers,
        )


def rate_limit_windows(
    form: RateLimitForm, every: int, window: float = 2.0
) -> type[RateLimitWindows]:
    """A RateLimitWindows server class of its own, with its own counts."""
    return type(
        f"RateLimitWindows{form.title()}",
        (RateLimitWindows,),
        {"form": form, "every": every, "window": window, "counts": RateLimitCounts()},
    )


class AlwaysRateLimited(ReferenceApi):
    """The update is always 429 with `Retry-After: 0`: a rate limit that outlasts any bound
    the suite keeps (it never waits, so the test is quick)."""

    async def update_endpoint(self, request: Request) -> Response:
        return Response(
            '{"error": {"message": "Rate limit reached", "type": "requests", "param": null, '
            '"code": "rate_limit_exceeded"}}',
            status_code=429,
            media_type="application/json",
            headers={"retry-after": "0"},
        )


class AlwaysUnavailable(ReferenceApi):
    """The update is always 503 with Retry-After: 0: an outage, which is a finding."""

    async def update_endpoint(self, request: Request) -> Response:
        return Response("Service Unavailable", status_code=503, headers={"retry-after": "0"})


class RawServer:
    """A TCP server on loopback that never speaks HTTP properly: it `hangs` (reads, never
    answers) or `resets` (closes each connection with RST). It also records what it received,
    and stops by itself after `lifetime` seconds."""

    def __init__(self, mode: Literal["hang", "reset", "record"], lifetime: float = 60.0) -> None:
        self.mode = mode
        self.received: list[bytes] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.bind((LOOPBACK, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self._deadline = time.monotonic() + lifetime
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/v1"

    def _serve(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            conn.settimeout(0.5)
            with contextlib.suppress(OSError):
                self.received.append(conn.recv(65536))
            if self.mode == "hang":
                self._held.append(conn)  # kept open, never answered
                continue
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        for conn in self._held:
            conn.close()
        self._sock.close()

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
