"""Fuzz cases: updates generated from the derived spec by Schemathesis, judged by its checks.

Positive generation makes updates the spec allows, negative generation updates that break it
(wrong types, long keys and values, arrays for maps, a missing `metadata`, bodies that are not
JSON...). Each case binds the generated input to the run's stored completion and key, sends
it through the run's Client, and judges one thing, under one requirement, so that one
violation never hides another (Hypothesis stops a case at its first failure, then shrinks the
input). The generation settings are fixed before collection (conformance/fuzz/plugin.py); a
failure says which seed reproduces it.

Check -> requirement:
  positive_data_acceptance, not_a_server_error, content_type_conformance
                                                  -> UCC-RESP-STATUS
  read back on retrieve (ours)                    -> UCC-META-ROUNDTRIP-RETRIEVE
  response_schema_conformance (200 answers)       -> UCC-RESP-SCHEMA
  negative_data_rejection, not_a_server_error, stored metadata unchanged (ours)
                                                  -> UCC-VALID-GENERATED-INVALID-REJECTED
  response_schema_conformance, content_type_conformance (4xx answers)
                                                  -> UCC-ERR-OBJECT
  status_code_conformance (4xx answers)           -> UCC-ERR-VALIDATION-400
  ignored_auth, probe without a key               -> UCC-AUTH-MISSING-401
  ignored_auth, probe with a wrong key            -> UCC-AUTH-WRONG-401
  use_after_free, update after delete (ours)      -> UCC-DELETED-REJECTED (stateful)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure
from schemathesis.generation.case import Case
from schemathesis.openapi.checks import AuthScenario, IgnoredAuth

from conformance.fuzz import stateful
from conformance.fuzz.runner import Fuzzer, open_for_a_valid_update, open_for_an_invalid_update
from conformance.fuzz.schemas import collected
from conformance.fuzz.sending import body_of
from conformance.fuzz.states import is_client_error

# The running suite's schemas: its budgets and seed (conformance/fuzz/plugin.py).
SCHEMAS = collected()
POSITIVE, NEGATIVE, AUTH = SCHEMAS.positive, SCHEMAS.negative, SCHEMAS.auth

pytestmark = pytest.mark.fuzz

# One failure per case (the first, shrunk); Schemathesis's settings decide the rest.
one_failure = hypothesis.settings(
    report_multiple_bugs=False, suppress_health_check=list(hypothesis.HealthCheck)
)


# --- valid updates (positive generation) --------------------------------------------------
@POSITIVE.parametrize()
@one_failure
@pytest.mark.requirement("UCC-RESP-STATUS")
def test_fuzz_valid_update_is_accepted(case: Case[Any], fuzzer: Fuzzer) -> None:
    """MUST: "The ChatCompletion object matching the specified ID." Every update the spec allows
    answers 200 with a JSON body; only what the page leaves open may be refused (an empty key, a
    NUL character), never with a 5xx."""
    response = fuzzer.send(case)
    checks = [not_a_server_error, positive_data_acceptance]
    if response.status_code == 200:
        checks.append(content_type_conformance)
    elif is_client_error(response.status_code) and (
        open_for_a_valid_update(body_of(case)) or fuzzer.state.open_because_merged(case)
    ):
        checks = [not_a_server_error]
    fuzzer.check(case, response, checks)


@POSITIVE.parametrize()
@one_failure
@pytest.mark.requirement("UCC-META-ROUNDTRIP-RETRIEVE")
def test_fuzz_accepted_update_reads_back_exactly(case: Case[Any], fuzzer: Fuzzer) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object. This can be useful for
    storing additional information about the object in a structured format, and querying for
    objects via API or the dashboard." Whatever generated pairs are accepted come back exactly on
    retrieve (control characters, odd Unicode and all); refusals are UCC-RESP-STATUS's to judge."""
    response = fuzzer.send(case)
    if response.status_code == 200:
        fuzzer.state.expect_round_trip(case, dict(body_of(case)["metadata"]))


@POSITIVE.parametrize()
@one_failure
@pytest.mark.requirement("UCC-RESP-SCHEMA")
def test_fuzz_accepted_update_answers_a_chat_completion(case: Case[Any], fuzzer: Fuzzer) -> None:
    """MUST: "Represents a chat completion response returned by model, based on the provided input."
    Every 200 answer to a generated update validates against the chat completion object."""
    response = fuzzer.send(case)
    if response.status_code == 200:
        fuzzer.check(case, response, [response_schema_conformance])


