"""The reference server as an eventually consistent vendor (`--storage-delay`).

A developer rehearses a lagging store against it, and the suite's consistency polling is
tested against it: a new completion is invisible to every read until its delay has passed,
and an updated map stays invisible to reads (the update's own answer shows it at once).
The clock is a fake one, so nothing here sleeps.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from conformance.reference import ReferenceApi
from conformance.reference.store import Store

API_KEY = "sk-test-delay"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(clock: Clock) -> Iterator[TestClient]:
    """A reference server whose new completions show after 2 s and updates after 1 s."""
    store = Store(create_delay=2.0, update_delay=1.0, clock=clock)
    app = ReferenceApi({API_KEY: "tenant"}, store).app()
    with TestClient(app, base_url="http://testserver") as client:
        client.headers["authorization"] = f"Bearer {API_KEY}"
        yield client


def create(api: TestClient, **fields: Any) -> str:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "store": True}
    answer = api.post("/v1/chat/completions", json={**body, **fields})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def listed(api: TestClient) -> list[str]:
    return [c["id"] for c in api.get("/v1/chat/completions").json()["data"]]


def test_new_completion_is_invisible_until_the_create_delay_passes(
    api: TestClient, clock: Clock
) -> None:
    """Retrieve, list, messages and update all answer as if it did not exist yet."""
    cid = create(api)
    path = f"/v1/chat/completions/{cid}"

    clock.now += 1.9
    assert api.get(path).status_code == 404
    assert api.get(f"{path}/messages").status_code == 404
    assert api.post(path, json={"metadata": {"a": "1"}}).status_code == 404
    assert listed(api) == []

    clock.now += 0.1
    assert api.get(path).status_code == 200
    assert listed(api) == [cid]


def test_update_is_answered_at_once_and_read_after_the_update_delay(
    api: TestClient, clock: Clock
) -> None:
    """The update's answer shows the new map; retrieve and list show the old until 1 s later."""
    cid = create(api, metadata={"v": "old"})
    path = f"/v1/chat/completions/{cid}"
    clock.now += 2

    answer = api.post(path, json={"metadata": {"v": "new"}})
    assert answer.status_code == 200
    assert answer.json()["metadata"] == {"v": "new"}

    clock.now += 0.9
    assert api.get(path).json()["metadata"] == {"v": "old"}
    assert listed(api) == [cid]
    assert api.get("/v1/chat/completions", params={"metadata[v]": "new"}).json()["data"] == []

    clock.now += 0.1
    assert api.get(path).json()["metadata"] == {"v": "new"}


def test_successive_updates_become_visible_in_order(api: TestClient, clock: Clock) -> None:
    """Two updates half a second apart: reads see the first, then the second, never older."""
    cid = create(api, metadata={"v": "0"})
    path = f"/v1/chat/completions/{cid}"
    clock.now += 2
    api.post(path, json={"metadata": {"v": "1"}})
    clock.now += 0.5
    api.post(path, json={"metadata": {"v": "2"}})

    seen = []
    for _ in range(4):
        seen.append(api.get(path).json()["metadata"]["v"])
        clock.now += 0.4
    assert seen == ["0", "0", "1", "2"]  # read at +0.5, +0.9, +1.3 and +1.7 s


def test_delete_is_immediate(api: TestClient, clock: Clock) -> None:
    """Only creations and updates lag; a deleted completion is gone at once."""
    cid = create(api)
    clock.now += 2
    api.post(f"/v1/chat/completions/{cid}", json={"metadata": {"v": "1"}})

    assert api.delete(f"/v1/chat/completions/{cid}").status_code == 200
    clock.now += 5
    assert api.get(f"/v1/chat/completions/{cid}").status_code == 404


def test_no_delay_reads_its_writes() -> None:
    """The default store is read-your-writes: the suite's own proof runs against it."""
    store = Store()
    with TestClient(ReferenceApi({API_KEY: "t"}, store).app(), base_url="http://t") as api:
        api.headers["authorization"] = f"Bearer {API_KEY}"
        cid = create(api)
        api.post(f"/v1/chat/completions/{cid}", json={"metadata": {"v": "1"}})
        assert api.get(f"/v1/chat/completions/{cid}").json()["metadata"] == {"v": "1"}


def test_cli_rejects_a_negative_delay() -> None:
    """A typo in the delay is one line of usage error, not a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "conformance.reference", "--storage-delay=-1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "expected 0 to 3600 seconds" in done.stderr
    assert "Traceback" not in done.stderr
