"""Targets that behave like real vendors' storage rather than our reference with one rule
changed: writes that land late, land never, or land merged, and a stateless mock.

- DelayedStore: asynchronously replicated storage (a write-behind queue, a read replica): a new
  completion is readable a while after it is created, an update visible a while after it is
  answered. Conformant as long as the delay stays within --consistency-timeout.
- NeverPersistsUpdates: the update is answered from the request (the object with the new map)
  but never written: a cache that is dropped, a write to a replica nobody reads.
- NeverPersistsAnything: completions are answered but never stored: a proxy to a model that
  has no storage behind it.
- MergingCappedStore: an update merges into the stored map (as PostgreSQL's `metadata ||
  $1` does) and the 16-pair limit applies to the merged map; pairs are never removed. The page
  leaves both open: conformant.
- StatelessCanned: a mock that answers every request with the same canned objects, whatever
  was created or sent (as a mock server generating answers from the official OpenAPI document
  does): it validates the request body, and answers 422 like such a mock.
- LaggingReplicas, ListLagsRetrieve, NullForAnEmptyMap, KeysInAnotherOrder: reads served by
  replicas that go back in time, a list behind retrieve, an empty map as null, keys in another
  order. All allowed by the page, at the user's default bound.
- ListEntriesFromAStaleCache, UpdateResavesTheFirstPageOfMessages: a view that keeps what an
  update changed from it; no case looks there, an invariant does.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.reference.app import MAX_PAIRS, ApiError, ReferenceApi
from conformance.reference.store import Record, Store


class DelayedStore(ReferenceApi):
    """New completions are readable 2 s after creation, updates visible 1 s after their
    answer (the reference store's own lag, conformance/reference/store.py): within any
    sensible --consistency-timeout, so conformant."""

    CREATE_DELAY = 2.0

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.store.create_delay = self.CREATE_DELAY
        self.store.update_delay = 1.0


class ForgetfulStore(Store):
    """Accepts every metadata write and keeps none of them."""

    def set_metadata(self, tenant: str, completion_id: str, metadata: Mapping[str, str]) -> bool:
        return super().get(tenant, completion_id) is not None


class NeverPersistsUpdates(ReferenceApi):
    """The update answers 200 with the new map, but retrieve keeps showing the old one."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, ForgetfulStore())


class AmnesicStore(Store):
    """Keeps nothing at all."""

    def insert(self, record: Record) -> None:
        pass


class NeverPersistsAnything(ReferenceApi):
    """Completions are answered (store: true or not) but never stored: retrieve, update and
    delete answer 404 for every id."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, AmnesicStore())


class MergingCappedStore(ReferenceApi):
    """An update merges into the stored map, the 16-pair limit applies to the merged map, and
    pairs are never removed: `{}` changes nothing."""

    def merge_metadata(self, stored: dict[str, str], sent: dict[str, str]) -> dict[str, str]:
        merged = {**stored, **sent}
        if len(merged) > MAX_PAIRS:
            raise ApiError(
                400,
                f"Invalid 'metadata': the completion would hold {len(merged)} pairs; "
                f"at most {MAX_PAIRS} are allowed.",
                param="metadata",
                code="object_above_max_properties",
            )
        return merged


CANNED_ID = "chatcmpl-abc123"
CANNED = {
    "id": CANNED_ID,
    "object": "chat.completion",
    "created": 1677652288,
    "model": "gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello there!", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21},
    "metadata": {"foo": "bar"},
}


class StatelessCanned(ReferenceApi):
    """A mock: every completion it answers is the same canned object, whatever id is asked
    for or was sent; invalid bodies get 422 problem details; any bearer key is accepted."""

    def authenticate(self, request: Request) -> str:
        if not request.headers.get("authorization", "").lower().startswith("bearer "):
            raise ApiError(401, "Missing bearer token.")
        return "anyone"

    def invalid(self, detail: str) -> Response:
        problem = {"type": "about:blank", "title": "Invalid request", "status": 422}
        return JSONResponse(
            {**problem, "detail": detail}, status_code=422, media_type="application/problem+json"
        )

    async def create_endpoint(self, request: Request) -> Response:
        self.authenticate(request)
        body = await self.read_json(request)
        if not isinstance(body, dict) or "model" not in body or "messages" not in body:
            return self.invalid("request body must have required properties model, messages")
        return self.json(CANNED)

    async def retrieve_endpoint(self, request: Request) -> Response:
        self.authenticate(request)
        return self.json(CANNED)

    async def update_endpoint(self, request: Request) -> Response:
        self.authenticate(request)
        body = await self.read_json(request)
        try:
            self.validate_metadata(body.get("metadata") if isinstance(body, dict) else None)
        except ApiError as exc:
            return self.invalid(exc.message)
        return self.json(CANNED)

    async def delete_endpoint(self, request: Request) -> Response:
        self.authenticate(request)
        return self.json({"object": "chat.completion.deleted", "id": CANNED_ID, "deleted": True})

    async def list_endpoint(self, request: Request) -> Response:
        self.authenticate(request)
        page = {"object": "list", "data": [CANNED], "has_more": False}
        return self.json({**page, "first_id": CANNED_ID, "last_id": CANNED_ID})


# --- reads that lag, each in its own way (conformant at the user's default bound) ---------------
class History:
    """Every map each completion has held, with when: what a lagging replica or cache serves."""

    def __init__(self) -> None:
        self.versions: dict[str, list[tuple[float, dict[str, str]]]] = {}

    def keep(self, completion_id: str, metadata: Mapping[str, str]) -> None:
        self.versions.setdefault(completion_id, []).append((time.monotonic(), dict(metadata)))

    def as_of(self, completion_id: str, lag: float, now: dict[str, str]) -> dict[str, str]:
        """The map as it was `lag` seconds ago (the oldest known when none was that old)."""
        seen = self.versions.get(completion_id)
        if not seen:
            return now
        then = time.monotonic() - lag
        older = [metadata for at, metadata in seen if at <= then]
        return older[-1] if older else seen[0][1]


class LaggingReplicas(ReferenceApi):
    """Reads go to one of three replicas in turn, 0, 0.9 and 0.3 s behind the primary, so a
    read may show an older state than the one before it (DynamoDB's default eventually
    consistent reads, MySQL/PostgreSQL read replicas): the update's own answer comes from the
    primary. Conformant: every read catches up within a second."""

    LAGS = (0.0, 0.9, 0.3)

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.history = History()
        self.replicas = itertools.cycle(self.LAGS)
        self.answering_update = False

    def complete(self, tenant: str, body: Any) -> Record:
        record = super().complete(tenant, body)
        self.history.keep(record.id, record.metadata)
        return record

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        record = super().update(tenant, completion_id, body)
        self.history.keep(record.id, record.metadata)
        return record

    def render(self, record: Record) -> dict[str, Any]:
        lag = next(self.replicas)
        return {**record.body, "metadata": self.history.as_of(record.id, lag, record.metadata)}

    def render_update(self, record: Record) -> dict[str, Any]:
        return {**record.body, "metadata": dict(record.metadata)}


class ListLagsRetrieve(LaggingReplicas):
    """Retrieve reads the primary; the list is served from a search index refreshed 1.5 s
    behind it (its filters too), as list endpoints backed by Elasticsearch or a materialized
    view are. Conformant: the list catches up within the bound."""

    def render(self, record: Record) -> dict[str, Any]:
        return {**record.body, "metadata": dict(record.metadata)}

    async def list_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        query = request.query_params
        wanted = {
            key[len("metadata[") : -1]: value
            for key, value in query.multi_items()
            if key.startswith("metadata[") and key.endswith("]")
        }
        page = []
        for record in self.store.list(tenant, order=query.get("order") or "asc"):
            indexed = self.history.as_of(record.id, 1.5, record.metadata)
            if all(indexed.get(k) == v for k, v in wanted.items()):
                page.append({**record.body, "metadata": indexed})
        first, last = (page[0]["id"], page[-1]["id"]) if page else (None, None)
        return self.json(
            {"object": "list", "data": page, "first_id": first, "last_id": last, "has_more": False}
        )


class NullForAnEmptyMap(ReferenceApi):
    """An empty map is answered as `"metadata": null` everywhere (a Go nil map, a NULL
    column): the official schema makes metadata nullable. Conformant."""

    def render(self, record: Record) -> dict[str, Any]:
        return {**record.body, "metadata": dict(record.metadata) or None}


class KeysInAnotherOrder(ReferenceApi):
    """Maps come back with their keys sorted (PostgreSQL jsonb orders keys by length, then
    bytes; many serializers sort): a map has no order. Conformant."""

    def render(self, record: Record) -> dict[str, Any]:
        metadata = dict(sorted(record.metadata.items(), key=lambda kv: (len(kv[0]), kv[0])))
        return {**record.body, "metadata": metadata}


# --- views that keep what an update changed from them (faults only an invariant catches) ---------
class ListEntriesFromAStaleCache(ReferenceApi):
    """The list filters on the live store, but renders each entry from a cache of the objects
    filled when first listed and never refreshed on update (a denormalized read model that
    only inserts feed): entries keep showing the metadata they were first listed with."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.cached: dict[str, dict[str, Any]] = {}

    async def list_endpoint(self, request: Request) -> Response:
        response = await super().list_endpoint(request)
        page = json.loads(bytes(response.body))
        page["data"] = [self.cached.setdefault(item["id"], item) for item in page["data"]]
        return self.json(page)


class UpdateResavesTheFirstPageOfMessages(ReferenceApi):
    """An update re-saves the completion from what its API views show, and the messages view
    shows a page of 20: a conversation longer than that loses the rest (an ORM that saves the
    object it loaded through a paginated relation)."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.resaved: set[str] = set()

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        record = super().update(tenant, completion_id, body)
        self.resaved.add(completion_id)
        return record

    async def messages_endpoint(self, request: Request) -> Response:
        response = await super().messages_endpoint(request)
        if request.path_params["completion_id"] not in self.resaved:
            return response
        page = json.loads(bytes(response.body))
        page["data"] = page["data"][:20]
        return self.json(page)
