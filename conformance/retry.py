"""Rate limits and transient unavailability: wait as long as the server asks, within bounds.

A vendor that answers 429 or 503 now and then must still get a clean verdict, so those answers
are retried after the wait the server asks for, read as the official OpenAI SDK reads it
(`_parse_retry_after_header` of openai-python): `retry-after-ms` first, then `Retry-After` as
delta-seconds (RFC 9110 says an integer; a decimal such as "1.5" is taken too, as the SDK
does) or as an HTTP date. An HTTP date names a whole second, so the suite waits until that
second has passed: a server that means "at 12:00:05.7" can only write 12:00:05. Without a
usable header it backs off exponentially with jitter, as the SDK does (each wait 75-100% of
`initial_wait` doubled per attempt), so retries of one request never land in lockstep.
`Retry-After: 0` means "now" and is taken at its word (the SDK backs off instead).

The bounds keep a run finite: a few attempts a request, a cap on any single wait and on the
total wait of the run. When they run out on a 429 the answer stands, with the reason
(`Attempts.gave_up`), and the case that needed it cannot be judged: the target asked the suite
to slow down, which says nothing about the requirement under test. A 5xx that persists is a
finding: the last answer is returned and judged like any other.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tenacity import RetryCallState, Retrying, retry_if_result

from conformance.options import DEFAULT_RATE_LIMIT_WAIT

RATE_LIMITED = 429
RETRY_STATUSES = frozenset({RATE_LIMITED, 503})
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")

# What one attempt gives the policy: the answer's status and its headers (lower-case names).
Answer = tuple[int | None, Mapping[str, str]]


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """The wait a Retry-After value asks for, None if it is unusable.

    Delta-seconds (a decimal leniently), or an HTTP date: then until the second it names has
    passed, so never early by the fraction the date could not say."""
    if value is None:
        return None
    value = value.strip()
    if _DECIMAL.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(time.time() if now is None else now, tz=UTC)
    return max(0.0, (when - current).total_seconds() + 1.0)


def requested_wait(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait an answer asks for: `retry-after-ms` first (the SDK reads it first), then
    `Retry-After`; None when neither is usable."""
    milliseconds = headers.get("retry-after-ms", "").strip()
    if _DECIMAL.fullmatch(milliseconds):
        return float(milliseconds) / 1000
    return retry_after_seconds(headers.get("retry-after"), now=now)


@dataclass(frozen=True)
class Plan:
    """What to do after one answer: wait `wait` seconds and try again, or let it stand; when a
    bound made it stand, `bound` says which."""

    wait: float | None
    bound: str | None = None


@dataclass(frozen=True)
class Attempts:
    """How one request went: the statuses of its answers, in order, and, when a rate limit
    outlasted the bounds, why the suite gave up ("rate limited: 4 answers 429 within 9 s; the
    bound is 4 attempts a request")."""

    statuses: tuple[int | None, ...]
    gave_up: str | None = None

    @property
    def count(self) -> int:
        return len(self.statuses)


@dataclass
class RateLimitPolicy:
    """How long the suite is willing to wait for a target that asks it to slow down.

    `sleep`, `clock` (wall time, for HTTP dates), `monotonic` and `jitter` are injectable, so
    a test can see every wait without spending it."""

    max_attempts: int = 4
    max_single_wait: float = 30.0
    max_total_wait: float = DEFAULT_RATE_LIMIT_WAIT
    initial_wait: float = 1.0  # without a header: 1 s, then 2 s, 4 s ... each less up to 25%
    retried: int = 0  # answers that were retried
    waited: float = 0.0  # seconds spent waiting, over the whole run
    gave_up: int = 0  # requests still rate limited when the bounds ran out
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def backoff(self, attempt: int) -> float:
        """The wait after the `attempt`th answer when the server asked for none."""
        return self.initial_wait * 2.0 ** (attempt - 1) * (1 - 0.25 * self.jitter())

    def plan(self, status: int | None, headers: Mapping[str, str], attempt: int) -> Plan:
        """After the `attempt`th answer: how long to wait before trying again, or why not."""
        if status not in RETRY_STATUSES:
            return Plan(None)
        if attempt >= self.max_attempts:
            return Plan(None, f"{self.max_attempts} attempts a request")
        asked = requested_wait(headers, now=self.clock())
        wait = asked if asked is not None else self.backoff(attempt)
        if not math.isfinite(wait) or wait > self.max_single_wait:
            return Plan(None, f"{self.max_single_wait:g} s for one wait (asked: {wait:g} s)")
        if self.waited + wait > self.max_total_wait:
            return Plan(
                None,
                f"{self.max_total_wait:g} s of waiting in a run ({self.waited:.0f} s spent; "
                "--rate-limit-wait allows more)",
            )
        return Plan(wait)

    def run(self, attempt: Callable[[], Answer]) -> Attempts:
        """Call `attempt` until its answer stands; how it went.

        The wait is planned when tenacity asks for it (`wait`, which tenacity 9 calls before
        `stop`); `stop` reads the same plan, so the order tenacity calls them in does not
        matter. Only waits really slept are counted.
        """
        plans: dict[int, Plan] = {}
        statuses: list[int | None] = []
        started = self.monotonic()

        def planned(state: RetryCallState) -> Plan:
            number = state.attempt_number
            if number not in plans:
                status, headers = state.outcome.result() if state.outcome else (None, {})
                plans[number] = self.plan(status, headers, number)
            return plans[number]

        def sleep(seconds: float) -> None:
            self.retried += 1
            self.waited += seconds
            self.sleep(seconds)

        def counted() -> Answer:
            answer = attempt()
            statuses.append(answer[0])
            return answer

        retrying = Retrying(
            retry=retry_if_result(lambda answer: answer[0] in RETRY_STATUSES),
            wait=lambda state: planned(state).wait or 0.0,
            stop=lambda state: planned(state).wait is None,
            sleep=sleep,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        retrying(counted)
        bound = plans[len(statuses)].bound if len(statuses) in plans else None
        if bound is None or statuses[-1] != RATE_LIMITED:
            return Attempts(tuple(statuses))
        self.gave_up += 1
        limited = statuses.count(RATE_LIMITED)
        within = self.monotonic() - started
        reason = (
            f"rate limited: {limited} answer{'s' if limited > 1 else ''} 429 within "
            f"{within:.0f} s; the bound is {bound}"
        )
        return Attempts(tuple(statuses), reason)
