"""Hostile targets: each ends the run with a one-line verdict, in bounded time, with the
reports written and the API key in none of them.

Bounded is asserted by what the run did, not by the clock (speed is the benchmark's): a write
that never lands is waited for once per kind, and a target that stops answering is asked
at most BREAKER_THRESHOLD times before the rest of the run fails at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from conformance.client import BREAKER_THRESHOLD
from conformance.reference import BackgroundServer, ReferenceApi
from tests.conftest import API_KEY, SuiteRun
from tests.faults import hostile
from tests.test_fault_matrix import assert_bounded

Serve = Callable[[type[ReferenceApi]], BackgroundServer]
Run = Callable[..., SuiteRun]


def user_args(base_url: str, *extra: str) -> tuple[str, ...]:
    """What a user types: the target, a key and a model; every other option at its default."""
    return (f"--base-url={base_url}", f"--api-key={API_KEY}", "--model=test-model", *extra)


def vendor_args(base_url: str, *extra: str) -> tuple[str, ...]:
    """For targets that hang: a short answer timeout keeps the suite's own tests short."""
    return user_args(base_url, "--timeout=1", *extra)


def waited_out(run: SuiteRun) -> int:
    """How many requests the run waited the whole answer timeout for (in the cases'
    transcripts: the root cause repeats one of them)."""
    text = json.dumps(run.compliance["requirements"])
    return text.count("< no answer within")


def assert_clean_failure(run: SuiteRun, *phrases: str) -> None:
    """Failed, bounded, reports written, the cause named, no key, no raw dump."""
    out = run.outputs()
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    assert_bounded(run)
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
    # Bodies no careful JSON reader takes: each the target's failure, in one line, and none
    # the suite's (before, the first and the integer were 31 ERRORs; the deep-but-parseable,
    # duplicate-key and byte-order-mark ones passed).
    "nested-100000-deep": (
        hostile.NestedTooDeepForTheParser,
        "it nests arrays and objects more than 64 levels deep",
    ),
    "nested-500-deep": (
        hostile.NestedDeepButParseable,
        "it nests arrays and objects more than 64 levels deep",
    ),
    "number-beyond-double": (
        hostile.NumberBeyondDouble,
        "the number 1e400 is beyond the range of a double",
    ),
    "integer-beyond-double": (
        hostile.IntegerBeyondDouble,
        "(5000 digits) is beyond the range of a double",
    ),
    "duplicate-keys": (hostile.DuplicateKeys, "the key 'id' appears twice in one object"),
    "nan-literal": (hostile.NanLiteral, "NaN is no JSON value"),
    "byte-order-mark": (hostile.ByteOrderMark, "it starts with a byte-order mark"),
    "bytes-after-the-json": (hostile.BytesAfterTheJson, "more follows the JSON value"),
    "event-stream": (hostile.EventStreamOnUpdate, "an event stream, not one JSON value"),
}


@pytest.mark.parametrize(
    ("api_class", "phrase"), HOSTILE_ANSWERS.values(), ids=HOSTILE_ANSWERS.keys()
)
def test_hostile_answer_fails_with_the_problem_named(
    serve: Serve, run_suite: Run, api_class: type[ReferenceApi], phrase: str
) -> None:
    """At the defaults a user runs with: an unusable update answer is judged at once, and
    no case waits the consistency bound for a write the answer never confirmed."""
    server = serve(api_class)
    run = run_suite(*user_args(server.base_url))
    assert_clean_failure(run, phrase)
    assert run.verdicts["UCC-RESP-STATUS"] == "FAIL"
    assert run.compliance["writes_never_visible"] == []


def test_fuzz_cases_charge_an_unparseable_answer_to_the_target(
    serve: Serve, run_suite: Run
) -> None:
    """Schemathesis decodes answers itself: a body Python's json cannot take (nested 100,000
    deep) fails the schema requirement there too, and breaks no fuzz case."""
    server = serve(hostile.NestedTooDeepForTheParser)
    run = run_suite(*user_args(server.base_url, "--fuzz", "-m", "fuzz"))
    assert_clean_failure(run, "deserialization error")
    assert run.verdicts["UCC-RESP-SCHEMA"] == "FAIL"


def test_body_that_never_ends_is_cut_at_the_deadline(serve: Serve, run_suite: Run) -> None:
    """An answer that starts and keeps trickling never reaches a read timeout: the deadline
    (twice the answer timeout) cuts it, and the breaker stops the run asking again."""
    server = serve(hostile.EndlessBodyOnUpdate)
    run = run_suite(*vendor_args(server.base_url))
    assert_clean_failure(run, "no complete answer within 2 s: the body was still arriving")
    cut = json.dumps(run.compliance).count("< no complete answer within")
    assert 0 < cut <= BREAKER_THRESHOLD


def test_persistent_503_is_retried_a_bounded_number_of_times(serve: Serve, run_suite: Run) -> None:
    """A 5xx that persists is a finding, retried a few times, never forever."""
    server = serve(hostile.AlwaysUnavailable)
    run = run_suite(*user_args(server.base_url, "-k", "UCC-RESP-STATUS"))
    assert run.verdicts["UCC-RESP-STATUS"] == "FAIL"
    assert "after 3 answer(s) 503, 503, 503 retried" in run.outputs()


@pytest.mark.parametrize("mode", ["hang", "reset"], ids=["no-answer", "connection-reset"])
def test_unanswering_target_fails_fast_with_one_cause(run_suite: Run, mode: str) -> None:
    """Once the target stops answering, the rest of the run fails at once with that cause."""
    with hostile.RawServer(mode) as server:  # type: ignore[arg-type]
        run = run_suite(*vendor_args(server.base_url))
    phrase = "no answer within 1 s" if mode == "hang" else "connection broken"
    assert_clean_failure(run, phrase)
    assert waited_out(run) <= BREAKER_THRESHOLD


