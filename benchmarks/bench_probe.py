"""A pytest plugin the benchmark loads into the suite's process (`-p bench_probe`).

It answers "where does the suite's time go, and which requests does each case send?"
without changing the suite: it stamps the phases of the run (start-up, collection, cases,
reports) on the system-wide monotonic clock, which the parent process shares, notes which
of the heavy libraries (WATCHED_MODULES) are already imported when the cases start (what
start-up paid for before the first case could run), and wraps
`conformance.client.Client._attempt` to log each request with the case that sent it. It
writes one JSON file ($BENCH_PROBE_OUT) at the end (an xdist worker, its own beside it).
It imports nothing heavy itself, so it adds nothing to the start-up it measures.

If the suite's client changes shape, the request log is simply empty; the phases remain.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from kinds import request_kind

MARKS: dict[str, float] = {"plugin_loaded": time.monotonic()}
# The heaviest imports of a run (a third of a second to over a second each here), which only
# the fuzz cases and the SDK parsing check need: a start-up that loads them pays for them early.
WATCHED_MODULES = ("schemathesis", "hypothesis", "openai")
LOADED_AT_FIRST_CASE: dict[str, bool] = {}
REQUESTS: list[dict[str, Any]] = []
DURATIONS: dict[str, dict[str, float]] = {}
FUZZ_CASES: set[str] = set()
_CURRENT = {"node": "(session)", "when": "session"}


def _wrap_client() -> None:
    """Log every request the suite's Client sends, with the case and phase sending it."""
    try:
        from conformance.client import Client
    except ImportError:
        return
    original: Callable[..., Any] | None = getattr(Client, "_attempt", None)
    if original is None or getattr(original, "_bench_wrapped", False):
        return

    def attempt(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        exchange = original(self, request, *args, **kwargs)
        path = urlsplit(str(request.url)).path
        # What makes two requests the same input: method, path, body and key.
        key = request.headers.get("authorization", "").encode()
        content = b"\n".join([request.method.encode(), request.url.raw_path, request.content, key])
        REQUESTS.append(
            {
                **_CURRENT,
                "kind": request_kind(request.method, path),
                "input": hashlib.sha1(content).hexdigest()[:16],
                "status": getattr(exchange, "status", None),
                "elapsed": round(float(getattr(exchange, "elapsed", 0.0)), 6),
            }
        )
        return exchange

    attempt._bench_wrapped = True  # type: ignore[attr-defined]
    Client._attempt = attempt  # type: ignore[method-assign]


def _controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    MARKS["configured"] = time.monotonic()
    _wrap_client()


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    MARKS["collection_start"] = time.monotonic()
    try:
        return (yield)
    finally:
        MARKS["collection_end"] = time.monotonic()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    FUZZ_CASES.update(i.nodeid for i in items if i.get_closest_marker("fuzz") is not None)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    MARKS["cases_start"] = time.monotonic()
    LOADED_AT_FIRST_CASE.update({name: name in sys.modules for name in WATCHED_MODULES})
    try:
        return (yield)
    finally:
        MARKS["cases_end"] = time.monotonic()
        _CURRENT.update(node="(session)", when="session")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _phase(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _phase(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _phase(item, "teardown"))


def _phase(item: pytest.Item, when: str) -> Generator[None, object, object]:
    _CURRENT.update(node=item.nodeid, when=when)
    started = time.monotonic()
    try:
        return (yield)
    finally:
        DURATIONS.setdefault(item.nodeid, {})[when] = round(time.monotonic() - started, 6)
        # The suite's own call wrapper, outside this one, reads the views of what the case
        # wrote once it ended (the invariants): those requests are the case's.
        if when != "call":
            _CURRENT.update(node="(session)", when="session")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    MARKS["sessionfinish"] = time.monotonic()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    MARKS["unconfigure"] = time.monotonic()
    out = os.environ.get("BENCH_PROBE_OUT")
    if not out:
        return
    if not _controller(config):  # an xdist worker: its own file beside the controller's
        out = f"{out}.{config.workerinput['workerid']}"  # type: ignore[attr-defined]
    data = {
        "marks": MARKS,
        "requests": REQUESTS,
        "durations": DURATIONS,
        "fuzz_cases": sorted(FUZZ_CASES),
        "modules_at_first_case": LOADED_AT_FIRST_CASE,
    }
    Path(out).write_text(json.dumps(data), encoding="utf-8")
