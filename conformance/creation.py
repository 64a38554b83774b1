"""Creating a chat completion to test with: what the suite sends, and what the answer means.

The suite creates with the conversation below and, for the shared completion, the values some
requirements judge (`VALUES_ASKED`); a target that refuses those gets the create again without
them, and the cases say so. A create refused altogether is a setup failure, told in full once and
not asked again.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.cleanup import Cleanup
from conformance.client import Client, Exchange, UnreadableBody
from conformance.failures import SetupFailed
from conformance.interrupts import deferred
from conformance.jsontext import as_json
from conformance.settings import Settings

# What the shared completion is created with besides the conversation, so that the values some
# requirements judge exist at all: two choices (their indexes), log probabilities with two
# alternatives per token. A target that refuses them gets the create again without them.
VALUES_ASKED: dict[str, Any] = {"n": 2, "logprobs": True, "top_logprobs": 2}
FIXTURE_PROMPT = "Conformance suite fixture. Reply with the single word: ok."
# The stored completion's conversation: longer than the first page of the messages endpoint
# (20), so an update that rewrites the stored messages from what a page shows is seen.
FIXTURE_MESSAGES = (
    {"role": "system", "content": "Conformance suite fixture."},
    *(
        message
        for turn in range(1, 12)
        for message in (
            {"role": "user", "content": f"Turn {turn}. Reply with the single word: ok."},
            {"role": "assistant", "content": "ok"},
        )
    ),
    {"role": "user", "content": FIXTURE_PROMPT},
)


class Creation:
    """The run's creates: sent, their stored ids handed to the cleanup, a refusal kept."""

    def __init__(self, settings: Settings, client: Client, cleanup: Cleanup) -> None:
        self.settings = settings
        self.client = client
        self.cleanup = cleanup
        self.refused: SetupFailed | None = None
        self.asks_refused: Exchange | None = None  # the create with VALUES_ASKED, when refused

    def create(
        self,
        *,
        store: bool,
        metadata: dict[str, str] | None = None,
        asks: dict[str, Any] | None = None,
    ) -> tuple[str, Exchange]:
        """Create a completion; its id and the create's exchange."""
        if self.settings.no_create:
            pytest.skip("needs a completion created by the suite, and --no-create was given")
        if not self.settings.model:
            pytest.skip("needs a completion created by the suite, and no --model was given")
        if self.refused is not None:
            raise self.refused.again()  # one refusal is told once, and not asked again
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": list(FIXTURE_MESSAGES),
            "store": store,
        }
        # No metadata, as most clients create: completions made so share whatever a store
        # gives them by default (one shared default map, say), and the invariants see it.
        if metadata is not None:
            body["metadata"] = metadata
        with deferred():  # a Ctrl-C waits for the answer, so that the id reaches the ledger
            exchange = self.client.create({**body, **(asks or {})})
            if asks and exchange.status in (400, 422):
                self.asks_refused = exchange  # asked again without: the cases say so
                exchange = self.client.create(body)
            completion_id = _created_id(exchange)
            if store and completion_id is not None:
                self.cleanup.created(completion_id)
        if exchange.status != 200 or completion_id is None:
            self.refused = SetupFailed(
                "could not create a chat completion to test with (POST /chat/completions "
                f"answered {exchange.answer}{_why_no_id(exchange)})",
                (exchange,),
            )
            raise self.refused
        return completion_id, exchange

    def not_observed(self, given: bool, what: str) -> str:
        """Why `what` (log probabilities, a second choice) is absent from the shared completion
        (`given`: the one --completion-id named): the reason of a NOT OBSERVED verdict."""
        if given:
            return f"not observed: the given completion (--completion-id) carries no {what}"
        refused = self.asks_refused
        if refused is not None:
            return (
                f"not observed: no {what}: the target refused a create asking for them "
                f"({as_json(VALUES_ASKED)}: {refused.answer}), so the suite created without"
            )
        return f"not observed: no {what}, although the completion was created asking for them"


def _why_no_id(exchange: Exchange) -> str:
    """Why a 200 answer to a create gives no id to test with, in a few words."""
    if exchange.status != 200:
        return ""
    try:
        body = exchange.json()
    except UnreadableBody as exc:
        return f"; {exc}"
    if not isinstance(body, dict):
        return "; its body is not a JSON object"
    return "; its body holds no string id"


def _created_id(exchange: Exchange) -> str | None:
    value = (exchange.json_object() or {}).get("id") if exchange.status == 200 else None
    return value if isinstance(value, str) and value else None
