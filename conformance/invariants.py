"""Invariants of a stored completion, checked after every accepted write of the run.

A case looks where its requirement points; a fault nobody listed shows somewhere no case looks.
So every exchange the run's client makes with a completion the run tracks passes here, whatever
sent it (a case, a precondition, a fuzz input, the cleanup), and every view of the completion
that comes back is held to what must always be true of it:

- it holds at most 16 pairs, whatever series of valid updates was accepted
  (UCC-STORED-WITHIN-LIMITS);
- its metadata is what the accepted updates made it: the last update's map, or, on a target
  that merges, the earlier map with the update's pairs over it, the same rule for every update;
  a completion nobody updated keeps its map, whatever was written to the others
  (UCC-STORED-AS-WRITTEN);
- nothing but its metadata changed, compared with the view as first read, and the stored
  completion is the one created (UCC-UPDATE-ONLY-METADATA).

The views are the update's answer, retrieve, the list entry and the stored messages (`VIEWS`);
a view the target does not offer is left out, with the reason. Each invariant is one entry of
`INVARIANTS`: one check, one message, shared by every case. What a check finds is a `Finding`,
told under the invariant's requirement by the cases of conformance/cases/test_invariants.py,
unless a case already failed on that write or read: a deviation is told once, by the case that
looked for it, or else by the invariant that caught it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlsplit

from conformance.client import Exchange
from conformance.jsontext import as_json
from conformance.reads import PairLog, completion_in, holds, lenient_json, metadata_of
from conformance.samples import MAX_PAIRS, is_valid_metadata

ANSWER: Final = "update answer"
RETRIEVE: Final = "retrieve"
LIST: Final = "list entry"
MESSAGES: Final = "messages"
# Each view, and the view whose first read it is compared with: the answer to an update is
# the completion object, the same as a retrieve.
VIEWS: Final = {ANSWER: RETRIEVE, RETRIEVE: RETRIEVE, LIST: LIST, MESSAGES: MESSAGES}

# The fields of the chat completion object the page documents; an update must leave every one
# of them but metadata as it was ("the only supported modification is to update the metadata
# field"). Undocumented extras such as request_id may legitimately differ per response.
DOCUMENTED_FIELDS: Final = (
    "id",
    "object",
    "created",
    "model",
    "choices",
    "usage",
    "system_fingerprint",
    "service_tier",
)

# What a stored completion shares with the create's answer whatever the endpoint renders.
IDENTITY: Final = ("id", "object", "created", "model")

WITHIN_LIMITS: Final = "UCC-STORED-WITHIN-LIMITS"
AS_WRITTEN: Final = "UCC-STORED-AS-WRITTEN"
ONLY_METADATA: Final = "UCC-UPDATE-ONLY-METADATA"


class Rule(StrEnum):
    """What an update does to the stored map; the page leaves it open, a run learns it."""

    REPLACE = "replaces"
    MERGE = "merges"


BOTH: Final = frozenset(Rule)


@dataclass(frozen=True)
class Candidate:
    """A map the stored metadata may be now, and the rules that lead to it."""

    metadata: dict[str, Any]
    rules: frozenset[Rule]


@dataclass
class Tracked:
    """A completion of the run: its views as first read, and what its metadata may be now
    (None: unknown, after an update whose effect the page does not fix)."""

    id: str
    baselines: dict[str, Any] = field(default_factory=dict)
    states: list[Candidate] | None = None
    last_sent: dict[str, str] | None = None  # the pairs of the last accepted update
    last_write: Exchange | None = None
    # The last accepted update was a plain valid one ({"metadata": a map within the limits}):
    # what an invalid or extended body did is for the cases that send one to judge.
    last_plain: bool = True
    exclusive: bool = True  # False: another process writes it too (xdist, --completion-id)
    # The conversation it was created with (role and content of each message), when the run
    # created it: what its stored messages must be.
    created_with: list[tuple[Any, Any]] | None = None
    # Every map it was seen holding or expected to hold: a read showing one of them again is a
    # lagging replica or cache, not what the updates made of it.
    earlier: list[dict[str, Any]] = field(default_factory=list)

    def remember(self, states: list[Candidate] | None, *shown: Any) -> None:
        for metadata in [*(c.metadata for c in states or ()), *shown]:
            if isinstance(metadata, dict) and metadata not in self.earlier:
                self.earlier.append(dict(metadata))
        del self.earlier[:-MAX_EARLIER]


@dataclass(frozen=True)
class Look:
    """One view of a tracked completion, as a check sees it."""

    tracked: Tracked
    view: str
    shown: Any  # the completion object (or, for MESSAGES, the list of messages)
    rule: Rule | None  # what the run learned an update does
    pairs: PairLog  # what the run sent to or read from each completion, and when


@dataclass
class Finding:
    """An invariant that did not hold, where, and after which write."""

    requirement: str
    message: str
    exchanges: tuple[Exchange, ...]
    nodeid: str | None
    write: Exchange | None


Check = Callable[[Look], str | None]


@dataclass(frozen=True)
class Invariant:
    requirement: str
    views: frozenset[str]
    check: Check


# --- the checks ---------------------------------------------------------------------------------
def within_limits(look: Look) -> str | None:
    """At most 16 pairs after a plain valid update: a series of them may not add up to more
    (a target that merges keeps earlier pairs). A key or value over its limit is a pair the run
    never sent as such (a pair changed on the way, told by the round trip under its mechanism)
    or one an update over the limits put there (told by the limit cases)."""
    metadata = metadata_of(look.shown)
    if not look.tracked.last_plain or not isinstance(metadata, dict):
        return None
    if len(metadata) <= MAX_PAIRS:
        return None
    return f"the stored metadata holds {len(metadata)} pairs (at most {MAX_PAIRS})"


def only_metadata(look: Look) -> str | None:
    """Every documented field but metadata (or the stored messages) as first read."""
    baseline = look.tracked.baselines.get(VIEWS[look.view])
    if baseline is None:
        return None
    if look.view == MESSAGES:
        if look.shown == baseline:
            return None
        return (
            f"the stored messages changed: first read {as_json(baseline, 300)}, "
            f"now {as_json(look.shown, 300)}"
        )
    changed = [
        name
        for name in DOCUMENTED_FIELDS
        if (name in baseline) != (name in look.shown) or baseline.get(name) != look.shown.get(name)
    ]
    if not changed:
        return None
    details = "; ".join(
        f"{name}: {_field(baseline, name)} -> {_field(look.shown, name)}" for name in changed[:4]
    )
    return f"fields other than metadata changed since the completion was first read: {details}"


def as_written(look: Look) -> str | None:
    """The metadata is one the accepted updates lead to, once a read shows the last update."""
    tracked = look.tracked
    metadata = metadata_of(look.shown)
    sent = tracked.last_sent
    if tracked.exclusive and tracked.last_write is None and tracked.states and look.view != ANSWER:
        # Never written by the run: it holds what it was first read holding, whatever the
        # run wrote to its other completions.
        first = tracked.states[0].metadata
        if metadata == first or len(tracked.states) > 1:
            return None
        return (
            f"nobody updated this completion, yet its metadata is {as_json(metadata, 300)}, "
            f"not {as_json(first, 200)} as first read"
        )
    if not tracked.exclusive or sent is None:
        return None
    if not holds(metadata, sent):
        foreign = look.pairs.foreign(tracked.id, metadata)
        if not foreign:
            return None  # not (yet) the state after the last update: the waits judge staleness
        return (
            f"it holds pairs the run sent to other completions, never to this one: "
            f"{as_json(foreign, 300)} (its last update sent {as_json(sent, 200)})"
        )
    states = tracked.states
    matching = [c for c in states or () if c.metadata == metadata]
    if metadata in tracked.earlier and (not matching or len(states or ()) > 1):
        return None  # an earlier state again, holding the same pairs: maybe a read that lags
    tracked.states = [Candidate(dict(metadata), _rules(look.rule))]
    if states is None:
        return None  # nothing known to compare with: this read is the state from now on
    if matching:
        rules = frozenset().union(*(c.rules for c in matching))
        tracked.states = [Candidate(dict(metadata), rules)]
        return None
    expected = " or ".join(as_json(c.metadata, 200) for c in states[:2])
    learned = (
        f" (the target {look.rule.value} updates, as learned earlier in the run)"
        if look.rule is not None
        else ""
    )
    return (
        f"after the update of {as_json(sent, 200)}, the stored metadata is "
        f"{as_json(metadata, 300)}; the accepted updates make it {expected}{learned}"
    )


INVARIANTS: Final = (
    Invariant(WITHIN_LIMITS, frozenset({ANSWER, RETRIEVE, LIST}), within_limits),
    Invariant(AS_WRITTEN, frozenset({ANSWER, RETRIEVE, LIST}), as_written),
    Invariant(ONLY_METADATA, frozenset({ANSWER, RETRIEVE, LIST, MESSAGES}), only_metadata),
)
REQUIREMENTS: Final = tuple(dict.fromkeys(i.requirement for i in INVARIANTS))


def _field(obj: Mapping[str, Any], name: str) -> str:
    return as_json(obj[name], 120) if name in obj else "(absent)"


def _rules(rule: Rule | None) -> frozenset[Rule]:
    return BOTH if rule is None else frozenset({rule})


# --- what an accepted update makes the stored map ------------------------------------------------
def after_update(
    states: list[Candidate] | None, sent: dict[str, str], rule: Rule | None
) -> list[Candidate] | None:
    """The maps the stored metadata may be after an accepted update of `sent`. An empty map may
    clear the stored pairs or leave them (UCC-INFO-EMPTY-MAP); otherwise the update replaces
    the map or merges into it, by the same rule as every earlier update."""
    if states is None:
        return [Candidate(dict(sent), frozenset({Rule.REPLACE}))] if rule is Rule.REPLACE else None
    if not sent:
        return _unique([*states, *(Candidate({}, c.rules) for c in states)])
    found = []
    for candidate in states:
        if Rule.REPLACE in candidate.rules:
            found.append(Candidate(dict(sent), frozenset({Rule.REPLACE})))
        if Rule.MERGE in candidate.rules:
            found.append(Candidate({**candidate.metadata, **sent}, frozenset({Rule.MERGE})))
    return _unique(found)


def either(states: list[Candidate] | None) -> list[Candidate] | None:
    """After `metadata: null` was accepted: it may have cleared the map or left it
    (UCC-INFO-NULL-METADATA)."""
    if states is None:
        return None
    return _unique([*states, *(Candidate({}, c.rules) for c in states)])


# Beyond this many maps the stored metadata may be, it is taken as unknown until a read shows
# the next update (writes of unknown outcome each double them).
MAX_CANDIDATES: Final = 8
# The earlier maps kept per completion, to tell a lagging read from a new state.
MAX_EARLIER: Final = 64


def _bounded(candidates: list[Candidate] | None) -> list[Candidate] | None:
    if candidates is None:
        return None
    unique = _unique(candidates)
    return unique if len(unique) <= MAX_CANDIDATES else None


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates with equal maps become one, with the rules of both."""
    merged: dict[str, Candidate] = {}
    for candidate in candidates:
        key = repr(sorted(candidate.metadata.items(), key=repr))
        known = merged.get(key)
        rules = candidate.rules | (known.rules if known else frozenset())
        merged[key] = Candidate(candidate.metadata, rules)
    return list(merged.values())


