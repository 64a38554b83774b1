"""The reference server: a Starlette app that implements the documented behaviour exactly.

It is the suite's proof of itself: with no --base-url the cases run against it, and it must
pass every requirement with --strict. Each rule lives in its own small method, because the
fault catalogue (tests/faults) builds each faulty server by overriding exactly one of them.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from conformance.reference.store import Record, Store

# "Set of 16 key-value pairs that can be attached to an object."
MAX_PAIRS = 16
# "Keys are strings with a maximum length of 64 characters."
MAX_KEY_CHARS = 64
# "Values are strings with a maximum length of 512 characters."
MAX_VALUE_CHARS = 512
MAX_BODY_BYTES = 1_000_000
FINGERPRINT = "fp_reference"


class ApiError(Exception):
    """An error answer in the OpenAI envelope: {"error": {message, type, param, code}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code


def _logprobs(answer: str, alternatives: int) -> dict[str, Any]:
    """Log probabilities of an echo answer, one entry per word: certain, as an echo is, with
    `alternatives` less likely tokens beside each."""

    def entry(token: str, logprob: float) -> dict[str, Any]:
        return {"token": token, "logprob": logprob, "bytes": list(token.encode("utf-8"))}

    return {
        "content": [
            {
                **entry(token, 0.0),
                "top_logprobs": [
                    entry(token, 0.0),
                    *(entry(f"{token}{i}", -2.5 * i) for i in range(1, alternatives)),
                ][:alternatives],
            }
            for token in (w if i == 0 else f" {w}" for i, w in enumerate(answer.split()))
        ],
        "refusal": None,
    }


def echo_completion(
    completion_id: str,
    created: int,
    model: str,
    messages: list[dict[str, Any]],
    *,
    n: int = 1,
    top_logprobs: int | None = None,
) -> dict[str, Any]:
    """The chat completion object of an echo answer, with plausible usage counts: `n` choices,
    each with the log probabilities of its tokens when asked (`top_logprobs` not None: that
    many alternatives per token)."""
    prompt = " ".join(str(m.get("content") or "") for m in messages)
    last_user = next(
        (str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"),
        "",
    )
    answer = f"Echo: {last_user}"
    prompt_tokens = len(prompt.split()) + 3 * len(messages)
    completion_tokens = n * len(answer.split())
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": index,
                "message": {
                    "role": "assistant",
                    "content": answer,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None if top_logprobs is None else _logprobs(answer, top_logprobs),
                "finish_reason": "stop",
            }
            for index in range(n)
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }


class ReferenceApi:
    """The documented behaviour of the stored chat completion endpoints, one rule per method."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        """`keys` maps each accepted API key to its tenant; tenants never see each other's data."""
        self.keys = dict(keys)
        self.store = store or Store()

    # --- authentication -------------------------------------------------------------------
    def authenticate(self, request: Request) -> str:
        """The tenant of the request's bearer key; 401 for a missing or unknown key."""
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiError(
                401,
                "You didn't provide an API key. Provide it in the Authorization header "
                "as 'Authorization: Bearer YOUR_KEY'.",
                code=None,
            )
        tenant = self.keys.get(key.strip())
        if tenant is None:
            raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        return tenant

    # --- request bodies -------------------------------------------------------------------
    async def read_json(self, request: Request) -> Any:
        """The parsed JSON body; 400 for an oversized, non-UTF-8 or malformed body."""
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(413, "Request body too large.", code="request_too_large")
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(
                400,
                f"We could not parse the JSON body of your request. ({exc.__class__.__name__})",
                code="invalid_json",
            ) from None

    def validate_update(self, body: Any) -> dict[str, str]:
        """The new metadata of a valid update body; 400 naming the broken rule otherwise."""
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.", code="invalid_type")
        if "metadata" not in body:
            raise ApiError(
                400, "Missing required parameter: 'metadata'.", param="metadata", code="missing"
            )
        extra = sorted(set(body) - {"metadata"})
        if extra:
            # "Currently, the only supported modification is to update the metadata field."
            raise ApiError(
                400,
                f"Unrecognized request argument supplied: {extra[0]}.",
                param=extra[0],
                code="unknown_parameter",
            )
        return self.validate_metadata(body["metadata"])

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        """Metadata is a map of at most 16 string pairs, keys <= 64 and values <= 512 characters."""
        if not isinstance(metadata, dict):
            raise ApiError(
                400,
                "Invalid type for 'metadata': expected an object of string pairs.",
                param="metadata",
                code="invalid_type",
            )
        self.check_pair_count(metadata)
        for key, value in metadata.items():
            self.check_key(key)
            self.check_value(key, value)
        return dict(metadata)

    def check_pair_count(self, metadata: dict[str, Any]) -> None:
        if len(metadata) > MAX_PAIRS:
            raise ApiError(
                400,
                f"Invalid 'metadata': too many properties. Expected at most {MAX_PAIRS} "
                f"properties, but got {len(metadata)}.",
                param="metadata",
                code="object_above_max_properties",
            )

    def check_key(self, key: str) -> None:
        if len(key) > MAX_KEY_CHARS:
            raise ApiError(
                400,
                f"Invalid 'metadata': key too long. Expected a key of at most {MAX_KEY_CHARS} "
                f"characters, but got {len(key)}.",
                param="metadata",
                code="string_above_max_length",
            )

    def check_value(self, key: str, value: Any) -> None:
        if not isinstance(value, str):
            raise ApiError(
                400,
                f"Invalid type for 'metadata.{key[:64]}': expected a string.",
                param=f"metadata.{key[:64]}",
                code="invalid_type",
            )
        if len(value) > MAX_VALUE_CHARS:
            raise ApiError(
                400,
                f"Invalid 'metadata.{key[:64]}': string too long. Expected a string of at most "
                f"{MAX_VALUE_CHARS} characters, but got {len(value)}.",
                param=f"metadata.{key[:64]}",
                code="string_above_max_length",
            )

    # --- the update -----------------------------------------------------------------------
    def merge_metadata(self, stored: dict[str, str], sent: dict[str, str]) -> dict[str, str]:
        """The map stored after an update: the reference replaces the whole map."""
        return dict(sent)

    def find(self, tenant: str, completion_id: str) -> Record:
        """The tenant's stored completion; 404 for unknown, unstored and deleted ones alike."""
        record = self.store.get(tenant, completion_id)
        if record is None:
            raise ApiError(
                404,
                f"No chat completion found with id '{completion_id[:100]}'.",
                param="completion_id",
                code="not_found",
            )
        return record

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        metadata = self.validate_update(body)
        record = self.find(tenant, completion_id)
        record.metadata = self.merge_metadata(record.metadata, metadata)
        self.store.set_metadata(tenant, completion_id, record.metadata)
        return record

    # --- rendering ------------------------------------------------------------------------
    def render(self, record: Record) -> dict[str, Any]:
        """The chat completion object as the page documents it, metadata included."""
        return {**record.body, "metadata": dict(record.metadata)}

    def json(self, payload: Any, status: int = 200) -> Response:
        try:
            return JSONResponse(payload, status_code=status)
        except UnicodeEncodeError:
            # A lone surrogate the client sent as \ud800 has no UTF-8 form: it goes back as
            # the same escape, so a stored value is returned exactly as it came.
            body = json.dumps(payload, separators=(",", ":")).encode("ascii")
            return Response(body, status_code=status, media_type="application/json")

    def error(self, exc: ApiError) -> Response:
        return self.json(
            {
                "error": {
                    "message": exc.message,
                    "type": exc.type,
                    "param": exc.param,
                    "code": exc.code,
                }
            },
            status=exc.status,
        )

    def render_update(self, record: Record) -> dict[str, Any]:
        """The answer to an update: "The ChatCompletion object matching the specified ID." """
        return self.render(record)

    # --- creation (supporting) ------------------------------------------------------------
    def new_id(self) -> str:
        return f"chatcmpl-{uuid.uuid4().hex}"

    def complete(self, tenant: str, body: Any) -> Record:
        """A deterministic echo completion: the answer repeats the last user message."""
        model, messages, metadata = self.validate_create(body)
        completion_id = self.new_id()
        created = int(time.time())
        n, top_logprobs = self.validate_choices(body)
        obj = echo_completion(
            completion_id, created, model, messages, n=n, top_logprobs=top_logprobs
        )
        stored_messages = [
            {
                "id": f"{completion_id}-{i}",
                "role": str(m.get("role", "user")),
                "content": m.get("content"),
                "name": m.get("name"),
                "content_parts": None,
            }
            for i, m in enumerate(messages)
        ]
        record = Record(completion_id, tenant, model, created, metadata, obj, stored_messages)
        # "Only chat completions that have been created with the store parameter set to true
        # can be modified": an unstored completion is answered but never written.
        if body.get("store") is True:
            self.store.insert(record)
        return record

    def validate_create(self, body: Any) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
        """A create's model, messages and metadata; an OpenAI-style 400 for what is missing."""
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.", code="invalid_type")
        model = body.get("model")
        messages = body.get("messages")
        if not isinstance(model, str) or not model:
            raise ApiError(400, "Missing required parameter: 'model'.", param="model")
        if not isinstance(messages, list) or not messages:
            raise ApiError(400, "Missing required parameter: 'messages'.", param="messages")
        if not all(isinstance(m, dict) for m in messages):
            raise ApiError(400, "Invalid 'messages': expected objects.", param="messages")
        return model, messages, self.validate_metadata(body.get("metadata") or {})

    def validate_choices(self, body: dict[str, Any]) -> tuple[int, int | None]:
        """A create's `n` (1 to 8 here) and its log probabilities: `logprobs: true` asks for
        them, `top_logprobs` (0 to 20) for that many alternatives per token and needs it."""
        n = body.get("n", 1)
        if n is None:
            n = 1
        if type(n) is not int or not 1 <= n <= 8:
            raise ApiError(400, "Invalid 'n': expected an integer from 1 to 8.", param="n")
        logprobs = body.get("logprobs")
        top = body.get("top_logprobs")
        if logprobs not in (None, True, False):
            raise ApiError(400, "Invalid 'logprobs': expected a boolean.", param="logprobs")
        if top is not None and (type(top) is not int or not 0 <= top <= 20):
            raise ApiError(
                400,
                "Invalid 'top_logprobs': expected an integer from 0 to 20.",
                param="top_logprobs",
            )
        if top is not None and logprobs is not True:
            raise ApiError(
                400, "'top_logprobs' requires 'logprobs' to be true.", param="top_logprobs"
            )
        return n, (top or 0) if logprobs is True else None

    # --- streaming (supporting) ------------------------------------------------------------
    def wants_stream(self, body: Any) -> bool:
        """`stream: true` asks for server-sent events instead of one JSON answer."""
        return isinstance(body, dict) and body.get("stream") is True

    def wants_usage(self, body: Any) -> bool:
        """`stream_options.include_usage`: a last chunk with the usage and no choices."""
        options = body.get("stream_options") if isinstance(body, dict) else None
        return isinstance(options, dict) and options.get("include_usage") is True

    def chunks(self, record: Record, include_usage: bool) -> list[dict[str, Any]]:
        """The completion as chat.completion.chunk objects: the role, the answer a word at a
        time (joined, the deltas give back the text exactly), the finish reason, and when asked
        a last chunk with no choices and the usage (`usage` is null on the others)."""
        body = record.body
        choice = body["choices"][0]
        head = {
            key: body[key]
            for key in ("id", "created", "model", "service_tier", "system_fingerprint")
        }

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            made: dict[str, Any] = {
                **head,
                "object": "chat.completion.chunk",
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
                ],
            }
            if include_usage:
                made["usage"] = None
            return made

        words = re.split(r"(?<=\s)(?=\S)", choice["message"]["content"] or "")
        made = [chunk({"role": "assistant", "content": "", "refusal": None})]
        made += [chunk({"content": word}) for word in words if word]
        made.append(chunk({}, choice["finish_reason"]))
        if include_usage:
            made.append(
                {**head, "object": "chat.completion.chunk", "choices": [], "usage": body["usage"]}
            )
        return made

    def stream(self, record: Record, body: Any) -> Response:
        """Server-sent events as the SDK's streaming client reads them, ending `data: [DONE]`."""
        events = [f"data: {json.dumps(c)}\n\n" for c in self.chunks(record, self.wants_usage(body))]
        events.append("data: [DONE]\n\n")
        return StreamingResponse(iter(events), media_type="text/event-stream")

    # --- HTTP endpoints -------------------------------------------------------------------
    async def create_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        body = await self.read_json(request)
        record = self.complete(tenant, body)
        if self.wants_stream(body):
            return self.stream(record, body)
        return self.json(self.render(record))

    async def retrieve_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        return self.json(self.render(self.find(tenant, request.path_params["completion_id"])))

    async def update_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        body = await self.read_json(request)
        record = self.update(tenant, request.path_params["completion_id"], body)
        return self.json(self.render_update(record))

    async def delete_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        completion_id = request.path_params["completion_id"]
        self.find(tenant, completion_id)
        self.store.delete(tenant, completion_id)
        return self.json(
            {"object": "chat.completion.deleted", "id": completion_id, "deleted": True}
        )

    async def list_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        query = request.query_params
        order = _order(query.get("order"))
        limit = _limit(query.get("limit"))
        wanted = {
            key[len("metadata[") : -1]: value
            for key, value in query.multi_items()
            if key.startswith("metadata[") and key.endswith("]")
        }
        records = [
            r
            for r in self.store.list(tenant, order=order)
            if (query.get("model") in (None, r.model))
            and all(r.metadata.get(k) == v for k, v in wanted.items())
        ]
        return self.json(_page([self.render(r) for r in records], query.get("after"), limit))

    async def messages_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        record = self.find(tenant, request.path_params["completion_id"])
        query = request.query_params
        order, limit = _order(query.get("order")), _limit(query.get("limit"))
        messages = list(record.messages)
        if order == "desc":
            messages.reverse()
        return self.json(_page(messages, query.get("after"), limit))

    def routes(self) -> list[Route]:
        return [
            Route("/v1/chat/completions", self.create_endpoint, methods=["POST"]),
            Route("/v1/chat/completions", self.list_endpoint, methods=["GET"]),
            Route("/v1/chat/completions/{completion_id}", self.retrieve_endpoint, methods=["GET"]),
            Route("/v1/chat/completions/{completion_id}", self.update_endpoint, methods=["POST"]),
            Route("/v1/chat/completions/{completion_id}", self.delete_endpoint, methods=["DELETE"]),
            Route(
                "/v1/chat/completions/{completion_id}/messages",
                self.messages_endpoint,
                methods=["GET"],
            ),
        ]

    def app(self) -> Starlette:
        async def api_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, ApiError)
            return self.error(exc)

        async def http_error(request: Request, exc: Exception) -> Response:
            status = getattr(exc, "status_code", 500)
            message = "Not found." if status == 404 else "Method not allowed."
            return self.error(ApiError(status, message, code=None))

        return Starlette(
            routes=self.routes(),
            exception_handlers={ApiError: api_error, 404: http_error, 405: http_error},
        )


