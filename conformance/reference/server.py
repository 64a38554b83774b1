"""Serving an ASGI app with uvicorn on a loopback port, in a background thread.

Used for the embedded reference server (no --base-url), for `python -m conformance.reference`
and by the suite's own tests to serve faulty variations. Binding the socket ourselves to
127.0.0.1:0 gives a free port with no race and never listens beyond loopback.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"


def loopback_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to 127.0.0.1:`port` (0: a free one, no race), ready for uvicorn."""
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and without it every answer waits 40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    return sock


class BackgroundServer:
    """A uvicorn server on 127.0.0.1 in a daemon thread; a context manager that stops it."""

    def __init__(
        self,
        app: ASGIApp,
        port: int = 0,
        start_timeout: float = 10.0,
        log_level: str = "error",
    ) -> None:
        """`log_level="critical"` keeps an app's crashes out of the log: tests that serve
        crashing variations in-process want that, because Python 3.11 formats a traceback
        with `ast.parse`, which is not thread-safe against the test thread's own parsing
        ("SystemError: AST constructor recursion depth mismatch")."""
        self._sock = loopback_socket(port)
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            app, log_level=log_level, lifespan="off", access_log=False, timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._start_timeout = start_timeout

    @property
    def origin(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        """The base URL as users give it: origin plus the /v1 version prefix."""
        return f"{self.origin}/v1"

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + self._start_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on {self.origin} did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
