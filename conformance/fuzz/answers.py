"""The answers the fuzz cases received in one run, by distinct request, and what the suite learned
of the stored completion right after each.

The fuzz cases that share a generation mode generate the same inputs from the same seed, and
each judges the answer under its own requirement. Sending an identical request again costs a
vendor's time and rate limit and tells nothing a check of the answer needs, so within a run each
distinct request (method, path, body bytes, credentials, content type) goes out once and later
cases judge the answer already received. What depends on the stored completion (the pairs read
back after an accepted update, the map unchanged after a refusal, a merged map out of room) is
learned right after the request went out, once, and kept beside its answer: by the time another
case looks, the stored completion has moved on. Seeds reproduce the same failures: a replayed
input gets the same answer and the same state outcome.

Only the `fuzzer` fixture's cases share answers; the stateful case's sequences depend on the
order of their own steps and always go out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.access import DEFAULT_AUTH_HEADER
from conformance.client import Exchange
from conformance.failures import ConformanceFailure, Inconclusive

# method, path, body, a digest of the key's header ("" without one), content type
RequestKey = tuple[str, str, bytes, str, str]
# What a state check found: a value (None for nothing to say) or the failure it raised.
Learned = Any

ROUND_TRIP: Final = "round trip"
UNCHANGED: Final = "unchanged"
OUT_OF_ROOM: Final = "out of room"


def request_key(
    method: str,
    path: str,
    body: bytes | None,
    headers: Mapping[str, str],
    key_header: str = DEFAULT_AUTH_HEADER,
) -> RequestKey:
    """What makes two requests the same request; the credentials (the run's key header, by
    lower-case name) by digest, kept in memory only and never the key itself."""
    credentials = headers.get(key_header)
    digest = hashlib.sha256(credentials.encode()).hexdigest() if credentials is not None else ""
    return (method, path, body or b"", digest, headers.get("content-type", ""))


@dataclass(frozen=True)
class Sent:
    """The last request a case sent: which one, and whether its answer was one received earlier."""

    key: RequestKey
    replayed: bool


@dataclass
class Answers:
    """A run's answers by request, the state learned after each, and the stored completion's
    known state (its metadata as last confirmed; None once a write may have changed it)."""

    _answers: dict[RequestKey, Exchange] = field(default_factory=dict)
    _learned: dict[tuple[str, RequestKey], Learned] = field(default_factory=dict)
    last: Sent | None = None
    known: dict[str, Any] | None = None
    # Called before a request goes out for real (not answered from here): a case that judges
    # the stored state after a refusal needs that state known before the request.
    before_sending: Callable[[bytes | None], None] | None = None

    def answer(self, key: RequestKey) -> Exchange | None:
        earlier = self._answers.get(key)
        if earlier is not None:
            self.last = Sent(key, replayed=True)
        return earlier

    def fresh(self, body: bytes | None) -> None:
        if self.before_sending is not None:
            self.before_sending(body)

    def keep(self, key: RequestKey, exchange: Exchange) -> None:
        """An answer received; a transport failure is not an answer and is never kept. An
        accepted request (an authentication probe's too) may have changed the stored state."""
        self.last = Sent(key, replayed=False)
        if exchange.error is None:
            self._answers[key] = exchange
        if exchange.status is not None and 200 <= exchange.status < 300:
            self.known = None

    def forget(self, key: RequestKey) -> None:
        """Send this request again: what was kept of it does not serve the case now asking."""
        self._answers.pop(key, None)

    def learn(self, name: str, key: RequestKey, check: Callable[[], Any]) -> None:
        """Run a state check now and keep what it found (a failure included) for `recall`."""
        try:
            self._learned[(name, key)] = check()
        except (ConformanceFailure, Inconclusive) as found:
            self._learned[(name, key)] = found

    def learned(self, name: str, key: RequestKey) -> bool:
        return (name, key) in self._learned

    def recall(self, name: str, key: RequestKey) -> Any:
        """What the check found when the request went out: its value, or its failure raised."""
        found = self._learned[(name, key)]
        if isinstance(found, ConformanceFailure | Inconclusive):
            raise found
        return found
