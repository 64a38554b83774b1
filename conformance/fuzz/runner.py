"""Judging a generated case's answer, and the failure a vendor reads.

A case goes out through the run's Client (conformance.fuzz.sending), bound to the run's stored
completion and key, and what the stored completion shows after it is checked by
conformance.fuzz.states. Schemathesis's checks judge the answer; a `FailureGroup` becomes a
`ConformanceFailure` carrying the exchanges, the check codes and messages, how the case was
generated, and Schemathesis's own curl line (its Authorization header filtered), so the
plugin reports it under the case's requirement like any handwritten failure. Hypothesis has
shrunk the input by then: the failure shows the smallest one that still fails.

What the page leaves open is never judged: an empty key (UCC-INFO-EMPTY-KEY), a NUL character,
`"metadata": null`, and, on a target that merges updates into the stored map, a valid update
that would take the map past 16 pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from schemathesis.checks import CheckFunction
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation.case import Case
from schemathesis.openapi.checks import IgnoredAuth

from conformance.access import DEFAULT_AUTH_HEADER
from conformance.client import Exchange
from conformance.failures import ConformanceFailure
from conformance.fuzz.answers import Answers
from conformance.fuzz.limits import Creations
from conformance.fuzz.schemas import Schemas
from conformance.fuzz.sending import Sender, origin, status_of
from conformance.fuzz.settings import FuzzSettings
from conformance.fuzz.states import StateChecks
from conformance.samples import is_valid_metadata
from conformance.target import Completion, Target

# Schemathesis's own curl line is shown only while it stays readable; the transcript's curl
# line (with a long body written to a file beside the reports) always reproduces the request.
SCHEMATHESIS_CURL_CHARS = 400


def open_for_a_valid_update(body: Any) -> str | None:
    """Why the page lets a target refuse this valid update (None: it must accept it)."""
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if not isinstance(metadata, dict):
        return None
    for key, value in metadata.items():
        if key == "":
            return "it has an empty key (UCC-INFO-EMPTY-KEY)"
        if "\x00" in key or "\x00" in str(value):
            return "it holds a NUL character, which many stores cannot keep"
    return None


def open_for_an_invalid_update(body: Any) -> str | None:
    """Why the page lets a target accept this invalid update (None: it must refuse it)."""
    if not isinstance(body, dict) or "metadata" not in body:
        return None
    if body["metadata"] is None:
        return "`metadata: null` is open (UCC-INFO-NULL-METADATA)"
    if len(body) > 1 and is_valid_metadata(body["metadata"]):
        # Ignoring fields besides metadata is allowed; rejecting them is a SHOULD, judged by
        # the handwritten UCC-UPDATE-EXTRA-FIELDS-* cases.
        return "only fields besides metadata are wrong (UCC-UPDATE-EXTRA-FIELDS-REJECTED)"
    return None


def provenance(case: Case[Any]) -> str:
    """Where the failing input came from, as it really was: Hypothesis shrinks only the inputs
    it generated; the coverage and examples phases send fixed inputs, reported as they were."""
    meta = case.meta
    phase = meta.phase.name.value if meta is not None else None
    if phase == "fuzzing":
        return "a generated input, shrunk by Hypothesis to the smallest that still fails"
    if phase == "coverage":
        return "a boundary input of Schemathesis's coverage phase (fixed, not shrunk)"
    if phase == "examples":
        return "an example from the spec (fixed, not shrunk)"
    return "an input sent as it was built (not shrunk)"


def checked_exchange(
    exchanges: Sequence[Exchange],
    failures: Sequence[Failure],
    key_header: str = DEFAULT_AUTH_HEADER,
) -> Exchange | None:
    """The exchange the failing checks looked at: for an authentication probe, the request sent
    without the key or with a wrong one (the last such, told by the run's key header);
    otherwise the case's own request."""
    probes = [f for f in failures if isinstance(f, IgnoredAuth)]
    if probes:
        sent_with_key = next((e.request_headers.get(key_header) for e in exchanges), None)
        for exchange in reversed(exchanges):
            if exchange.request_headers.get(key_header) != sent_with_key:
                return exchange
    return exchanges[0] if exchanges else None


class Fuzzer:
    """One fuzz case's view of the target: sends a generated case (`sender`) and judges the
    answer; what the stored completion shows after it is the state checks' (`state`).

    With the run's `Answers`, an input sent before in the run is answered from there, and the
    state checks read what was learned when it went out (conformance.fuzz.answers).
    """

    def __init__(
        self,
        target: Target,
        stored: Completion | None,
        settings: FuzzSettings,
        creations: Creations | None = None,
        schemas: Schemas | None = None,
        answers: Answers | None = None,
    ) -> None:
        self.target = target
        self.settings = settings
        self.creations = creations or Creations()
        self.schemas = schemas
        self.answers = answers or Answers()
        self.sender = Sender(target, stored, self.answers)
        self.state = StateChecks(self.sender)

    @property
    def failures(self) -> list[ConformanceFailure]:
        """Every failure the case raised, latest last (the fuzz plugin reports the last when
        Hypothesis cannot replay it)."""
        return self.sender.failures

    def send(self, case: Case[Any]) -> Response:
        """Send the case to the run's stored completion with the run's key."""
        return self.sender.send(case)

    def before_sending(self, body: bytes | None) -> None:
        """The run's Answers call this before a request goes out for real (StateChecks)."""
        self.state.before_sending(body)

    # --- judging --------------------------------------------------------------------------
    def check(
        self,
        case: Case[Any],
        response: Response,
        checks: Sequence[CheckFunction],
        counts: Callable[[Failure], bool] = lambda _: True,
        recorder: ScenarioRecorder | None = None,
    ) -> None:
        """Run Schemathesis checks on the answer; the failures that `counts` (the rest belong
        to another requirement's case) become a ConformanceFailure."""
        if not checks:
            return
        sender = self.sender
        kwargs = {"base_url": sender.base_url, "headers": dict(sender.headers)}
        with sender.recording():
            try:
                case.validate_response(
                    response,
                    checks=list(checks),
                    headers=sender.headers,
                    transport_kwargs=kwargs,
                    recorder=recorder,
                )
            except FailureGroup as group:
                failures = [f for f in group.exceptions if counts(f)]
                if failures:
                    raise sender.fail(self.failure(case, response, failures)) from None

    def failure(
        self, case: Case[Any], response: Response, failures: list[Failure]
    ) -> ConformanceFailure:
        exchanges, sent = self.sender.exchanges, self.sender.sent
        checked = checked_exchange(exchanges, failures, self.target.settings.access.auth_header)
        answer = checked.answer if checked is not None else f"HTTP {status_of(response)}"
        probe = (
            " to the authentication probe"
            if checked is not None and checked.seq != (exchanges[0].seq if exchanges else None)
            else ""
        )
        titles = "; ".join(dict.fromkeys(f.title for f in failures))
        lines = [f"{titles} (got {answer}{probe} for a generated {origin(case)})"]
        for f in failures:
            message = " / ".join(line.strip() for line in f.message.splitlines() if line.strip())
            lines.append(f"  {f.code} {f.title}" + (f": {message[:600]}" if message else ""))
        lines.append(
            f"found by fuzzing with seed {self.settings.seed} ({self.settings.seed_origin}), "
            f"rerun with --fuzz-seed={self.settings.seed}: {provenance(case)}"
        )
        if sent is not None and sent.replayed:
            lines.append(
                "the answer the target gave to this identical request earlier in the run "
                "(each distinct fuzz input is sent once)"
            )
        curl = case.as_curl_command(headers=self.sender.headers, base_url=self.sender.base_url)
        if len(curl) <= SCHEMATHESIS_CURL_CHARS:
            lines.append(f"Schemathesis reproduction: {curl}")
        # The exchange checked comes last, nearest the verdict; the others lead up to it.
        shown = [e for e in exchanges if e is not checked] + ([checked] if checked else [])
        return ConformanceFailure("\n".join(lines), tuple(shown))
