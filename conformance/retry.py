"""Rate limits and transient unavailability: honour Retry-After, within bounds.

A vendor that answers 429 or 503 now and then must still get a clean verdict, so those answers
are retried after the wait the server asks for (seconds or an HTTP date). The bounds keep a run
finite: a few attempts, a cap on any single wait and on the total wait of the run. A 5xx that
persists is a finding: the last answer is returned and judged like any other.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tenacity import RetryCallState, Retrying, retry_if_result

RETRY_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """The wait a Retry-After header asks for: delta-seconds or an HTTP date; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(time.time() if now is None else now, tz=UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass
class RateLimitPolicy:
    """How long the suite is willing to wait for a target that asks it to slow down."""

    max_attempts: int = 4
    max_single_wait: float = 30.0
    max_total_wait: float = 120.0
    default_wait: float = 1.0
    retried: int = 0  # answers that were retried
    waited: float = 0.0  # seconds spent waiting, over the whole run

    def wait_for(self, status: int | None, retry_after: str | None, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when the answer stands."""
        if status not in RETRY_STATUSES or attempt >= self.max_attempts:
            return None
        asked = retry_after_seconds(retry_after)
        wait = asked if asked is not None else self.default_wait * 2 ** (attempt - 1)
        if wait > self.max_single_wait or self.waited + wait > self.max_total_wait:
            return None
        return wait

    def run(
        self,
        attempt: Callable[[], tuple[int | None, str | None]],
        sleep: Callable[[float], None] = time.sleep,
    ) -> int:
        """Call `attempt` until its answer stands; the number of attempts made.

        `attempt` returns the status and Retry-After of its answer.
        """
        planned: dict[int, float] = {}

        def stop(state: RetryCallState) -> bool:
            status, retry_after = state.outcome.result() if state.outcome else (None, None)
            wait = self.wait_for(status, retry_after, state.attempt_number)
            if wait is None:
                return True
            planned[state.attempt_number] = wait
            return False

        def wait(state: RetryCallState) -> float:
            seconds = planned.get(state.attempt_number, 0.0)
            self.retried += 1
            self.waited += seconds
            return seconds

        retrying = Retrying(
            retry=retry_if_result(lambda answer: answer[0] in RETRY_STATUSES),
            stop=stop,
            wait=wait,
            sleep=sleep,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        attempts = 0

        def counted() -> tuple[int | None, str | None]:
            nonlocal attempts
            attempts += 1
            return attempt()

        retrying(counted)
        return attempts
