"""Each distinct fuzz input goes out once a run, and the state checks it calls for still judge.

The fuzz cases of one generation mode generate the same inputs from the same seed; the
answer received the first time serves every later case (conformance.fuzz.answers). These
tests prove the requests are not sent again, and that what is learned of the stored state
right after a request is what a later case is judged on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from starlette.requests import Request
from starlette.responses import Response

from conformance.client import Exchange
from conformance.failures import ConformanceFailure
from conformance.fuzz.answers import ROUND_TRIP, Answers, request_key
from conformance.reference import ReferenceApi
from tests.conftest import SuiteRun

Run = Callable[..., SuiteRun]


class CountsUpdates(ReferenceApi):
    """The reference server, noting every update request it is sent: what makes one request
    another (negative generation sends a valid body with another content type, too)."""

    sent: ClassVar[Counter[tuple[str, bytes, str | None, str | None]]] = Counter()

    async def update_endpoint(self, request: Request) -> Response:
        body = await request.body()
        headers = request.headers
        request_id = (
            request.url.path,
            body,
            headers.get("authorization"),
            headers.get("content-type"),
        )
        self.sent[request_id] += 1
        return await super().update_endpoint(request)


def test_no_fuzz_update_goes_out_twice_in_a_run(run_against: Run) -> None:
    CountsUpdates.sent.clear()

    run = run_against(CountsUpdates, "--fuzz", "-m", "fuzz", "--fuzz-seed=3")

    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    again = {request: n for request, n in CountsUpdates.sent.items() if n > 1}
    assert again == {}
    assert len(CountsUpdates.sent) > 20  # the cases did send their inputs


def test_a_request_differs_by_its_credentials_and_its_body() -> None:
    with_key = request_key("POST", "/x", b"{}", {"authorization": "Bearer a"})

    assert with_key == request_key("POST", "/x", b"{}", {"authorization": "Bearer a"})
    assert with_key != request_key("POST", "/x", b"{}", {"authorization": "Bearer b"})
    assert with_key != request_key("POST", "/x", b"{}", {})
    assert with_key != request_key("POST", "/x", b"{ }", {"authorization": "Bearer a"})
    assert "Bearer a" not in repr(with_key)


def test_a_state_check_failure_learned_once_is_raised_on_every_recall() -> None:
    answers = Answers()
    key = request_key("POST", "/x", b"{}", {})
    failure = ConformanceFailure("the pairs did not come back", ())

    def check() -> Any:
        raise failure

    answers.learn(ROUND_TRIP, key, check)

    for _ in range(2):
        with pytest.raises(ConformanceFailure) as raised:
            answers.recall(ROUND_TRIP, key)
        assert raised.value is failure


def test_an_accepted_request_leaves_the_stored_state_unknown_and_a_refused_one_does_not() -> None:
    """A probe without a key that a target accepts writes as much as the case's own update."""
    answers = Answers(known={"metadata": {"k": "v"}})

    def exchange(status: int) -> Exchange:
        return Exchange("POST", "http://t/x", {}, b"{}", status=status)

    answers.keep(request_key("POST", "/x", b"{}", {}), exchange(401))
    assert answers.known == {"metadata": {"k": "v"}}
    answers.keep(request_key("POST", "/x", b"{}", {}), exchange(200))
    assert answers.known is None


def test_a_transport_failure_is_not_kept_as_an_answer() -> None:
    answers = Answers()
    key = request_key("POST", "/x", b"{}", {})

    answers.keep(key, Exchange("POST", "http://t/x", {}, b"{}", error="timed out"))

    assert answers.answer(key) is None
