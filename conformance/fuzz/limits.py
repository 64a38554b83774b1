"""What fuzzing may spend at a target: requests a second (--max-rps) and completions created.

Kept apart from the transport, which needs Schemathesis: the fuzz plugin holds these for the
whole run from its start, and importing Schemathesis then would cost every run its start-up,
the runs that select no fuzz case included.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


class CreationRefused(RuntimeError):
    """A request would create a completion beyond the run's budget; it was not sent."""


class Throttle:
    """At most `rate` requests a second (--max-rps): waits out the gap since the last one."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            pause = self._next - now
            self._next = max(now, self._next) + self.interval
        if pause > 0:
            time.sleep(pause)


@dataclass
class Creations:
    """Completions that fuzzing creates (the stateful case only), and the budget for them."""

    budget: int | None = 0  # None: no limit (the embedded server)
    ids: list[str] = field(default_factory=list)
    attempts: int = 0

    @property
    def spent(self) -> bool:
        return self.budget is not None and self.attempts >= self.budget

    def allow(self) -> None:
        if self.spent:
            raise CreationRefused(
                f"the fuzz run's creation budget ({self.budget} completions) is spent"
            )
        self.attempts += 1
