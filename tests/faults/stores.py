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
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.reference.app import MAX_PAIRS, ApiError, ReferenceApi
from conformance.reference.store import Record, Store


class DelayedStore(ReferenceApi):
    """New completions are readable 2 s after creation, updates visible 1 s after their
    answer (the reference store's own lag, conformance/reference/store.py): within any
    sensible --consistency-timeout, so conformant."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.store.create_delay = 2.0
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
