"""Ctrl-C at the moments a run must not lose track of what it created.

A Ctrl-C raises KeyboardInterrupt wherever the run is. Between a create's answer and the
ledger entry that records its id, or in the middle of rewriting the ledger, that would lose a
completion the next run is meant to sweep. `deferred` holds the first Ctrl-C until such a block
is over; a second one inside the block is not held (the user insists). `CtrlC` remembers that
the run received one at all, whatever became of the KeyboardInterrupt it raised (a library
that catches every exception may turn it into a failure, or swallow it).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any


@contextmanager
def deferred() -> Iterator[None]:
    """Run the block with the first SIGINT held until it ends, then delivered as it would
    have been. Only the main thread receives signals; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[FrameType | None] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if held:
            raise KeyboardInterrupt  # a second Ctrl-C: the user does not want to wait
        held.append(frame)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held and callable(previous):
            previous(signal.SIGINT, held[0])


@dataclass
class CtrlC:
    """Whether the run received a SIGINT: such a run is never complete. `watch` puts a handler
    that notes it before the one in place does its work (Python's raises KeyboardInterrupt);
    a launcher that ignores SIGINT is left as it is, as is any thread but the main one."""

    seen: bool = False
    _previous: Any = None

    def watch(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)
        if not callable(previous):  # SIG_IGN (or SIG_DFL): no Ctrl-C reaches the run as one
            return
        self._previous = previous

        def note(signum: int, frame: FrameType | None) -> None:
            self.seen = True
            previous(signum, frame)

        signal.signal(signal.SIGINT, note)

    def settle(self) -> None:
        """The run's reports are written: what is left (pytest's teardown, the client and the
        embedded server closing) changes nothing, and a Ctrl-C there would only turn a finished
        run's exit into a traceback, or into the error pytest makes of an interrupt a callback
        swallowed, beside a document that says otherwise. Ignored for the rest of the
        process: pytest's own teardown and the interpreter's exit come after any `release`."""
        if self._previous is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            self._previous = None

    def release(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