# --- invalid updates (negative generation) ------------------------------------------------
@NEGATIVE.parametrize()
@one_failure
@pytest.mark.requirement("UCC-VALID-GENERATED-INVALID-REJECTED")
def test_fuzz_invalid_update_is_refused_and_changes_nothing(
    case: Case[Any], fuzzer: Fuzzer
) -> None:
    """MUST: The page's request body is a JSON object whose one field, metadata, is Required and a
    map of strings. Every update that breaks the spec is refused with a 4xx, never accepted and
    never a 5xx, and the stored metadata is what it was before it; `"metadata": null` is left
    open (UCC-INFO-NULL-METADATA)."""
    fuzzer.state.known()
    response = fuzzer.send(case)
    checks = [not_a_server_error]
    if open_for_an_invalid_update(body_of(case)) is None:
        checks.append(negative_data_rejection)
    if 200 <= response.status_code < 300:
        fuzzer.state.forget()  # accepted (a failure, or open): the stored state is unknown
    fuzzer.check(case, response, checks)
    if not 200 <= response.status_code < 300:
        fuzzer.state.expect_unchanged(case)


@NEGATIVE.parametrize()
@one_failure
@pytest.mark.requirement("UCC-ERR-OBJECT")
def test_fuzz_refusal_carries_an_error_object(case: Case[Any], fuzzer: Fuzzer) -> None:
    """MUST: The page documents no error format; the API it describes (OpenAI's) answers every error
    with a JSON body {"error": {"message", "type", "param", "code"}} (the ErrorResponse of the
    official OpenAPI document). Every 4xx answer to a generated invalid update is JSON with an
    `error` object holding a `message`."""
    response = fuzzer.send(case)
    if is_client_error(response.status_code):
        fuzzer.check(case, response, [content_type_conformance, response_schema_conformance])


@NEGATIVE.parametrize()
@one_failure
@pytest.mark.requirement("UCC-ERR-VALIDATION-400")
def test_fuzz_refusal_uses_a_documented_status(case: Case[Any], fuzzer: Fuzzer) -> None:
    """SHOULD: "Keys are strings with a maximum length of 64 characters. Values are strings
    with a maximum length of 512 characters." A generated invalid update is refused with a
    status the spec documents (400; 401 and 404 for the key and the id), not 422 or 409."""
    response = fuzzer.send(case)
    if is_client_error(response.status_code):
        fuzzer.check(case, response, [status_code_conformance])


# --- authentication -----------------------------------------------------------------------
def scenario(expected: AuthScenario) -> Callable[[Failure], bool]:
    def counts(failure: Failure) -> bool:
        return isinstance(failure, IgnoredAuth) and failure.scenario == expected

    return counts


@AUTH.parametrize()
@one_failure
@pytest.mark.requirement("UCC-AUTH-MISSING-401")
def test_fuzz_valid_update_without_a_key_is_refused(case: Case[Any], fuzzer: Fuzzer) -> None:
    """MUST: The page's example request authenticates with a bearer key (-H "Authorization: Bearer
    $FAST_API_KEY"); in HTTP, 401 Unauthorized is the answer to a request without valid
    credentials (RFC 9110, section 15.5.2). Each accepted generated update is sent again without
    the key (Schemathesis's ignored_auth), and must be refused."""
    response = fuzzer.send(case)
    fuzzer.check(case, response, [ignored_auth], counts=scenario(AuthScenario.NO_AUTH))


@AUTH.parametrize()
@one_failure
@pytest.mark.requirement("UCC-AUTH-WRONG-401")
def test_fuzz_valid_update_with_a_wrong_key_is_refused(case: Case[Any], fuzzer: Fuzzer) -> None:
    """MUST: The page's example request authenticates with a bearer key (-H "Authorization: Bearer
    $FAST_API_KEY"); in HTTP, 401 Unauthorized is the answer to a request without valid
    credentials (RFC 9110, section 15.5.2). Each accepted generated update is sent again with a
    wrong key (Schemathesis's ignored_auth), and must be refused."""
    response = fuzzer.send(case)
    fuzzer.check(case, response, [ignored_auth], counts=scenario(AuthScenario.INVALID_AUTH))


# --- sequences (stateful) -----------------------------------------------------------------
@pytest.mark.requirement("UCC-DELETED-REJECTED")
def test_fuzz_sequences_never_update_a_deleted_completion(stateful_fuzzer: Fuzzer) -> None:
    """MUST: "Only chat completions that have been created with the store parameter set to
    true can be modified." Generated sequences of create, update, retrieve and delete: once
    a completion is deleted, updating it is refused and retrieving it finds nothing."""
    settings = stateful_fuzzer.target.settings
    assert settings.model is not None
    stateful.run(stateful_fuzzer, settings.model)
