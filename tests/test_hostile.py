"""Hostile targets: each ends the run with a one-line verdict, in bounded time, with the
reports written and the API key in none of them."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from conformance.reference import BackgroundServer, ReferenceApi
from tests.conftest import API_KEY, SuiteRun
from tests.faults import hostile

Serve = Callable[[type[ReferenceApi]], BackgroundServer]
Run = Callable[..., SuiteRun]

# Generous: the point is "bounded", not fast; the benchmark measures speed.
TIME_BOUND = 60.0


def vendor_args(base_url: str, *extra: str) -> tuple[str, ...]:
    return (
        f"--base-url={base_url}",
        f"--api-key={API_KEY}",
        "--model=test-model",
        "--consistency-timeout=0",
        "--timeout=1",
        *extra,
    )


def assert_clean_failure(run: SuiteRun, elapsed: float, *phrases: str) -> None:
    """Failed, in bounded time, reports written, the cause named, no key, no raw dump."""
    out = run.outputs()
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    assert elapsed < TIME_BOUND
    assert (run.reports_dir / "compliance.json").exists()
    assert (run.reports_dir / "report.html").exists()
    assert (run.reports_dir / "junit.xml").exists()
    for phrase in phrases:
        assert phrase in out, phrase
    assert API_KEY not in out
    assert "Traceback" not in str(run.result.stdout)
    assert not run.with_verdict("ERROR"), run.verdicts


HOSTILE_ANSWERS: dict[str, tuple[type[ReferenceApi], str]] = {
    "html-page": (hostile.HtmlOnUpdate, "response body is not JSON (text/html"),
    "twenty-megabytes": (hostile.HugeBodyOnUpdate, "response body is larger than 2000000 bytes"),
    "not-utf8": (hostile.NonUtf8OnUpdate, "response body is not JSON (application/json"),
    "outage-503": (hostile.AlwaysUnavailable, "expected HTTP 200, got HTTP 503"),
}


@pytest.mark.parametrize(
    ("api_class", "phrase"), HOSTILE_ANSWERS.values(), ids=HOSTILE_ANSWERS.keys()
)
def test_hostile_answer_fails_with_the_problem_named(
    serve: Serve, run_suite: Run, api_class: type[ReferenceApi], phrase: str
) -> None:
    server = serve(api_class)
    started = time.monotonic()
    run = run_suite(*vendor_args(server.base_url))
    assert_clean_failure(run, time.monotonic() - started, phrase)
    assert run.verdicts["UCC-RESP-STATUS"] == "FAIL"


def test_persistent_503_is_retried_a_bounded_number_of_times(serve: Serve, run_suite: Run) -> None:
    """A 5xx that persists is a finding, retried a few times, never forever."""
    server = serve(hostile.AlwaysUnavailable)
    run = run_suite(*vendor_args(server.base_url, "-k", "UCC-RESP-STATUS"))
    assert run.verdicts["UCC-RESP-STATUS"] == "FAIL"
    assert "after 3 answer(s) 503, 503, 503 retried" in run.outputs()


@pytest.mark.parametrize("mode", ["hang", "reset"], ids=["no-answer", "connection-reset"])
def test_unanswering_target_fails_fast_with_one_cause(run_suite: Run, mode: str) -> None:
    """Once the target stops answering, the rest of the run fails at once with that cause."""
    with hostile.RawServer(mode) as server:  # type: ignore[arg-type]
        started = time.monotonic()
        run = run_suite(*vendor_args(server.base_url))
        elapsed = time.monotonic() - started
    phrase = "no answer within 1 s" if mode == "hang" else "connection broken"
    assert_clean_failure(run, elapsed, phrase)


def test_target_that_stops_answering_updates_fails_the_rest_fast(
    serve: Serve, run_suite: Run
) -> None:
    """Without the breaker each of ~80 update cases would wait out its 1 s timeout."""
    server = serve(hostile.HangsOnUpdate)
    started = time.monotonic()
    run = run_suite(*vendor_args(server.base_url))
    elapsed = time.monotonic() - started
    assert_clean_failure(
        run, elapsed, "no answer within 1 s", "not sent: the target stopped answering earlier"
    )
    assert elapsed < 40


def test_redirect_to_another_origin_is_not_followed(serve: Serve, run_suite: Run) -> None:
    """The key must never travel to another origin: a 307 is reported, never followed."""
    with hostile.RawServer("record") as elsewhere:

        class ToElsewhere(hostile.RedirectsUpdate):
            pass

        ToElsewhere.elsewhere = f"http://127.0.0.1:{elsewhere.port}"
        server = serve(ToElsewhere)
        started = time.monotonic()
        run = run_suite(*vendor_args(server.base_url))
        assert_clean_failure(
            run, time.monotonic() - started, "HTTP 307 redirect to", "(not followed)"
        )
    assert elsewhere.received == []


def test_occasional_rate_limits_still_give_a_clean_verdict(serve: Serve, run_suite: Run) -> None:
    """429 with Retry-After (seconds or HTTP date) is waited out; the verdict is the
    reference's: everything passes, and the retries are counted in the report."""
    server = serve(hostile.RateLimitsNowAndThen)
    run = run_suite(*vendor_args(server.base_url, "--strict"))
    assert run.result.ret == pytest.ExitCode.OK, run.outputs()[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR", "INCONCLUSIVE") == set()
    assert "rate-limited answers retried:" in str(run.result.stdout)


def test_key_never_appears_even_when_the_server_echoes_it(serve: Serve, run_suite: Run) -> None:
    """The canary: the server repeats the Authorization header in its answers, and a case
    fails so that answer lands in a transcript; the key is in no output."""
    server = serve(hostile.EchoesAuthorization)
    run = run_suite(*vendor_args(server.base_url))
    out = run.outputs()
    assert run.verdicts["UCC-SHAPE-USAGE-TOTAL"] == "FAIL"
    assert "debug_authorization" in out
    assert "Bearer [REDACTED]" in out
    assert API_KEY not in out
