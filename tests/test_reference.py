"""The reference server on its own: the endpoints around the update, tenants and storage.

The suite trusts the reference server as its proof of itself, and the cleanup and listing
cases lean on its list and messages endpoints; these are checked here directly, over HTTP.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.reference import BackgroundServer, create_app
from tests.conftest import API_KEY, OTHER_KEY

Serve = Callable[..., BackgroundServer]


def http(server: BackgroundServer, key: str = API_KEY) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"authorization": f"Bearer {key}"})


@pytest.fixture
def api(serve: Serve) -> Iterator[httpx.Client]:
    """A client of a fresh reference server, as the suite's tenant."""
    with http(serve()) as client:
        yield client


def create(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """A stored completion of "hello" with the given fields (model, metadata, messages...)."""
    body = {"model": "m-a", "messages": [{"role": "user", "content": "hello"}], "store": True}
    answer = client.post("/chat/completions", json={**body, **fields})
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


def ids(client: httpx.Client, **params: str) -> list[str]:
    answer = client.get("/chat/completions", params=params)
    assert answer.status_code == 200, answer.text
    return [c["id"] for c in answer.json()["data"]]


def test_list_filters_by_model(api: httpx.Client) -> None:
    """Listing by model is how a user finds what one deployment stored."""
    first, _ = create(api, model="m-a"), create(api, model="m-b")
    assert ids(api, model="m-a") == [first["id"]]


def test_list_filters_by_metadata_pair(api: httpx.Client) -> None:
    """UCC-LIST-METADATA-FILTER is judged against this filter: it must be exact."""
    tagged = create(api, metadata={"team": "red", "env": "prod"})
    create(api, metadata={"team": "blue", "env": "prod"})
    assert ids(api, **{"metadata[team]": "red"}) == [tagged["id"]]
    assert ids(api, **{"metadata[team]": "red", "metadata[env]": "dev"}) == []


def test_list_pages_with_after_limit_and_order(api: httpx.Client) -> None:
    """The cursor envelope the SDK's paginator follows: limit, has_more, after, order."""
    made = [create(api)["id"] for _ in range(3)]
    page = api.get("/chat/completions", params={"limit": "2"}).json()
    assert [c["id"] for c in page["data"]] == made[:2]
    assert (page["first_id"], page["last_id"], page["has_more"]) == (made[0], made[1], True)
    assert ids(api, after=made[1]) == made[2:]
    assert ids(api, order="desc") == made[::-1]


def test_list_limit_zero_answers_an_empty_page(api: httpx.Client) -> None:
    """The official spec sets no minimum on `limit` (the SDK's own tests send 0)."""
    create(api)
    page = api.get("/chat/completions", params={"limit": "0"}).json()
    assert (page["data"], page["first_id"], page["last_id"], page["has_more"]) == (
        [],
        None,
        None,
        True,
    )


@pytest.mark.parametrize("path", ["/chat/completions", "messages"], ids=["list", "messages"])
@pytest.mark.parametrize(
    "params",
    [{"limit": "-1"}, {"limit": "101"}, {"limit": "ten"}, {"order": "up"}],
    ids=["limit-negative", "limit-101", "limit-text", "order-up"],
)
def test_invalid_page_parameter_answers_400(
    api: httpx.Client, path: str, params: dict[str, str]
) -> None:
    """A bad query is the caller's error, in the OpenAI envelope, never a 500."""
    if path == "messages":
        path = f"/chat/completions/{create(api)['id']}/messages"
    answer = api.get(path, params=params)
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == next(iter(params))


def test_messages_endpoint_lists_the_request_messages(api: httpx.Client) -> None:
    """A stored completion keeps the messages it was created from, in order."""
    sent = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    completion = create(api, messages=sent)
    path = f"/chat/completions/{completion['id']}/messages"
    page = api.get(path).json()
    assert [(m["role"], m["content"]) for m in page["data"]] == [
        ("system", "be brief"),
        ("user", "hi"),
    ]
    desc = api.get(path, params={"order": "desc"}).json()
    assert [m["role"] for m in desc["data"]] == ["user", "system"]


def test_messages_page_with_after_and_limit(api: httpx.Client) -> None:
    """The messages list pages like the completions list: limit, has_more, after the last id."""
    sent = [{"role": "user", "content": f"m{i}"} for i in range(3)]
    path = f"/chat/completions/{create(api, messages=sent)['id']}/messages"
    first = api.get(path, params={"limit": "2"}).json()
    assert [m["content"] for m in first["data"]] == ["m0", "m1"]
    assert (first["first_id"], first["has_more"]) == (first["data"][0]["id"], True)
    rest = api.get(path, params={"limit": "2", "after": first["last_id"]}).json()
    assert ([m["content"] for m in rest["data"]], rest["has_more"]) == (["m2"], False)


def test_unstored_completion_is_not_retrievable(api: httpx.Client) -> None:
    """store=false is answered but never kept: the store-false cases depend on it."""
    unstored = create(api, store=False)
    assert api.get(f"/chat/completions/{unstored['id']}").status_code == 404


@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", None), ("POST", {"metadata": {"stolen": "yes"}}), ("DELETE", None)],
    ids=["retrieve", "update", "delete"],
)
def test_other_tenant_cannot_touch_a_completion(
    serve: Serve, method: str, body: dict[str, Any] | None
) -> None:
    """Another project's key must see "not found", and change nothing."""
    server = serve()
    with http(server) as owner, http(server, OTHER_KEY) as other:
        completion = create(owner, metadata={"owner": "suite"})
        path = f"/chat/completions/{completion['id']}"
        answer = other.request(method, path, json=body)
        assert answer.status_code == 404, answer.text
        assert ids(other) == []
        after = owner.get(path)
        assert after.status_code == 200
        assert after.json()["metadata"] == {"owner": "suite"}


def test_file_database_survives_a_restart(tmp_path: Path) -> None:
    """`--database FILE` is how a user keeps completions between runs of the server."""
    database = str(tmp_path / "db.sqlite")
    app = create_app({API_KEY: "suite"}, database=database)
    with BackgroundServer(app) as first, http(first) as client:
        completion = create(client, metadata={"kept": "yes"})
    app = create_app({API_KEY: "suite"}, database=database)
    with BackgroundServer(app) as second, http(second) as client:
        again = client.get(f"/chat/completions/{completion['id']}")
    assert again.status_code == 200
    assert again.json()["metadata"] == {"kept": "yes"}


def test_reference_server_command_prints_its_help() -> None:
    """`python -m conformance.reference --help` is the README's first command."""
    done = subprocess.run(
        [sys.executable, "-m", "conformance.reference", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--database" in done.stdout
