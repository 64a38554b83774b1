"""One root cause, told once.

Some facts about the whole target explain many failures at once: the completions the run
created with store: true never became readable (every case that updates one gets a 404), the
updates it wrote never became visible, the target kept rate-limiting past the retries, or it
stopped answering (the client's breaker). Without this module each affected case repeats the
same transcript (the create and the GET 404, 45 times over). With it, the cause leads the
terminal summary, the HTML banner and compliance.json (`cause`), and each affected case says
"see the cause above" in one line with its own exchanges; its full transcript stays in the
HTML and in compliance.json.

`Watch` sees every exchange of the run (a client observer) and, where a case ended, names the
cause that explains its failure (`explain`); which cause leads a run is decided where the
reports are (conformance.report.hooks), from how many cases each explains.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from conformance.client import Exchange
from conformance.consistency import Kind

SEE_ABOVE = "see the cause above"
NOT_SENT = "not sent: the target stopped answering"
UNANSWERED = ("no answer", "could not connect", "connection broken")


class Cause(StrEnum):
    """The setup-level facts that explain failures, most fundamental first."""

    UNREACHABLE = "unreachable"  # the target stopped answering; later requests were not sent
    RATE_LIMITED = "rate-limited"  # 429 still, after the retries Retry-After allowed
    UNREADABLE = "unreadable"  # a completion created with store: true never became readable
    LOST_UPDATES = "lost-updates"  # updates answered 200 never became visible


TITLES = {
    Cause.UNREACHABLE: "the target stopped answering",
    Cause.RATE_LIMITED: "the target kept rate-limiting the run (HTTP 429) after the retries",
    Cause.UNREADABLE: "a completion created with store: true never became readable",
    Cause.LOST_UPDATES: "updates answered 200 never became visible",
}


@dataclass(frozen=True)
class Explained:
    """A case's failure explained by a cause: the exchanges that show the cause (told once
    for the run) and the case's own."""

    cause: Cause
    shown: tuple[Exchange, ...]
    own: tuple[Exchange, ...]


class Watch:
    """What the causes need to know of every exchange the run's client returns."""

    def __init__(self) -> None:
        self.created: dict[str, Exchange] = {}  # creates with store: true answered 200, by id
        self.readable_from: dict[str, int] = {}  # id -> seq of its first 200 read
        self.first_404: dict[str, Exchange] = {}  # id -> its first 404 before it was readable
        self.last_unanswered: Exchange | None = None
        self.tripped: Exchange | None = None  # the unanswered one after which none was sent
        self.limited: Exchange | None = None  # the first 429 that stood after the retries

    def record(self, exchange: Exchange) -> None:
        """A client observer: called with every exchange `Client.send` returns."""
        error = exchange.error or ""
        if error.startswith(NOT_SENT):
            self.tripped = self.tripped or self.last_unanswered
        elif error.startswith(UNANSWERED):
            self.last_unanswered = exchange
        if exchange.status == 429 and self.limited is None:
            self.limited = exchange
        created = _created(exchange)
        if created is not None:
            self.created[created] = exchange
            return
        target = completion_of(exchange.url)
        if target is None or target not in self.created:
            return
        if exchange.status == 200 and exchange.method == "GET":
            self.readable_from.setdefault(target, exchange.seq)
        elif exchange.status == 404 and target not in self.readable_from:
            self.first_404.setdefault(target, exchange)

    def cause_of(
        self, exchanges: Sequence[Exchange], *, lost: Collection[Kind], lost_now: Collection[Kind]
    ) -> Explained | None:
        """The cause behind a failure shown with `exchanges`, if any (`explain_*` names text).

        `lost`: the kinds of write the run has waited for in vain so far; `lost_now`: those it
        waited for in vain while this case ran.
        """
        if any(_unanswered(e) for e in exchanges) and self.tripped is not None:
            return self._split(Cause.UNREACHABLE, exchanges, (self.tripped,))
        if any(e.status == 429 for e in exchanges) and self.limited is not None:
            return self._split(Cause.RATE_LIMITED, exchanges, (self.limited,))
        if Kind.CREATE in lost:
            unread = [i for i in map(self._unread, exchanges) if i is not None]
            if unread:
                first = unread[0]
                hidden = {
                    e.seq for i in self.first_404 for e in (self.created[i], self.first_404[i])
                }
                shown = (self.created[first], self.first_404[first])
                own = tuple(e for e in exchanges if e.seq not in hidden)
                return Explained(Cause.UNREADABLE, shown, own or tuple(exchanges[-1:]))
        if Kind.UPDATE in lost_now:
            return Explained(Cause.LOST_UPDATES, (), tuple(exchanges))
        return None

    def _unread(self, exchange: Exchange) -> str | None:
        """The created completion a 404 was answered for before it was ever readable."""
        target = completion_of(exchange.url)
        if exchange.status != 404 or target is None or target not in self.first_404:
            return None
        readable = self.readable_from.get(target)
        return target if readable is None or readable > exchange.seq else None

    @staticmethod
    def _split(
        cause: Cause, exchanges: Sequence[Exchange], shown: tuple[Exchange, ...]
    ) -> Explained:
        seqs = {e.seq for e in shown}
        own = tuple(e for e in exchanges if e.seq not in seqs)
        return Explained(cause, shown, own or tuple(exchanges[-1:]))


def _unanswered(exchange: Exchange) -> bool:
    return (exchange.error or "").startswith((NOT_SENT, *UNANSWERED))


def completion_of(url: str) -> str | None:
    """The completion id a request was about (/chat/completions/{id}[/messages])."""
    _, found, rest = urlsplit(url).path.rpartition("/chat/completions/")
    if not found or not rest:
        return None
    return unquote(rest.split("/", 1)[0])


def _created(exchange: Exchange) -> str | None:
    """The id of a completion a create stored (store: true, answered 200 with an id)."""
    if exchange.method != "POST" or not urlsplit(exchange.url).path.endswith("/chat/completions"):
        return None
    try:
        sent = json.loads(exchange.request_body or b"")
    except ValueError:
        return None
    if not isinstance(sent, dict) or sent.get("store") is not True or exchange.status != 200:
        return None
    created = (exchange.json_object() or {}).get("id")
    return created if isinstance(created, str) and created else None