def test_target_that_stops_answering_updates_fails_the_rest_fast(
    serve: Serve, run_suite: Run
) -> None:
    """Without the breaker each of ~80 update cases would wait out its 1 s timeout."""
    server = serve(hostile.HangsOnUpdate)
    run = run_suite(*vendor_args(server.base_url))
    assert_clean_failure(
        run, "no answer within 1 s", "not sent: the target stopped answering earlier"
    )
    assert waited_out(run) <= BREAKER_THRESHOLD


def test_redirect_to_another_origin_is_not_followed(serve: Serve, run_suite: Run) -> None:
    """The key must never travel to another origin: a 307 is reported, never followed."""
    with hostile.RawServer("record") as elsewhere:

        class ToElsewhere(hostile.RedirectsUpdate):
            pass

        ToElsewhere.elsewhere = f"http://127.0.0.1:{elsewhere.port}"
        server = serve(ToElsewhere)
        run = run_suite(*user_args(server.base_url))
        assert_clean_failure(run, "HTTP 307 redirect to", "(not followed)")
    assert elsewhere.received == []


def test_occasional_rate_limits_still_give_a_clean_verdict(serve: Serve, run_suite: Run) -> None:
    """429 with Retry-After (seconds or HTTP date) is waited out; the verdict is the
    reference's: everything passes, and the retries are counted in the report."""
    server = serve(hostile.RateLimitsNowAndThen)
    run = run_suite(*user_args(server.base_url, "--strict"))
    assert run.result.ret == pytest.ExitCode.OK, run.outputs()[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR", "INCONCLUSIVE") == set()
    assert "rate-limited answers retried:" in str(run.result.stdout)


# Each form of saying "come back later", and what the run selects: one form runs the whole
# suite, the others the limits area (about 36 requests: two windows each), so the four runs
# wait about 20 s in all.
RATE_LIMIT_RUNS: dict[str, tuple[hostile.RateLimitForm, int, tuple[str, ...]]] = {
    "retry-after-seconds": ("seconds", 40, ()),
    "retry-after-date": ("date", 15, ("-m", "limits")),
    "retry-after-ms": ("ms", 15, ("-m", "limits")),
    "no-header": ("none", 15, ("-m", "limits")),
}


@pytest.mark.parametrize(
    ("form", "every", "selection"), RATE_LIMIT_RUNS.values(), ids=RATE_LIMIT_RUNS
)
def test_rate_limit_windows_are_waited_out(
    serve: Serve,
    run_suite: Run,
    form: hostile.RateLimitForm,
    every: int,
    selection: tuple[str, ...],
) -> None:
    """A vendor whose rate limit shuts every request out for 2 s, at the user's defaults: the
    suite waits as long as it is told (or backs off), so the run passes; every 429 the server
    sent was retried, and the waits the report counts cover each window."""
    api_class = hostile.rate_limit_windows(form, every)
    server = serve(api_class)
    run = run_suite(*user_args(server.base_url, *selection))
    assert run.result.ret == pytest.ExitCode.OK, run.outputs()[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR", "INCONCLUSIVE") == set()
    counts, doc = api_class.counts, run.compliance
    assert counts.windows >= 2
    assert doc["rate_limit_retries"] == counts.limited
    assert doc["rate_limit_gave_up"] == 0
    assert doc["rate_limit_wait_s"] >= counts.windows * (api_class.window - 0.1)
    assert doc["rate_limit_headers"]["x-ratelimit-limit-requests"] == str(every)
    stdout = str(run.result.stdout)
    assert f"rate-limited answers retried: {counts.limited} (waited" in stdout
    assert f"x-ratelimit-* last seen: limit-requests {every}," in stdout
    assert "x-ratelimit-* last seen" in (run.reports_dir / "report.html").read_text()


def test_a_rate_limit_outlasting_the_bounds_is_inconclusive_never_a_fail(
    serve: Serve, run_suite: Run
) -> None:
    """Every update answered 429: the retries run out, and no requirement is failed (nor
    passed: a 429 is no refusal of a 17-pair map) for it; each such case says why."""
    server = serve(hostile.AlwaysRateLimited)
    run = run_suite(*user_args(server.base_url, "-m", "response or limits"))
    out = run.outputs()
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    assert run.with_verdict("FAIL", "WARN", "ERROR", "PASS") == set(), run.verdicts
    assert {"UCC-RESP-STATUS", "UCC-LIMIT-PAIRS-17"} <= run.with_verdict("INCONCLUSIVE")
    assert "rate limited: 4 answers 429 within 0 s; the bound is 4 attempts a request" in out
    assert run.compliance["rate_limit_gave_up"] > 0
    assert "still rate limited when the retry bounds ran out" in str(run.result.stdout)
    assert "Traceback" not in str(run.result.stdout)


def test_key_never_appears_even_when_the_server_echoes_it(serve: Serve, run_suite: Run) -> None:
    """The canary: the server repeats the Authorization header in its answers, and a case
    fails so that answer lands in a transcript; the key is in no output."""
    server = serve(hostile.EchoesAuthorization)
    run = run_suite(*user_args(server.base_url))
    out = run.outputs()
    assert run.verdicts["UCC-SHAPE-USAGE-TOTAL"] == "FAIL"
    assert "debug_authorization" in out
    assert "Bearer [REDACTED]" in out
    assert API_KEY not in out