# The official spec's pagination of the list and messages endpoints: `after` (the id of the
# previous page's last item), `limit` (an integer, default 20; the spec sets no bounds, the
# reference allows 0 to 100) and `order` (`asc` by creation, the default, or `desc`).
def _order(raw: str | None) -> str:
    if raw is None:
        return "asc"
    if raw not in ("asc", "desc"):
        raise ApiError(400, "Invalid 'order': expected 'asc' or 'desc'.", param="order")
    return raw


def _limit(raw: str | None) -> int:
    if raw is None:
        return 20
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(400, "Invalid 'limit': expected an integer.", param="limit") from None
    if not 0 <= limit <= 100:
        raise ApiError(400, "Invalid 'limit': expected 0 to 100.", param="limit")
    return limit


def _page(items: list[dict[str, Any]], after: str | None, limit: int) -> dict[str, Any]:
    """A cursor page in the OpenAI list envelope, starting after the item with id `after`.

    `first_id` and `last_id` are null on an empty page; `has_more` says a next page exists."""
    if after is not None:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    page = items[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(items) > limit,
    }


def create_app(
    keys: Mapping[str, str] | None = None,
    *,
    database: str = ":memory:",
    api_class: type[ReferenceApi] = ReferenceApi,
    create_delay: float = 0.0,
    update_delay: float = 0.0,
) -> Starlette:
    """The reference server's ASGI app; `api_class` swaps in a variation (faults, variants).

    `create_delay` and `update_delay` (seconds) make it eventually consistent, as
    conformance.reference.store describes."""
    store = Store(database, create_delay=create_delay, update_delay=update_delay)
    return api_class(keys or {}, store).app()
