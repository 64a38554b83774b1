"""Waiting for a write to become readable, and what a run learns when one never does.

Vendors store asynchronously (OpenAI has taken tens of seconds to make a stored completion
readable), so after a write the suite polls, with backoff, up to --consistency-timeout. It polls
only while a read still shows a state from before the write (what a read means is decided in
conformance.reads, for every wait); a read that shows anything else cannot turn into the write by
waiting, so it is judged at once.

A write still not visible when the bound runs out never landed, and the run remembers it: later
waits of the same kind read once (SHORT_WAIT). A target that never persists a write then costs the
bound once per kind (a new completion, an update), not once per case, and the cases that depend
on it fail fast, naming the case where the full bound ran out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from conformance.client import Exchange
from conformance.reads import Seen

# After a write of a kind was lost, later waits of that kind read once, without waiting.
SHORT_WAIT: Final = 0.0
# "Does this write change anything?" has no answer to wait for; such waits (the INFO cases'
# observations) last a few times the slowest write seen, at least this long.
OBSERVATION_FLOOR: Final = 1.0
FIRST_PAUSE: Final = 0.25
BACKOFF: Final = 1.5
LONGEST_PAUSE: Final = 2.0


class Kind(StrEnum):
    """Writes whose visibility the run learns separately."""

    CREATE = "a new stored completion"
    UPDATE = "an update"


@dataclass(frozen=True)
class LostWrite:
    """A write that was not visible when its full bound ran out."""

    kind: Kind
    bound: float
    requirement: str  # of the case that waited ("setup" outside any case)
    nodeid: str | None


@dataclass
class Waited:
    """How a wait ended: the last read, and why the wait stopped."""

    exchange: Exchange
    seen: Seen
    bound: float
    cut_after: LostWrite | None = None  # the bound was cut short because of this earlier loss

    @property
    def ready(self) -> bool:
        return self.seen is Seen.READY

    @property
    def timed_out(self) -> bool:
        return self.seen is Seen.STALE

    def not_visible(self, what: str) -> str:
        """One line: `what` was not visible in time, and what the run knew of the target."""
        lost = self.cut_after
        if lost is not None and lost.bound == 0:
            return (
                f"{what} was not visible on the next read either (see {lost.requirement}; "
                "--consistency-timeout=0 demands read-your-writes)"
            )
        if lost is not None:
            within = "on retrieve" if self.bound == 0 else f"within {self.bound:g} s"
            return (
                f"{what} was not visible {within}: writes are not persisted (see "
                f"{lost.requirement}, where {lost.kind.value} was not visible within "
                f"{lost.bound:g} s; later waits are cut short)"
            )
        if self.bound == 0:
            return (
                f"{what} was not visible on the next read (--consistency-timeout=0 demands "
                "read-your-writes)"
            )
        return f"{what} was not visible within {self.bound:g} s"


@dataclass
class Consistency:
    """The run's consistency bound, what it learned of the target, and the waiting itself."""

    bound: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    delays: list[float] = field(default_factory=list)
    lost: dict[Kind, LostWrite] = field(default_factory=dict)
    # Every write wait that ran out: (kind, the bound it had, the requirement of its case).
    never_visible: list[tuple[Kind, float, str]] = field(default_factory=list)
    # The case being run, for attributing a lost write: (requirement ID, node ID).
    case: tuple[str, str | None] = ("setup", None)

    def bound_for(self, kind: Kind) -> float:
        return min(self.bound, SHORT_WAIT) if kind in self.lost else self.bound

    def observation_bound(self) -> float:
        slowest = max(self.delays, default=0.0)
        return min(self.bound, max(OBSERVATION_FLOOR, 3 * slowest))

    def wait(
        self,
        fetch: Callable[[], Exchange],
        classify: Callable[[Exchange], Seen],
        kind: Kind | None,
        bound: float | None = None,
    ) -> Waited:
        """Read until `classify` says READY or OTHER, or the bound runs out (STALE).

        With a `kind`, this is a write the run waits to see: its delay is recorded, a full
        bound that runs out is remembered, and the bound is cut after such a loss. Without
        one it is an observation with its own `bound`, which teaches the run nothing.
        """
        cut = self.lost.get(kind) if kind is not None else None
        limit = bound if bound is not None else self.bound_for(kind) if kind else self.bound
        started = self.clock()
        pause = FIRST_PAUSE
        while True:
            exchange = fetch()
            seen = Seen.OTHER if exchange.error is not None else classify(exchange)
            if seen is Seen.READY:
                if kind is not None:
                    self.delays.append(round(self.clock() - started, 3))
                return Waited(exchange, seen, limit, cut)
            remaining = started + limit - self.clock()
            if seen is Seen.OTHER or remaining <= 0:
                if seen is Seen.STALE and kind is not None:
                    self._lost(kind, limit)
                return Waited(exchange, seen, limit, cut)
            self.sleep(min(pause, remaining))
            pause = min(pause * BACKOFF, LONGEST_PAUSE)

    def _lost(self, kind: Kind, bound: float) -> None:
        requirement, nodeid = self.case
        self.never_visible.append((kind, bound, requirement))
        if kind not in self.lost:
            self.lost[kind] = LostWrite(kind, bound, requirement, nodeid)

    def totals(self) -> dict[str, Any]:
        """JSON-ready, summed over xdist workers by the plugin."""
        return {
            "max_storage_delay_s": max(self.delays) if self.delays else None,
            "writes_never_visible": [
                {"kind": kind.name.lower(), "bound_s": bound, "requirement": requirement}
                for kind, bound, requirement in self.never_visible
            ],
        }
