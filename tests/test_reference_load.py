"""The reference server under concurrent load: no update is lost or torn.

Bounded and loopback-only: 8 clients x 25 updates against 127.0.0.1, then it stops.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from conformance.client import Client
from conformance.reference import BackgroundServer, ReferenceApi
from tests.conftest import API_KEY

WRITERS = 8
UPDATES_EACH = 25


def _writer(base_url: str, completion_id: str, writer: int) -> list[tuple[int, dict[str, str]]]:
    """Send this writer's updates; each answer's status and metadata."""
    client = Client(base_url, API_KEY)
    answers = []
    for n in range(UPDATES_EACH):
        sent = {"writer": str(writer), "seq": str(n), f"only_{writer}": "x"}
        exchange = client.update(completion_id, {"metadata": sent})
        body = exchange.json() if exchange.status == 200 else {}
        answers.append((exchange.status or 0, body.get("metadata", {})))
    client.close()
    return answers


def test_concurrent_updates_lose_nothing_and_leave_one_sent_map(
    serve: Callable[[type[ReferenceApi]], BackgroundServer],
) -> None:
    """Every update is answered 200 with exactly its own map, and what stays stored is one
    of the sent maps whole, never a mix of two writers."""
    server = serve(ReferenceApi)
    client = Client(server.base_url, API_KEY)
    body = {"model": "m", "messages": [{"role": "user", "content": "load"}], "store": True}
    completion_id = client.create(body).json()["id"]
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(
            pool.map(lambda w: _writer(server.base_url, completion_id, w), range(WRITERS))
        )
    sent_maps = [
        {"writer": str(w), "seq": str(n), f"only_{w}": "x"}
        for w in range(WRITERS)
        for n in range(UPDATES_EACH)
    ]
    answers = [answer for writer in results for answer in writer]
    assert len(answers) == WRITERS * UPDATES_EACH
    assert all(status == 200 for status, _ in answers)
    assert [metadata for _, metadata in answers] == sent_maps
    stored = client.retrieve(completion_id).json()["metadata"]
    client.close()
    assert stored in sent_maps
