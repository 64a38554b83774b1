"""Nothing that was not observed is PASS: a requirement judged on values the chat completion
object may lack (its choices, their log probabilities, its usage) passes only on values it saw,
and is NOT OBSERVED (a skip that says why) where there were none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference import ReferenceApi
from conformance.reference.store import Record
from conformance.requirements import catalogue
from tests.conftest import SuiteRun

Run = Callable[..., SuiteRun]

# Requirements of the object's shape whose subject a minimal object still has (`created`).
ALWAYS_THERE = {"UCC-SHAPE-CREATED-INTEGER", "UCC-SHAPE-TIMESTAMPS-SECONDS"}


class NothingToJudge(ReferenceApi):
    """A minimal object, as the official schema allows: no choice, no usage."""

    def render(self, record: Record) -> dict[str, Any]:
        body = {k: v for k, v in super().render(record).items() if k != "usage"}
        return {**body, "choices": []}


class RefusesLogprobs(ReferenceApi):
    """A reasoning model's deployment: a create asking for log probabilities is refused."""

    async def create_endpoint(self, request: Request) -> Response:
        body = await request.json()
        if isinstance(body, dict) and "logprobs" in body:
            error = {"message": "logprobs is not supported with this model.", "type": "x"}
            return self.json({"error": {**error, "param": "logprobs", "code": None}}, 400)
        return await super().create_endpoint(request)


def test_no_requirement_of_the_object_passes_on_values_it_lacks(run_against: Run) -> None:
    run = run_against(NothingToJudge, "-m", "shape")
    shape = {rid for rid, r in catalogue().items() if rid.startswith("UCC-SHAPE-")}
    assert shape - ALWAYS_THERE, "the shape requirements are named UCC-SHAPE-*"
    passed = {rid for rid in shape if run.verdicts.get(rid) == "PASS"}
    assert passed <= ALWAYS_THERE, passed
    for rid in shape - ALWAYS_THERE:
        [row] = [r for r in run.compliance["requirements"] if r["id"] == rid]
        assert row["verdict"] == "SKIP", row
        assert all(c["message"].startswith("not observed: ") for c in row["cases"]), row


def test_log_probabilities_and_choice_indexes_are_judged_on_real_values(
    run_against: Run,
) -> None:
    """The shared completion is created with two choices and log probabilities."""
    run = run_against(ReferenceApi, "-m", "shape")
    assert run.verdicts["UCC-SHAPE-LOGPROBS-VALUES"] == "PASS"
    assert run.verdicts["UCC-SHAPE-CHOICE-INDEX"] == "PASS"


def test_a_target_that_refuses_log_probabilities_is_created_without_and_says_so(
    run_against: Run,
) -> None:
    run = run_against(RefusesLogprobs, "-m", "shape")
    assert run.result.ret == 0, run.result.stdout
    [row] = [r for r in run.compliance["requirements"] if r["id"] == "UCC-SHAPE-LOGPROBS-VALUES"]
    assert row["verdict"] == "SKIP"
    [case] = row["cases"]
    assert "refused a create asking for them" in case["message"], case
    assert "HTTP 400" in case["message"]
    assert run.compliance["completions_created"] <= 3
