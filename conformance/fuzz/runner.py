"""Sending a generated case to the target, judging it, and the failure a vendor reads.

A case goes out through the run's Client (conformance.fuzz.transport), bound to the run's stored
completion and key. Schemathesis's checks judge the answer; a `FailureGroup` becomes a
`ConformanceFailure` carrying the exchanges, the check codes and messages, how the case was
generated, and Schemathesis's own curl line (its Authorization header filtered), so the
plugin reports it under the case's requirement like any handwritten failure. Hypothesis has
shrunk the input by then: the failure shows the smallest one that still fails.

What the page leaves open is never judged: an empty key (UCC-INFO-EMPTY-KEY), a NUL character,
`"metadata": null`, and, on a target that merges updates into the stored map, a valid update
that would take the map past 16 pairs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from schemathesis.checks import CheckFunction
from schemathesis.core import NotSet
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation.case import Case
from schemathesis.openapi.checks import IgnoredAuth

from conformance.access import DEFAULT_AUTH_HEADER
from conformance.client import Exchange
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.fuzz.answers import OUT_OF_ROOM, ROUND_TRIP, UNCHANGED, Answers, Sent
from conformance.fuzz.limits import Creations
from conformance.fuzz.schemas import Schemas
from conformance.fuzz.settings import FuzzSettings
from conformance.fuzz.transport import TransportFailure
from conformance.samples import CASE, is_valid_metadata
from conformance.steps import lacks_room, put_known, read_back, unchanged_after
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


def body_of(case: Case[Any]) -> Any:
    return None if isinstance(case.body, NotSet) else case.body


def origin(case: Case[Any]) -> str:
    """How Schemathesis made the case: mode, phase and, for coverage, what it varies."""
    meta = case.meta
    if meta is None:
        return "hand-built case"
    text = f"{meta.generation.mode.value} case from the {meta.phase.name.value} phase"
    description = getattr(meta.phase.data, "description", None)
    if description and meta.phase.name.value != "fuzzing":
        text += f" ({description.splitlines()[0][:200]})"
    return text


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
    """One fuzz case's view of the target: sends a generated case and judges the answer.

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
        self.stored = stored
        self.settings = settings
        self.creations = creations or Creations()
        self.schemas = schemas
        self.answers = answers or Answers()
        self.base_url = target.settings.base_url
        # The key as the target takes it (--auth-header): Schemathesis's auth probes drop or
        # replace this header, the one the fuzz schemas declare (conformance.fuzz.schemas), by
        # its name as the scheme spells it ("Authorization" for a bearer scheme).
        access = target.settings.access
        name, value = access.credential(target.settings.api_key)
        self.headers = {"Authorization" if access.bearer else name: value}
        self.exchanges: list[Exchange] = []
        # The case's own request, once sent: None where answers are not shared.
        self.sent: Sent | None = None
        self._negative = False
        # Every failure raised, latest last: when Hypothesis cannot replay one (the target
        # answered differently, or its state steered generation), the plugin reports this.
        self.failures: list[ConformanceFailure] = []

    def fail(self, failure: ConformanceFailure) -> ConformanceFailure:
        self.failures.append(failure)
        return failure

    @contextmanager
    def _recording(self) -> Iterator[None]:
        with self.target.client.recording() as journal:
            try:
                yield
            finally:
                self.exchanges += journal

    # --- sending --------------------------------------------------------------------------
    def send(self, case: Case[Any]) -> Response:
        """Send the case to the run's stored completion with the run's key."""
        self.exchanges = []
        if self.stored is not None and "completion_id" in case.path_parameters:
            case.path_parameters["completion_id"] = self.stored.id
        with self._recording():
            return self._send(case)

    def _send(self, case: Case[Any]) -> Response:
        self._negative = is_negative(case)
        self.answers.last = None
        response = self.call(case)
        self.sent = self.answers.last
        if self.sent is not None and not self.sent.replayed:
            self._learn(case, response)
        return response

    def call(self, case: Case[Any]) -> Response:
        try:
            return case.call(base_url=self.base_url, headers=self.headers)
        except TransportFailure as exc:
            raise self.fail(
                ConformanceFailure(
                    f"no answer to a generated request ({origin(case)}): {exc.exchange.error}",
                    (exc.exchange,),
                )
            ) from None

    def status(self, response: Response) -> int:
        return int(response.status_code)

    def before_sending(self, body: bytes | None) -> None:
        """Before an invalid input goes out for real: the stored state it must leave alone is
        known (best effort; without it the refusal's state check waits for a later send)."""
        if self._negative and self.stored is not None:
            with contextlib.suppress(Inconclusive):
                self.known_state()

    # --- what the stored completion shows after a request ---------------------------------
    def _learn(self, case: Case[Any], response: Response) -> None:
        """Right after a request went out for real: the state checks its input calls for."""
        assert self.sent is not None  # only called after a send that reached the target
        key, status = self.sent.key, self.status(response)
        accepted = 200 <= status < 300
        before = self.answers.known  # forgotten already if the request was accepted
        if self.stored is None:
            return
        body = body_of(case)
        metadata = body.get("metadata") if isinstance(body, dict) else None
        if not self._negative and status == 200 and isinstance(metadata, dict):
            write = self._last_write()
            self.answers.learn(
                ROUND_TRIP,
                key,
                lambda: read_back(self.target, self._completion(), write, dict(metadata)),
            )
        elif not self._negative and is_client_error(status) and isinstance(metadata, dict):
            refused = self._last_write()
            self.answers.learn(
                OUT_OF_ROOM,
                key,
                lambda: lacks_room(self.target, self._completion(), refused, metadata),
            )
        elif self._negative and not accepted and before is not None:
            self.answers.learn(UNCHANGED, key, lambda: self._unchanged_since(before))

    def _last_write(self) -> Exchange:
        """The case's own update: the latest POST, recorded or still in the open journal."""
        sent = [*self.exchanges, *(self.target.client.journal or [])]
        return next(e for e in reversed(sent) if e.method == "POST")

    def _unchanged_since(self, before: dict[str, Any]) -> None:
        try:
            unchanged_after(self.target, self._completion(), before, self._last_write())
        except (ConformanceFailure, Inconclusive):
            self.forget_state()  # the next case starts from a known state again
            raise

    def _state(self, name: str, case: Case[Any], check_now: Callable[[], Any]) -> Any:
        """What a state check found for the case's own request: learned when it went out, or
        run now. An answer replayed from a case that did not learn this goes out again."""
        if self.sent is None:
            return check_now()
        if not self.answers.learned(name, self.sent.key) and self.sent.replayed:
            self.answers.forget(self.sent.key)
            with self._recording():
                self._send(case)
        if self.sent is None or not self.answers.learned(name, self.sent.key):
            return None  # sent again, it answered otherwise: nothing of this kind to judge
        return self.answers.recall(name, self.sent.key)

    def _with_state(self, failure: ConformanceFailure) -> tuple[Exchange, ...]:
        """The case's exchanges, then those of the state check learned earlier."""
        return tuple(self.exchanges) + tuple(
            e for e in failure.exchanges if e not in self.exchanges
        )

    def expect_round_trip(self, case: Case[Any], sent: dict[str, str]) -> None:
        """Every sent pair is visible, exactly, on a later retrieve (UCC-META-ROUNDTRIP-*): the
        case step conformance.steps.read_back, as learned when the input went out."""

        def now() -> Any:
            return read_back(self.target, self._completion(), self._last_write(), sent)

        self._check_state(ROUND_TRIP, case, now, "a generated")

    def _check_state(
        self, name: str, case: Case[Any], check_now: Callable[[], Any], after: str
    ) -> Any:
        """A state check of the case's request (`_state`); its failure says after what input."""
        with self._recording():
            try:
                return self._state(name, case, check_now)
            except ConformanceFailure as failure:
                raise self.fail(
                    ConformanceFailure(
                        f"{failure.message} ({after} {origin(case)})", self._with_state(failure)
                    )
                ) from None

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
        kwargs = {"base_url": self.base_url, "headers": dict(self.headers)}
        with self._recording():
            try:
                case.validate_response(
                    response,
                    checks=list(checks),
                    headers=self.headers,
                    transport_kwargs=kwargs,
                    recorder=recorder,
                )
            except FailureGroup as group:
                failures = [f for f in group.exceptions if counts(f)]
                if failures:
                    raise self.fail(self.failure(case, response, failures)) from None

    def failure(
        self, case: Case[Any], response: Response, failures: list[Failure]
    ) -> ConformanceFailure:
        checked = checked_exchange(
            self.exchanges, failures, self.target.settings.access.auth_header
        )
        answer = checked.answer if checked is not None else f"HTTP {self.status(response)}"
        probe = (
            " to the authentication probe"
            if checked is not None
            and checked.seq != (self.exchanges[0].seq if self.exchanges else None)
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
        if self.sent is not None and self.sent.replayed:
            lines.append(
                "the answer the target gave to this identical request earlier in the run "
                "(each distinct fuzz input is sent once)"
            )
        curl = case.as_curl_command(headers=self.headers, base_url=self.base_url)
        if len(curl) <= SCHEMATHESIS_CURL_CHARS:
            lines.append(f"Schemathesis reproduction: {curl}")
        # The exchange checked comes last, nearest the verdict; the others lead up to it.
        shown = [e for e in self.exchanges if e is not checked] + ([checked] if checked else [])
        return ConformanceFailure("\n".join(lines), tuple(shown))

    # --- the stored completion ------------------------------------------------------------
    def _completion(self) -> Completion:
        if self.stored is None:
            raise RuntimeError("this fuzz case has no stored completion")
        return self.stored

    def known_state(self) -> dict[str, Any]:
        """Put the stored completion in a known state (once a run, and again after any write
        that may have changed it)."""
        if self.answers.known is None:
            self.answers.known = put_known(
                self.target, self._completion(), {CASE: self.target.unique("fuzz baseline")}
            )
        return self.answers.known

    def forget_state(self) -> None:
        self.answers.known = None

    def expect_unchanged(self, case: Case[Any]) -> None:
        """After a refused update the stored metadata is what it was (the known state was
        confirmed visible before the update, so one read tells)."""
        # The state from before the request; read only when this input's check was not
        # learned when it went out (a refusal leaves the known state as it was).
        self._check_state(
            UNCHANGED,
            case,
            lambda: self._unchanged_since(self.known_state()),
            "after a refused generated",
        )

    def open_because_merged(self, case: Case[Any]) -> str | None:
        """On a merging target, a valid update may be refused for the stored map's size."""
        body = body_of(case)
        metadata = body.get("metadata") if isinstance(body, dict) else None
        if not isinstance(metadata, dict):
            return None
        refused = self._last_write()

        def now() -> Any:
            return lacks_room(self.target, self._completion(), refused, metadata)

        with self._recording():
            room = self._state(OUT_OF_ROOM, case, now)
        return None if room is None else "merged into the stored pairs it would exceed 16"


def is_client_error(status: int) -> bool:
    return 400 <= status < 500


def is_negative(case: Case[Any]) -> bool:
    """Whether the case came from negative generation (an input the spec does not allow)."""
    meta = case.meta
    return meta is not None and meta.generation.mode.value == "negative"
