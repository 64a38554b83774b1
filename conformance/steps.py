"""Steps the cases share: putting the stored completion in a known state and reading back.

Both wait for eventual consistency (--consistency-timeout): a vendor may take seconds before
a write is readable. A bound that runs out is INCONCLUSIVE, never a pass; with a timeout of 0
the target promised read-your-writes, so a stale read is a failure.
"""

from __future__ import annotations

from typing import Any

from conformance.client import Exchange
from conformance.expect import expect_pairs_held
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.target import Completion, Target


def holds(metadata: Any, pairs: dict[str, str]) -> bool:
    """True when `metadata` is a map holding every pair of `pairs` exactly."""
    return isinstance(metadata, dict) and all(metadata.get(k) == v for k, v in pairs.items())


def put_known(target: Target, stored: Completion, pairs: dict[str, str]) -> dict[str, Any]:
    """Precondition: store `pairs`, wait until a retrieve shows them; the object then.

    Not the rule under test: if the target cannot take a plain valid update the case is
    INCONCLUSIVE, and the failure shows under the requirements that judge exactly that.
    """
    exchange = target.client.update(stored.id, {"metadata": pairs})
    if exchange.status != 200:
        raise Inconclusive(
            "precondition: a plain valid update was not accepted "
            f"({exchange.error or f'HTTP {exchange.status}'})"
        )
    return target.read(stored.id, lambda obj: holds(obj.get("metadata"), pairs))


def read_back(
    target: Target, completion_id: str, sent: dict[str, str]
) -> tuple[Exchange, dict[str, Any]]:
    """Retrieve until every sent pair is visible; a failure naming what came back instead."""
    exchange, ok = target.wait_for(
        lambda: target.client.retrieve(completion_id),
        lambda ex: ex.status == 200 and holds((ex.json_object() or {}).get("metadata"), sent),
    )
    if ok:
        body = exchange.json()
        assert isinstance(body, dict)
        return exchange, body
    if exchange.status != 200:
        raise ConformanceFailure(
            f"retrieving the updated completion answered "
            f"{exchange.error or f'HTTP {exchange.status}'}",
            (exchange,),
        )
    body = exchange.json()
    metadata = body.get("metadata") if isinstance(body, dict) else None
    untouched = isinstance(metadata, dict) and not any(
        metadata.get(k) == v for k, v in sent.items()
    )
    if untouched and target.settings.consistency_timeout > 0:
        raise Inconclusive(
            f"the update was not visible on retrieve within "
            f"{target.settings.consistency_timeout:g} s"
        )
    expect_pairs_held(sent, metadata, exchange, "later retrieve")
    raise AssertionError("unreachable: expect_pairs_held accepted what wait_for refused")
