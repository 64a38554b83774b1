"""Rate limits: the wait a target asks for is the wait slept, in every form it can ask in,
within the bounds; and a rate limit that outlasts them is the reason a case could not be
judged, never a failure of its requirement.

Every wait goes through an injected sleep (and clocks), so these see each wait the suite
would spend without spending it.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import formatdate

import httpx
import pytest

from conformance.client import Client, Exchange
from conformance.failures import ConformanceFailure, Inconclusive, SetupFailed
from conformance.judge import rate_limited
from conformance.retry import RateLimitPolicy, requested_wait

NOW = 1_700_000_000.25  # a wall time a quarter into its second
OK: tuple[int, Mapping[str, str]] = (200, {})


class FakeTime:
    """A clock that only moves when the policy sleeps."""

    def __init__(self) -> None:
        self.now = NOW
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def policy(self, **bounds: float) -> RateLimitPolicy:
        return RateLimitPolicy(
            sleep=self.sleep,
            clock=lambda: self.now,
            monotonic=lambda: self.now,
            jitter=lambda: 0.0,
            **bounds,  # type: ignore[arg-type]
        )


def run(policy: RateLimitPolicy, given: list[tuple[int, Mapping[str, str]]]) -> list[int | None]:
    """Run the policy over the given answers, in order; the statuses it saw."""
    queue = iter(given)
    return list(policy.run(lambda: next(queue)).statuses)


def test_two_retry_after_answers_are_each_waited_for() -> None:
    """The bug this pins: tenacity calls `wait` before `stop`, and a plan made in `stop` was
    never seen by `wait`, so every wait was 0 s."""
    time = FakeTime()
    policy = time.policy()
    limited = (429, {"retry-after": "2"})
    assert run(policy, [limited, limited, OK]) == [429, 429, 200]
    assert time.slept == [2.0, 2.0]
    assert (policy.retried, policy.waited, policy.gave_up) == (2, 4.0, 0)


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": " 1.5 "}, 1.5),  # RFC 9110 says an integer; the SDK takes a decimal
        ({"retry-after": "0"}, 0.0),  # "now", taken at its word
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),  # the SDK reads ms first
        ({"retry-after-ms": "250.5"}, 0.2505),
        ({"retry-after-ms": "soon", "retry-after": "4"}, 4.0),  # an unusable ms is skipped
        # An HTTP date names a second: wait until it has passed (NOW is 0.25 into its second).
        ({"retry-after": formatdate(NOW + 2, usegmt=True)}, 2.75),
        ({"retry-after": formatdate(NOW, usegmt=True)}, 0.75),
        ({"retry-after": formatdate(NOW - 5, usegmt=True)}, 0.0),  # that second has passed
        ({"retry-after": "Wed, 99 Foo 2023 25:61:00 GMT"}, None),
        ({"retry-after": "-1"}, None),
        ({}, None),
    ],
)
def test_requested_wait_reads_each_form(headers: dict[str, str], wait: float | None) -> None:
    assert requested_wait(headers, now=NOW) == pytest.approx(wait)


def test_without_a_header_the_wait_backs_off_exponentially_with_jitter() -> None:
    """1 s, 2 s, 4 s, each shortened by up to a quarter at random (as the SDK does), so the
    retries of many requests never land in lockstep."""
    time = FakeTime()
    policy = time.policy(max_attempts=4)
    draws = iter([0.0, 1.0, 0.5])
    policy.jitter = lambda: next(draws)
    limited = (429, {"retry-after": "soon"})
    run(policy, [limited, limited, limited, OK])
    assert time.slept == [1.0, 1.5, 3.5]


@pytest.mark.parametrize(
    ("given", "slept", "reason"),
    [
        (
            [(429, {"retry-after": "3"})] * 4,
            [3.0, 3.0, 3.0],
            "rate limited: 4 answers 429 within 9 s; the bound is 4 attempts a request",
        ),
        (
            [(429, {"retry-after": "60"})],
            [],
            "rate limited: 1 answer 429 within 0 s; the bound is 30 s for one wait (asked: 60 s)",
        ),
        (
            [(429, {"retry-after": "20"})] * 3,
            [20.0],
            "rate limited: 2 answers 429 within 20 s; the bound is 30 s of waiting in a run "
            "(20 s spent; --rate-limit-wait allows more)",
        ),
    ],
    ids=["attempts", "single-wait", "total-wait"],
)
def test_a_rate_limit_outlasting_a_bound_says_which(
    given: list[tuple[int, Mapping[str, str]]], slept: list[float], reason: str
) -> None:
    time = FakeTime()
    policy = time.policy(max_total_wait=30.0)
    queue = iter(given)
    attempts = policy.run(lambda: next(queue))
    assert time.slept == slept
    assert attempts.gave_up == reason
    assert policy.gave_up == 1


def test_a_persistent_503_is_a_finding_not_a_rate_limit() -> None:
    time = FakeTime()
    policy = time.policy()
    attempts = policy.run(lambda: (503, {"retry-after": "1"}))
    assert attempts.statuses == (503, 503, 503, 503)
    assert attempts.gave_up is None
    assert time.slept == [1.0, 1.0, 1.0]


def rate_limited_client(*given: httpx.Response) -> tuple[Client, FakeTime]:
    queue = iter(given)
    client = Client(
        "http://target.test/v1",
        "sk-retry-test-0123",
        transport=httpx.MockTransport(lambda request: next(queue)),
    )
    time = FakeTime()
    client.rate_limits = time.policy()
    return client, time


def too_many(**headers: str) -> httpx.Response:
    return httpx.Response(429, headers=headers, json={"error": {"code": "rate_limit_exceeded"}})


def test_client_marks_the_answer_a_rate_limit_made_stand() -> None:
    client, _ = rate_limited_client(*(too_many(**{"retry-after": "1"}) for _ in range(4)))
    exchange = client.retrieve("chatcmpl-1")
    assert exchange.status == 429
    assert exchange.rate_limited == (
        "rate limited: 4 answers 429 within 3 s; the bound is 4 attempts a request"
    )
    assert exchange.note is not None and exchange.rate_limited in exchange.note
    assert client.rate_limit_totals()["rate_limit_gave_up"] == 1


def test_client_keeps_the_last_announced_rate_limits() -> None:
    announced = {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s"}
    client, _ = rate_limited_client(
        too_many(**{"retry-after": "2"}, **announced),
        httpx.Response(200, headers={"x-ratelimit-remaining-requests": "59"}, json={}),
    )
    exchange = client.retrieve("chatcmpl-1")
    assert exchange.status == 200 and exchange.rate_limited is None
    totals = client.rate_limit_totals()
    assert totals["rate_limit_headers"] == {
        "x-ratelimit-remaining-requests": "59",
        "x-ratelimit-reset-requests": "2s",
    }
    assert (totals["rate_limit_retries"], totals["rate_limit_wait_s"]) == (1, 2.0)


def given_up() -> Exchange:
    exchange = Exchange("POST", "http://target.test/v1/x", {}, b"{}", status=429)
    exchange.rate_limited = "rate limited: 4 answers 429 within 9 s; the bound is 4 attempts"
    return exchange


def test_a_failure_on_a_rate_limited_answer_cannot_be_judged() -> None:
    failure = ConformanceFailure("expected HTTP 200, got HTTP 429", (given_up(),))
    instead = rate_limited(failure)
    assert isinstance(instead, Inconclusive)
    assert instead.reason == (
        "rate limited: 4 answers 429 within 9 s; the bound is 4 attempts "
        "(so: expected HTTP 200, got HTTP 429)"
    )
    assert instead.exchanges == failure.exchanges


def test_a_setup_failure_on_a_rate_limited_answer_names_the_rate_limit() -> None:
    instead = rate_limited(SetupFailed("could not create a chat completion", (given_up(),)))
    assert isinstance(instead, SetupFailed)
    assert instead.cause.endswith(
        "; rate limited: 4 answers 429 within 9 s; the bound is 4 attempts"
    )


def test_a_pass_on_a_rate_limited_answer_cannot_be_judged() -> None:
    """A 429 is a 4xx: a case that wants a refusal would pass on it, and learn nothing."""
    instead = rate_limited(None, (given_up(),))
    assert isinstance(instead, Inconclusive)
    assert instead.reason.endswith("(so: the case passed on that answer)")


def test_other_endings_are_left_as_they_are() -> None:
    plain = Exchange("POST", "http://target.test/v1/x", {}, b"{}", status=429)
    assert rate_limited(ConformanceFailure("expected HTTP 200", (plain,))) is None
    assert rate_limited(None, (plain,)) is None
    assert rate_limited(RuntimeError("a bug")) is None
    assert rate_limited(None) is None
