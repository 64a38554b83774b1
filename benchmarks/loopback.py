"""A reference server on loopback that answers late and counts what it served.

The benchmark needs a target that behaves like a real vendor for timing (every answer takes
a fixed extra time, as a network and a model host add) and a request count that does not
depend on the tool being measured: the suite counts its own requests, Schemathesis's CLI
does not, so the server counts for both. It runs in its own process, so neither the suite
under measurement nor the load generator shares a GIL with it.

    python benchmarks/loopback.py --delay-ms=50 --api-key=K [--api-key=K2]

prints one JSON line (`{"base_url": ...}`) when it is serving and stops when its standard
input closes, so it never outlives the benchmark that started it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from kinds import request_kind
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.reference import BackgroundServer, create_app

STATS_PATH = "/__bench__/stats"


class Latency:
    """ASGI middleware: wait `delay` seconds before each answer, and count the requests.

    The wait is an `asyncio.sleep`, so concurrent clients (xdist workers) overlap their waits
    as they would at a vendor; the event loop stays free. The stats endpoint is neither
    delayed nor counted.
    """

    def __init__(self, app: ASGIApp, delay: float) -> None:
        self.app = app
        self.delay = delay
        self.kinds: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0  # above 1 only if clients overlap (xdist workers do)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == STATS_PATH:
            await self._stats(scope, send)
            return
        self.kinds[request_kind(scope["method"], scope["path"])] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay > 0:
                await asyncio.sleep(self.delay)
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _stats(self, scope: Scope, send: Send) -> None:
        """GET: the counts so far and the process's CPU time; `?reset=1` zeroes the counts."""
        body = json.dumps(
            {
                "requests": sum(self.kinds.values()),
                "kinds": dict(self.kinds),
                "max_in_flight": self.max_in_flight,
                "cpu_s": time.process_time(),
            }
        ).encode()
        if b"reset=1" in scope.get("query_string", b""):
            self.kinds.clear()
            self.max_in_flight = 0
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference server with a fixed added latency.")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="added latency per request")
    parser.add_argument("--api-key", action="append", required=True, help="accepted key")
    args = parser.parse_args(argv)
    app = create_app({key: f"tenant-{i}" for i, key in enumerate(args.api_key)})
    with BackgroundServer(Latency(app, args.delay_ms / 1000)) as server:
        print(json.dumps({"base_url": server.base_url, "pid": os.getpid()}), flush=True)
        sys.stdin.read()  # until the parent closes the pipe (or dies)
    return 0


class LoopbackServer:
    """The parent's handle on a `loopback.py` process: start, read its counts, stop."""

    def __init__(self, delay_ms: float, api_keys: list[str], start_timeout: float = 20.0) -> None:
        self.delay_ms = delay_ms
        self.api_keys = api_keys
        self.start_timeout = start_timeout
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._http = httpx.Client(timeout=10)

    def start(self) -> LoopbackServer:
        command = [sys.executable, str(Path(__file__).resolve()), f"--delay-ms={self.delay_ms}"]
        command += [f"--api-key={key}" for key in self.api_keys]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._stdout().readline()))
        reader.start()
        reader.join(self.start_timeout)
        if not line or not line[0].strip():
            self.stop()
            raise RuntimeError(f"the loopback server ({self.delay_ms:g} ms) did not start")
        self.base_url = str(json.loads(line[0])["base_url"])
        return self

    def _stdout(self) -> Any:
        assert self._process is not None and self._process.stdout is not None
        return self._process.stdout

    @property
    def origin(self) -> str:
        return self.base_url.rsplit("/v1", 1)[0]

    def stats(self, reset: bool = False) -> dict[str, Any]:
        """Requests served since the last reset, by kind, and the server's CPU seconds."""
        url = f"{self.origin}{STATS_PATH}" + ("?reset=1" if reset else "")
        data: dict[str, Any] = self._http.get(url).json()
        return data

    def stop(self) -> None:
        self._http.close()
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
