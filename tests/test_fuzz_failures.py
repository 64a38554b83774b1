"""What a fuzz failure says of itself: where its input came from, as it really was, and which
exchange the failing check judged (for an authentication probe, the probe, not the case)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from schemathesis.openapi.checks import AuthScenario, IgnoredAuth

from conformance.client import Exchange
from conformance.fuzz.runner import checked_exchange, provenance

URL = "http://target.test/v1/chat/completions/chatcmpl-1"


def case_from(phase: str | None) -> Any:
    """A stand-in for a Schemathesis case: only its metadata's phase is read."""
    if phase is None:
        return SimpleNamespace(meta=None)
    return SimpleNamespace(
        meta=SimpleNamespace(phase=SimpleNamespace(name=SimpleNamespace(value=phase)))
    )


@pytest.mark.parametrize(
    ("phase", "says"),
    [
        ("fuzzing", "a generated input, shrunk by Hypothesis to the smallest that still fails"),
        ("coverage", "a boundary input of Schemathesis's coverage phase (fixed, not shrunk)"),
        ("examples", "an example from the spec (fixed, not shrunk)"),
        (None, "an input sent as it was built (not shrunk)"),
    ],
    ids=["generated", "coverage", "examples", "hand-built"],
)
def test_failure_says_whether_its_input_was_shrunk(phase: str | None, says: str) -> None:
    """Only generated inputs are shrunk: a boundary input must not claim to be the smallest."""
    assert provenance(case_from(phase)) == says


def exchange(seq: int, authorization: str | None, status: int) -> Exchange:
    headers = {"authorization": authorization} if authorization else {}
    return Exchange("POST", URL, headers, b"{}", status=status, seq=seq)


def test_auth_failure_shows_the_probe_that_was_let_through() -> None:
    """The case itself was sent with the key (200); the wrong-key probe is what failed."""
    sent = exchange(1, "Bearer sk-run", 200)
    without = exchange(2, None, 401)
    wrong = exchange(3, "Bearer sk-wrong", 400)
    failure = IgnoredAuth(
        operation="POST /x", message="400 Bad Request", scenario=AuthScenario.INVALID_AUTH
    )
    assert checked_exchange([sent, without, wrong], [failure]) is wrong


def test_other_failures_judge_the_cases_own_exchange() -> None:
    sent = exchange(1, "Bearer sk-run", 500)
    later = exchange(2, "Bearer sk-run", 200)
    assert checked_exchange([sent, later], []) is sent
    assert checked_exchange([], []) is None