class Invariants:
    """The run's tracked completions and what the checks found; the client's observer."""

    def __init__(self, base_url: str, pairs: PairLog) -> None:
        base = urlsplit(base_url.rstrip("/")).path
        self.prefix = base + "/chat/completions/"
        self.list_path = base + "/chat/completions"
        self.pairs = pairs
        self.tracked: dict[str, Tracked] = {}
        # Views the target does not offer (view -> the answer that showed it): left out.
        self.unavailable: dict[str, str] = {}
        self.rule: Rule | None = None
        self.rule_learned_from: str | None = None
        self.case: str | None = None  # the node ID of the case being run
        self.pending: list[Finding] = []  # found in the running case
        self.findings: list[Finding] = []  # kept: told by the invariant cases
        self.written: set[str] = set()  # completions the running case wrote to
        self.told: set[int] = set()  # exchanges a case's failure showed (by identity)
        self.writes_judged = 0

    # --- what the run tracks ------------------------------------------------------------------
    def track(
        self,
        completion_id: str,
        first_read: dict[str, Any],
        *,
        exclusive: bool,
        shown_by: tuple[Exchange, Exchange] | None = None,
    ) -> Tracked:
        """A completion the run tests with, from its first retrieve on; `shown_by`, the create
        and that retrieve when the run made it: what is stored is the object created (its
        identity and time at least: richer fields may be rendered otherwise by another
        endpoint)."""
        tracked = Tracked(completion_id, exclusive=exclusive)
        tracked.baselines[RETRIEVE] = first_read
        metadata = metadata_of(first_read)
        if isinstance(metadata, dict):
            tracked.states = [Candidate(dict(metadata), BOTH)]
        self.tracked[completion_id] = tracked
        created = shown_by[0].json_object() if shown_by is not None else None
        request = lenient_json(shown_by[0].request_body) if shown_by is not None else None
        if isinstance(request, dict) and isinstance(request.get("messages"), list):
            tracked.created_with = _conversation(request["messages"])
        if shown_by is not None and created is not None:
            changed = [name for name in IDENTITY if created.get(name) != first_read.get(name)]
            if changed:
                details = "; ".join(
                    f"{name}: {_field(created, name)} -> {_field(first_read, name)}"
                    for name in changed
                )
                self.found(
                    ONLY_METADATA,
                    f"{RETRIEVE}: the stored completion is not the one created: {details}",
                    shown_by,
                )
        return tracked

    def learn(self, rule: Rule, where: str) -> None:
        """What an update does, as a case observed it (conformance.steps.merges)."""
        if self.rule is None:
            self.rule, self.rule_learned_from = rule, where

    # --- the observer -------------------------------------------------------------------------
    def record(self, exchange: Exchange) -> None:
        path = urlsplit(exchange.url).path
        if path == self.list_path and exchange.method == "GET":
            self._on_list(exchange)
            return
        if path.startswith(self.prefix) and path.endswith("/messages"):
            completion_id = completion_in(path[: -len("/messages")], self.prefix)
            tracked = self.tracked.get(completion_id or "")
            if tracked is not None and exchange.method == "GET":
                self._on_messages(tracked, exchange)
            return
        tracked = self.tracked.get(completion_in(exchange.url, self.prefix) or "")
        if tracked is None:
            return
        if exchange.method == "POST":
            self._on_update(tracked, exchange)
        elif exchange.method == "GET" and exchange.status == 200:
            body = exchange.json_object()
            if body is not None and body.get("id") == tracked.id:
                tracked.baselines.setdefault(RETRIEVE, body)
                self._look(tracked, RETRIEVE, body, exchange)
        elif exchange.method == "DELETE" and exchange.status == 200:
            self.tracked.pop(tracked.id, None)

    def _on_update(self, tracked: Tracked, exchange: Exchange) -> None:
        tracked.remember(tracked.states)
        status = exchange.status
        if status is not None and 400 <= status < 500:
            return  # refused: nothing changed (the cases judge that it did not)
        body = lenient_json(exchange.request_body)
        has_metadata = isinstance(body, dict) and "metadata" in body
        metadata = body.get("metadata") if isinstance(body, dict) else None
        pairs = _string_map(metadata)
        answer = exchange.json_object()
        if status is None or not 200 <= status < 300 or answer is None:
            # No answer, a 5xx, or a 2xx that is no object: it may or may not have landed.
            landed = after_update(tracked.states, pairs, self.rule) if pairs is not None else None
            tracked.states = (
                None
                if tracked.states is None or landed is None
                else _bounded([*tracked.states, *landed])
            )
            tracked.last_sent = None
            return
        self.written.add(tracked.id)
        self.writes_judged += 1
        if pairs is not None:
            tracked.states = _bounded(after_update(tracked.states, pairs, self.rule))
            tracked.last_sent = pairs or None
        elif has_metadata and metadata is None:
            tracked.states, tracked.last_sent = _bounded(either(tracked.states)), None
        else:
            tracked.states, tracked.last_sent = None, None  # an invalid update accepted
        tracked.last_write = exchange
        tracked.last_plain = (
            isinstance(body, dict) and set(body) == {"metadata"} and is_valid_metadata(metadata)
        )
        if answer.get("id") == tracked.id:
            self._look(tracked, ANSWER, answer, exchange)
        if not tracked.last_plain:
            # What else such a body changed is the case's that sent it to judge (fields
            # besides metadata have no effect, UCC-UPDATE-EXTRA-FIELDS-NO-EFFECT); later
            # writes are compared with each view as read after it.
            tracked.baselines.clear()

    def _on_list(self, exchange: Exchange) -> None:
        body = exchange.json_object() if exchange.status == 200 else None
        data = body.get("data") if body is not None else None
        if not isinstance(data, list):
            return
        for item in data:
            item_id = item.get("id") if isinstance(item, dict) else None
            tracked = self.tracked.get(item_id) if isinstance(item_id, str) else None
            if tracked is not None:
                tracked.baselines.setdefault(LIST, item)
                self._look(tracked, LIST, item, exchange)

    def _on_messages(self, tracked: Tracked, exchange: Exchange) -> None:
        body = exchange.json_object() if exchange.status == 200 else None
        data = body.get("data") if body is not None else None
        if not isinstance(data, list):
            return
        if MESSAGES not in tracked.baselines and tracked.created_with is not None:
            stored = _conversation(data)
            if stored != tracked.created_with and not (body or {}).get("has_more"):
                self.found(
                    ONLY_METADATA,
                    f"{MESSAGES}: the stored messages are not those the completion was created "
                    f"with: sent {as_json(tracked.created_with, 300)}, stored "
                    f"{as_json(stored, 300)}",
                    (exchange,),
                )
        tracked.baselines.setdefault(MESSAGES, data)
        self._look(tracked, MESSAGES, data, exchange)

    def _look(self, tracked: Tracked, view: str, shown_: Any, exchange: Exchange) -> None:
        look = Look(tracked, view, shown_, self.rule, self.pairs)
        for invariant in INVARIANTS:
            if view not in invariant.views:
                continue
            message = invariant.check(look)
            if message is not None:
                write = tracked.last_write
                exchanges = distinct(write, exchange)
                self.pending.append(
                    Finding(
                        invariant.requirement, f"{view}: {message}", exchanges, self.case, write
                    )
                )
        self._learn_rule(tracked, view)
        if view in (RETRIEVE, LIST):
            tracked.remember(None, metadata_of(shown_))

    def found(self, requirement: str, message: str, exchanges: tuple[Exchange, ...]) -> None:
        """A finding a case made itself (a view that never caught up)."""
        self.pending.append(Finding(requirement, message, exchanges, self.case, exchanges[0]))

    def _learn_rule(self, tracked: Tracked, view: str) -> None:
        """A read that shows the last update decides the rule when only one leads to it."""
        states = tracked.states
        if self.rule is None and view != ANSWER and states is not None and len(states) == 1:
            rules = states[0].rules
            if len(rules) == 1:
                self.learn(next(iter(rules)), self.case or "setup")

    # --- cases --------------------------------------------------------------------------------
    def start_case(self, nodeid: str | None) -> None:
        self.case, self.pending, self.written = nodeid, [], set()

    def end_case(self, failed_on: tuple[Exchange, ...]) -> None:
        """Keep what the case found, except on a write or read a case's failure showed (this
        case's or an earlier one's: a state a failed write left is seen again later): that
        deviation is the case's to tell."""
        self.told |= {id(e) for e in failed_on}
        self.findings += [
            f
            for f in self.pending
            if not any(id(e) in self.told for e in (*f.exchanges, f.write) if e is not None)
        ]
        self.pending = []

    def leftovers(self, requirements: set[str]) -> list[Finding]:
        """What was found under `requirements` and not taken (by a sweep case) yet."""
        left = [f for f in (*self.findings, *self.pending) if f.requirement in requirements]
        self.findings = [f for f in self.findings if f.requirement not in requirements]
        self.pending = [f for f in self.pending if f.requirement not in requirements]
        return left

    def take(self, requirement: str, *, this_case_only: bool = False) -> list[Finding]:
        """The findings of `requirement` (of the running case only, or all kept so far and
        the running case's), each told once: taken, they are not told again."""
        mine = [f for f in self.pending if f.requirement == requirement]
        self.pending = [f for f in self.pending if f.requirement != requirement]
        if this_case_only:
            return mine
        kept = [f for f in self.findings if f.requirement == requirement]
        self.findings = [f for f in self.findings if f.requirement != requirement]
        return kept + mine


def _conversation(messages: list[Any]) -> list[tuple[Any, Any]]:
    """Role and content of each message: what a stored conversation keeps of the sent one."""
    return [
        (m.get("role"), m.get("content")) if isinstance(m, dict) else (None, m) for m in messages
    ]


def distinct(*exchanges: Exchange | None) -> tuple[Exchange, ...]:
    """The exchanges given, each once (an exchange is compared by identity: two alike requests
    are two exchanges)."""
    seen: dict[int, Exchange] = {}
    for exchange in exchanges:
        if exchange is not None:
            seen.setdefault(id(exchange), exchange)
    return tuple(seen.values())


def _string_map(metadata: Any) -> dict[str, str] | None:
    if isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values()):
        return dict(metadata)
    return None
