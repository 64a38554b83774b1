"""Ctrl-C at the moments a run must not lose track of what it created.

A Ctrl-C raises KeyboardInterrupt wherever the run is. Between a create's answer and the
ledger entry that records its id, or in the middle of rewriting the ledger, that would lose a
completion the next run is meant to sweep. `deferred` holds the first Ctrl-C until such a block
is over; a second one inside the block is not held (the user insists).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


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
