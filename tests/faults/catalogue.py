"""The fault catalogue: small variations of the reference server, each breaking one rule.

Every fault names the requirements it violates; the fault matrix (tests/test_fault_matrix.py)
runs the whole suite against it and checks that exactly those requirements fail. Conformant
variations behave differently from the reference in ways the page allows; they must fail no
MUST requirement, and warn on no SHOULD but the ones they name.

A fault the suite does not catch is a bug in the suite; a conformant variation it flags is a
false alarm, which is worse.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference.app import MAX_PAIRS, ApiError, ReferenceApi
from conformance.reference.store import Record, Store
from tests.faults import stores


@dataclass(frozen=True)
class Variant:
    """A server variation and the verdicts the suite must reach against it."""

    api_class: type[ReferenceApi]
    fails: frozenset[str] = frozenset()  # requirements that must FAIL (MUST) or WARN (SHOULD)
    options: tuple[str, ...] = ()  # extra suite options for this run
    mechanisms: tuple[str, ...] = ()  # the fault model's mechanisms it stands for (README.md)
    # Requirements the run cannot judge against this server (a precondition it never lets
    # the suite establish): they must be INCONCLUSIVE, exactly these.
    inconclusive: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.api_class.__name__

    @property
    def doc(self) -> str:
        return (self.api_class.__doc__ or "").strip()


FAULTS: list[Variant] = []
CONFORMANT: list[Variant] = []


def registrar(into: list[Variant]) -> Callable[..., Any]:
    """A class decorator factory that registers variations into `into`, with the requirement
    IDs they must fail (faults) or may warn on (conformant variations)."""

    def register_with(
        *requirements: str,
        options: tuple[str, ...] = (),
        mechanisms: tuple[str, ...] = (),
        inconclusive: tuple[str, ...] = (),
    ) -> Any:
        def register(cls: type[ReferenceApi]) -> type[ReferenceApi]:
            variant = Variant(
                cls, frozenset(requirements), options, mechanisms, frozenset(inconclusive)
            )
            into.append(variant)
            return cls

        return register

    return register_with


fault = registrar(FAULTS)
conformant = registrar(CONFORMANT)


def _without_extra_fields(body: Any) -> Any:
    if isinstance(body, dict) and "metadata" in body:
        return {"metadata": body["metadata"]}
    return body


# --- limits --------------------------------------------------------------------------------------
@fault("UCC-LIMIT-PAIRS-17")
class AcceptsSeventeenPairs(ReferenceApi):
    """Off by one on the pair count: 17 pairs are accepted and stored."""

    def check_pair_count(self, metadata: dict[str, Any]) -> None:
        if len(metadata) > MAX_PAIRS + 1:
            super().check_pair_count(metadata)


# A series of 16-pair updates cannot be sent to it: UCC-STORED-WITHIN-LIMITS is not judged.
@fault("UCC-LIMIT-PAIRS-16", "UCC-LIMIT-AT-MAXIMA", inconclusive=("UCC-STORED-WITHIN-LIMITS",))
class RejectsSixteenPairs(ReferenceApi):
    """Off by one the other way: at most 15 pairs."""

    def check_pair_count(self, metadata: dict[str, Any]) -> None:
        if len(metadata) >= MAX_PAIRS:
            raise ApiError(400, "Too many metadata pairs.", param="metadata")


@fault("UCC-LIMIT-KEY-65")
class AcceptsLongKeys(ReferenceApi):
    """Keys are not length-checked."""

    def check_key(self, key: str) -> None:
        pass


@fault("UCC-LIMIT-KEY-64", "UCC-LIMIT-CHARACTERS-NOT-BYTES", "UCC-LIMIT-AT-MAXIMA")
class RejectsSixtyFourCharacterKeys(ReferenceApi):
    """Keys must be shorter than 64 characters."""

    def check_key(self, key: str) -> None:
        if len(key) >= 64:
            raise ApiError(400, "Metadata key too long.", param="metadata")


@fault("UCC-LIMIT-VALUE-513")
class AcceptsLongValues(ReferenceApi):
    """Values are type-checked but not length-checked."""

    def check_value(self, key: str, value: Any) -> None:
        if not isinstance(value, str):
            super().check_value(key, value)


@fault("UCC-LIMIT-VALUE-512", "UCC-LIMIT-CHARACTERS-NOT-BYTES", "UCC-LIMIT-AT-MAXIMA")
class RejectsFiveHundredTwelveCharacterValues(ReferenceApi):
    """Values must be shorter than 512 characters."""

    def check_value(self, key: str, value: Any) -> None:
        super().check_value(key, value)
        if len(value) >= 512:
            raise ApiError(400, "Metadata value too long.", param="metadata")


# A class of characters in the round-trip corpus is longer in bytes than a key may be: refused.
@fault(
    "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    "UCC-LIMIT-AT-MAXIMA",
    "UCC-META-ROUNDTRIP-RESPONSE",
    "UCC-META-ROUNDTRIP-RETRIEVE",
)
class CountsUtf8Bytes(ReferenceApi):
    """The limits count UTF-8 bytes, so 64 two-byte characters are 'too long'."""

    def check_key(self, key: str) -> None:
        super().check_key(key.encode("utf-8", "surrogatepass").decode("latin-1"))

    def check_value(self, key: str, value: Any) -> None:
        if isinstance(value, str):
            value = value.encode("utf-8", "surrogatepass").decode("latin-1")
        super().check_value(key, value)


@fault(
    "UCC-LIMIT-VALUE-512",
    "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    "UCC-META-ROUNDTRIP-RESPONSE",
    "UCC-META-ROUNDTRIP-RETRIEVE",
    "UCC-LIMIT-AT-MAXIMA",
    mechanisms=("M8",),
)
class TruncatesLongValues(ReferenceApi):
    """Values are silently cut to 255 characters when stored."""

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        return {k: v[:255] for k, v in super().validate_metadata(metadata).items()}


@fault("UCC-LIMIT-PAIRS-17", "UCC-LIMIT-KEY-65", "UCC-LIMIT-VALUE-513")
class ClearsMetadataOnRejection(ReferenceApi):
    """A rejected update still wipes the stored metadata."""

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        try:
            return super().update(tenant, completion_id, body)
        except ApiError as exc:
            if exc.status == 400:
                self.store.set_metadata(tenant, completion_id, {})
            raise


# --- validation ----------------------------------------------------------------------------------
@fault("UCC-VALID-VALUE-STRING")
class AcceptsNonStringValues(ReferenceApi):
    """Any JSON value is accepted as a metadata value."""

    def check_value(self, key: str, value: Any) -> None:
        if isinstance(value, str):
            super().check_value(key, value)


@fault("UCC-VALID-METADATA-MAP")
class AcceptsNonMapMetadata(ReferenceApi):
    """Metadata that is not a map is taken as an empty map."""

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        return super().validate_metadata(metadata if isinstance(metadata, dict) else {})


@fault("UCC-VALID-METADATA-REQUIRED")
class AcceptsMissingMetadata(ReferenceApi):
    """A body without metadata is a no-op answered 200."""

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        if isinstance(body, dict) and "metadata" not in body:
            return self.find(tenant, completion_id)
        return super().update(tenant, completion_id, body)


@fault("UCC-ERR-VALIDATION-400")
class NonObjectBodyAnswers401(ReferenceApi):
    """A JSON body that is not an object is answered 401, as if the key were wrong."""

    def validate_update(self, body: Any) -> dict[str, str]:
        if not isinstance(body, dict):
            raise ApiError(401, "The request body must be a JSON object.", code="invalid_type")
        return super().validate_update(body)


@fault("UCC-ERR-VALIDATION-400")
class NonMapMetadataAnswers401(ReferenceApi):
    """Metadata that is not a map is answered 401, as if the key were wrong."""

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        if not isinstance(metadata, dict):
            raise ApiError(401, "Invalid type for 'metadata'.", param="metadata")
        return super().validate_metadata(metadata)


@fault("UCC-VALID-BODY-OBJECT")
class CrashesOnNonObjectBody(ReferenceApi):
    """A JSON body that is not an object crashes the handler (500)."""

    def validate_update(self, body: Any) -> dict[str, str]:
        if not isinstance(body, dict):
            raise TypeError("body is not a dict")
        return super().validate_update(body)


@fault("UCC-VALID-MALFORMED-JSON")
class CrashesOnMalformedJson(ReferenceApi):
    """Malformed JSON crashes the handler (500)."""

    async def read_json(self, request: Request) -> Any:
        return json.loads(await request.body())


@fault("UCC-META-EMPTY-ACCEPTED")
class CrashesOnEmptyMap(ReferenceApi):
    """An empty metadata map crashes the update handler (500)."""

    def validate_update(self, body: Any) -> dict[str, str]:
        if isinstance(body, dict) and body.get("metadata") == {}:
            raise ValueError("empty metadata")
        return super().validate_update(body)


# --- round trip and what an update changes -------------------------------------------------------
@fault("UCC-META-ROUNDTRIP-RESPONSE", "UCC-META-ROUNDTRIP-RETRIEVE", mechanisms=("M6",))
class StripsWhitespace(ReferenceApi):
    """Values are stripped of surrounding whitespace."""

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        return {k: v.strip() for k, v in super().validate_metadata(metadata).items()}


@fault(
    "UCC-META-ROUNDTRIP-RESPONSE",
    "UCC-META-ROUNDTRIP-RETRIEVE",
    "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    "UCC-LIMIT-AT-MAXIMA",
    mechanisms=("M10",),
)
class StoresAsciiOnly(ReferenceApi):
    """Non-ASCII characters are replaced by '?' when stored."""

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        def ascii(text: str) -> str:
            return text.encode("ascii", "replace").decode("ascii")

        return {ascii(k): ascii(v) for k, v in super().validate_metadata(metadata).items()}


# The text at the limits holds a quote: refused at any length, so how it counts is not judged.
@fault(
    "UCC-META-ROUNDTRIP-RESPONSE",
    "UCC-META-ROUNDTRIP-RETRIEVE",
    inconclusive=("UCC-LIMIT-CHARACTERS-NOT-BYTES",),
)
class RejectsQuotesInValues(ReferenceApi):
    """A value holding a double quote is refused as 'unsafe'."""

    def check_value(self, key: str, value: Any) -> None:
        super().check_value(key, value)
        if '"' in value:
            raise ApiError(400, "Metadata values may not contain quotes.", param="metadata")


@fault("UCC-META-ROUNDTRIP-RESPONSE", "UCC-RESP-ECHO-METADATA")
class EchoesStaleMetadata(ReferenceApi):
    """The answer shows the metadata from before the update."""

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        stale = dict(self.find(tenant, completion_id).metadata)
        record = super().update(tenant, completion_id, body)
        record.metadata = stale
        return record


@fault("UCC-RESP-ECHO-METADATA", mechanisms=("M30",))
class OmitsMetadataFromTheAnswer(ReferenceApi):
    """The answer to an update carries no metadata field."""

    def render_update(self, record: Record) -> dict[str, Any]:
        answer = super().render_update(record)
        del answer["metadata"]
        return answer


@fault("UCC-UPDATE-ONLY-METADATA")
class AnswerResetsUsage(ReferenceApi):
    """The answer to an update reports zero usage, unlike the stored completion."""

    def render_update(self, record: Record) -> dict[str, Any]:
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        return {**super().render_update(record), "usage": usage}


class RewritesOnUpdate(ReferenceApi):
    """Base of the faults below: an update rewrites a documented field of the completion, to
    the same value on every update, so one update looks like the next."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.rewritten: dict[str, Any] = {}

    def rewrite(self, record: Record) -> Any:
        raise NotImplementedError

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        record = super().update(tenant, completion_id, body)
        self.rewritten[completion_id] = self.rewrite(record)
        return record


@fault("UCC-UPDATE-ONLY-METADATA")
class RestampsCreatedOnUpdate(RewritesOnUpdate):
    """Every update sets `created` to the time of the update: two updates in the same second
    look alike. Never within a second of the creation, as at a real target, where generating
    the completion takes longer than that."""

    def rewrite(self, record: Record) -> Any:
        return max(int(time.time()), record.created + 1)

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        if record.id in self.rewritten:
            rendered["created"] = self.rewritten[record.id]
        return rendered


@fault("UCC-UPDATE-ONLY-METADATA")
class ResolvesModelAliasOnUpdate(RewritesOnUpdate):
    """Every update rewrites `model` to a dated snapshot name (test-model becomes
    test-model-2024-07-18), as a server that resolves the alias again on each write would."""

    def rewrite(self, record: Record) -> Any:
        return f"{record.model}-2024-07-18"

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        if record.id in self.rewritten:
            rendered["model"] = self.rewritten[record.id]
        return rendered


@fault("UCC-UPDATE-EXTRA-FIELDS-NO-EFFECT", "UCC-UPDATE-EXTRA-FIELDS-REJECTED")
class AppliesModelFromTheBody(ReferenceApi):
    """Fields besides metadata are accepted, and `model` overwrites the completion's model."""

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        record = super().update(tenant, completion_id, _without_extra_fields(body))
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            record.body = {**record.body, "model": body["model"]}
        return record


@fault("UCC-UPDATE-EXTRA-FIELDS-NO-EFFECT", "UCC-UPDATE-EXTRA-FIELDS-REJECTED")
class StoreFalseInTheBodyUnstores(ReferenceApi):
    """Fields besides metadata are accepted, and store=false deletes the stored completion."""

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        record = super().update(tenant, completion_id, _without_extra_fields(body))
        if isinstance(body, dict) and body.get("store") is False:
            self.store.delete(tenant, completion_id)
        return record


# --- which completions can be modified -----------------------------------------------------------
@fault("UCC-ID-UNKNOWN-404", "UCC-STORE-FALSE-404", "UCC-DELETED-404", "UCC-AUTH-TENANT-ISOLATION")
class NotFoundAnswers400(ReferenceApi):
    """Ids that are not stored are answered 400 instead of 404."""

    def find(self, tenant: str, completion_id: str) -> Record:
        try:
            return super().find(tenant, completion_id)
        except ApiError as exc:
            raise ApiError(400, exc.message, param="completion_id") from None


@fault("UCC-STORE-FALSE-REJECTED")
class StoresEveryCompletion(ReferenceApi):
    """store=false is ignored: every completion is stored and can be modified."""

    def complete(self, tenant: str, body: Any) -> Record:
        if isinstance(body, dict):
            body = {**body, "store": True}
        return super().complete(tenant, body)


@fault("UCC-DELETED-REJECTED")
class DeleteKeepsTheCompletion(ReferenceApi):
    """DELETE answers 'deleted' but the completion stays, and can still be updated."""

    async def delete_endpoint(self, request: Request) -> Response:
        tenant = self.authenticate(request)
        completion_id = request.path_params["completion_id"]
        self.find(tenant, completion_id)
        return self.json(
            {"object": "chat.completion.deleted", "id": completion_id, "deleted": True}
        )


@fault(
    "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    "UCC-LIMIT-KEY-64",
    "UCC-LIMIT-PAIRS-16",
    "UCC-LIMIT-VALUE-512",
    "UCC-META-EMPTY-ACCEPTED",
    "UCC-META-ROUNDTRIP-RESPONSE",
    "UCC-META-ROUNDTRIP-RETRIEVE",
    "UCC-RESP-STATUS",
    inconclusive=(
        "UCC-AUTH-TENANT-ISOLATION",
        "UCC-AUTH-WRONG-NO-CHANGE",
        "UCC-DELETED-404",
        "UCC-DELETED-REJECTED",
        "UCC-INFO-EMPTY-MAP",
        "UCC-INFO-MERGE-SEMANTICS",
        "UCC-INFO-NULL-METADATA",
        "UCC-LIMIT-KEY-65",
        "UCC-LIMIT-PAIRS-17",
        "UCC-LIMIT-VALUE-513",
        "UCC-LIST-METADATA-FILTER",
        "UCC-RESP-ECHO-METADATA",
        "UCC-RESP-SAME-ID",
        "UCC-RESP-SCHEMA",
        "UCC-RESP-SDK-PARSE",
        "UCC-SHAPE-CHOICE-INDEX",
        "UCC-SHAPE-CHOICES",
        "UCC-SHAPE-CREATED-INTEGER",
        "UCC-SHAPE-LOGPROBS-REFUSAL",
        "UCC-SHAPE-LOGPROBS-VALUES",
        "UCC-SHAPE-MESSAGE-CONTENT",
        "UCC-SHAPE-TIMESTAMPS-SECONDS",
        "UCC-SHAPE-USAGE-BREAKDOWN",
        "UCC-SHAPE-USAGE-TOTAL",
        "UCC-STORED-AS-WRITTEN",
        "UCC-STORED-WITHIN-LIMITS",
        "UCC-LIMIT-AT-MAXIMA",
        "UCC-UPDATE-EXTRA-FIELDS-NO-EFFECT",
        "UCC-UPDATE-ONLY-METADATA",
    ),
)
class NeverStores(ReferenceApi):
    """store: true is answered like store: false: nothing is ever stored to modify."""

    def complete(self, tenant: str, body: Any) -> Record:
        if isinstance(body, dict):
            body = {**body, "store": False}
        return super().complete(tenant, body)


@fault(
    "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    "UCC-LIMIT-KEY-64",
    "UCC-LIMIT-PAIRS-16",
    "UCC-LIMIT-VALUE-512",
    "UCC-META-ROUNDTRIP-RETRIEVE",
    inconclusive=(
        "UCC-AUTH-TENANT-ISOLATION",
        "UCC-AUTH-WRONG-NO-CHANGE",
        "UCC-DELETED-404",
        "UCC-DELETED-REJECTED",
        "UCC-INFO-EMPTY-MAP",
        "UCC-INFO-MERGE-SEMANTICS",
        "UCC-INFO-NULL-METADATA",
        "UCC-LIMIT-KEY-65",
        "UCC-LIMIT-PAIRS-17",
        "UCC-LIMIT-VALUE-513",
        "UCC-LIST-METADATA-FILTER",
        "UCC-STORED-AS-WRITTEN",
        "UCC-STORED-WITHIN-LIMITS",
        "UCC-LIMIT-AT-MAXIMA",
        "UCC-UPDATE-EXTRA-FIELDS-NO-EFFECT",
        "UCC-UPDATE-ONLY-METADATA",
    ),
)
class RetrieveAnswers500(ReferenceApi):
    """Every retrieve of a stored completion crashes (500); updates still work."""

    async def retrieve_endpoint(self, request: Request) -> Response:
        raise RuntimeError("retrieve is broken")


# --- authentication ------------------------------------------------------------------------------
@fault("UCC-AUTH-MISSING-401")
class AcceptsMissingKey(ReferenceApi):
    """A request without Authorization is served as the first tenant."""

    def authenticate(self, request: Request) -> str:
        if "authorization" not in request.headers:
            return next(iter(self.keys.values()))
        return super().authenticate(request)


@fault("UCC-AUTH-WRONG-401", "UCC-AUTH-WRONG-NO-CHANGE")
class AcceptsAnyKey(ReferenceApi):
    """Any bearer key is served as the first tenant."""

    def authenticate(self, request: Request) -> str:
        try:
            return super().authenticate(request)
        except ApiError:
            if request.headers.get("authorization", "").lower().startswith("bearer "):
                return next(iter(self.keys.values()))
            raise


@fault("UCC-AUTH-WRONG-401")
class WrongKeyAnswers403(ReferenceApi):
    """A wrong key is answered 403 instead of 401."""

    def authenticate(self, request: Request) -> str:
        try:
            return super().authenticate(request)
        except ApiError as exc:
            if exc.code == "invalid_api_key":
                raise ApiError(403, "Forbidden.", code="forbidden") from None
            raise


@fault("UCC-AUTH-NO-KEY-ECHO")
class EchoesTheKeyIn401(ReferenceApi):
    """The 401 message repeats the presented key."""

    def authenticate(self, request: Request) -> str:
        try:
            return super().authenticate(request)
        except ApiError as exc:
            key = request.headers.get("authorization", "").partition(" ")[2]
            if key:
                raise ApiError(401, f"Incorrect API key provided: {key}.") from None
            raise exc


@fault("UCC-AUTH-WRONG-NO-CHANGE")
class WritesBeforeCheckingTheKey(ReferenceApi):
    """An update with a wrong key is applied to the first tenant, then answered 401."""

    async def update_endpoint(self, request: Request) -> Response:
        try:
            return await super().update_endpoint(request)
        except ApiError as exc:
            if exc.status == 401 and "authorization" in request.headers:
                tenant = next(iter(self.keys.values()))
                body = await self.read_json(request)
                self.update(tenant, request.path_params["completion_id"], body)
            raise


@fault("UCC-AUTH-TENANT-ISOLATION")
class IgnoresTenants(ReferenceApi):
    """Any valid key reaches every completion: keys are checked, tenants are not kept apart."""

    def find(self, tenant: str, completion_id: str) -> Record:
        for owner in dict.fromkeys(self.keys.values()):
            record = self.store.get(owner, completion_id)
            if record is not None:
                return record
        return super().find(tenant, completion_id)

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        return super().update(self.find(tenant, completion_id).tenant, completion_id, body)


# --- error bodies --------------------------------------------------------------------------------
@fault("UCC-ERR-OBJECT")
class FlatErrorBody(ReferenceApi):
    """Errors are {"message": ...} without the error envelope."""

    def error(self, exc: ApiError) -> Response:
        return self.json({"message": exc.message}, status=exc.status)


@fault("UCC-ERR-OBJECT-FIELDS")
class ErrorWithoutParamAndCode(ReferenceApi):
    """The error object carries only message and type."""

    def error(self, exc: ApiError) -> Response:
        return self.json({"error": {"message": exc.message, "type": exc.type}}, status=exc.status)


# --- the chat completion object ------------------------------------------------------------------
@fault("UCC-RESP-STATUS")
class AnswersTextPlain(ReferenceApi):
    """Successful answers are JSON labelled text/plain."""

    def json(self, payload: Any, status: int = 200) -> Response:
        if status != 200:
            return super().json(payload, status)
        return Response(json.dumps(payload), status_code=status, media_type="text/plain")


@fault(
    "UCC-RESP-SAME-ID",
    "UCC-RESP-SCHEMA",
    "UCC-RESP-SDK-PARSE",
    "UCC-UPDATE-ONLY-METADATA",
    mechanisms=("M27",),
)
class WrongObjectType(ReferenceApi):
    """The object type is 'chat.completion.updated'."""

    def render_update(self, record: Record) -> dict[str, Any]:
        return {**super().render_update(record), "object": "chat.completion.updated"}


@fault("UCC-SHAPE-USAGE-TOTAL", mechanisms=("M26",))
class UsageTotalOffByOne(ReferenceApi):
    """usage.total_tokens is one more than prompt + completion."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        usage = dict(rendered["usage"])
        usage["total_tokens"] += 1
        return {**rendered, "usage": usage}


@fault("UCC-SHAPE-USAGE-BREAKDOWN")
class NegativeCachedTokens(ReferenceApi):
    """usage.prompt_tokens_details.cached_tokens is -1."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        usage = dict(rendered["usage"])
        usage["prompt_tokens_details"] = {**usage["prompt_tokens_details"], "cached_tokens": -1}
        return {**rendered, "usage": usage}


@fault("UCC-SHAPE-CREATED-INTEGER", "UCC-RESP-SCHEMA", mechanisms=("M23",))
class CreatedAsString(ReferenceApi):
    """created is a numeric string."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        return {**rendered, "created": str(rendered["created"])}


def _with_choice(rendered: dict[str, Any], **changes: Any) -> dict[str, Any]:
    choice = {**rendered["choices"][0], **changes}
    return {**rendered, "choices": [choice, *rendered["choices"][1:]]}


@fault("UCC-SHAPE-CHOICES", "UCC-RESP-SCHEMA", "UCC-RESP-SDK-PARSE", mechanisms=("M24",))
class UndocumentedFinishReason(ReferenceApi):
    """finish_reason is 'done', which the page does not list."""

    def render(self, record: Record) -> dict[str, Any]:
        return _with_choice(super().render(record), finish_reason="done")


@fault("UCC-SHAPE-CHOICES", "UCC-RESP-SCHEMA", "UCC-RESP-SDK-PARSE")
class RoleIsNotAssistant(ReferenceApi):
    """message.role is 'model' instead of 'assistant'."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        message = {**rendered["choices"][0]["message"], "role": "model"}
        return _with_choice(rendered, message=message)


@fault("UCC-SHAPE-CHOICE-INDEX")
class ChoiceIndexOffByOne(ReferenceApi):
    """The only choice says index 1: "The index of the choice in the list of choices." is 0."""

    def render(self, record: Record) -> dict[str, Any]:
        return _with_choice(super().render(record), index=1)


@fault("UCC-SHAPE-MESSAGE-CONTENT")
class MessageWithoutContent(ReferenceApi):
    """The choice's message carries no content field."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        message = {k: v for k, v in rendered["choices"][0]["message"].items() if k != "content"}
        return _with_choice(rendered, message=message)


@fault("UCC-SHAPE-LOGPROBS-REFUSAL")
class OmitsLogprobsAndRefusal(ReferenceApi):
    """Choices carry no logprobs and messages no refusal."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        choice = {k: v for k, v in rendered["choices"][0].items() if k != "logprobs"}
        choice["message"] = {k: v for k, v in choice["message"].items() if k != "refusal"}
        return {**rendered, "choices": [choice]}


# --- listing -------------------------------------------------------------------------------------
@fault("UCC-LIST-METADATA-FILTER")
class ListIgnoresMetadataFilter(ReferenceApi):
    """GET /chat/completions ignores metadata[key]=value."""

    async def list_endpoint(self, request: Request) -> Response:
        query = [(k, v) for k, v in request.query_params.multi_items() if "metadata[" not in k]
        request.scope["query_string"] = "&".join(f"{k}={v}" for k, v in query).encode()
        return await super().list_endpoint(Request(request.scope, request.receive))


@fault("UCC-LIST-METADATA-FILTER")
class ListFilterMatchesLaterValues(ReferenceApi):
    """metadata[key]=value also lists completions whose value sorts after it (>= for ==)."""

    async def list_endpoint(self, request: Request) -> Response:
        items = request.query_params.multi_items()
        wanted = {k[len("metadata[") : -1]: v for k, v in items if k.startswith("metadata[")}
        rest = [(k, v) for k, v in items if not k.startswith("metadata[")]
        request.scope["query_string"] = "&".join(f"{k}={v}" for k, v in rest).encode()
        answer = await super().list_endpoint(Request(request.scope, request.receive))
        page = json.loads(bytes(answer.body))

        def later(item: dict[str, Any]) -> bool:
            metadata = item.get("metadata") or {}
            return all(k in metadata and metadata[k] >= v for k, v in wanted.items())

        return self.json({**page, "data": [item for item in page["data"] if later(item)]})


# --- what a series of updates stores ------------------------------------------------------------
@fault("UCC-STORED-WITHIN-LIMITS")
class MergeSemantics(ReferenceApi):
    """An update merges the sent pairs into the stored ones instead of replacing the map (the
    page allows it), and nothing caps the merged map: a series of valid updates stores more
    than 16 pairs."""

    def merge_metadata(self, stored: dict[str, str], sent: dict[str, str]) -> dict[str, str]:
        return {**stored, **sent}


# --- conformant variations -----------------------------------------------------------------------
@conformant()
class ExtraResponseFields(ReferenceApi):
    """Adds undocumented fields, as the page's own example answer does (request_id, seed...)."""

    def render(self, record: Record) -> dict[str, Any]:
        return {
            **super().render(record),
            "request_id": f"req_{secrets.token_hex(8)}",
            "seed": 4944116822809979520,
            "top_p": 1.0,
            "temperature": 1.0,
            "tool_choice": None,
            "tools": None,
            "response_format": None,
            "input_user": None,
        }


@conformant()
class MinimalUsage(ReferenceApi):
    """Usage has only the three required counts; no fingerprint or service tier."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        usage = {
            k: rendered["usage"][k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")
        }
        rendered = {
            k: v for k, v in rendered.items() if k not in ("system_fingerprint", "service_tier")
        }
        return {**rendered, "usage": usage}


@conformant()
class OtherIdFormat(ReferenceApi):
    """Ids in another format, as the page's own example uses (chat_abc123)."""

    def new_id(self) -> str:
        return f"chat_{secrets.token_hex(6)}AbC"


@conformant("UCC-ERR-VALIDATION-400", "UCC-UPDATE-EXTRA-FIELDS-REJECTED")
class ValidationAnswers422(ReferenceApi):
    """Validation errors are answered 422, as many frameworks do."""

    def error(self, exc: ApiError) -> Response:
        if exc.status == 400:
            exc.status = 422
        return super().error(exc)


@conformant()
class CharsetInContentType(ReferenceApi):
    """Answers are labelled application/json; charset=utf-8."""

    def json(self, payload: Any, status: int = 200) -> Response:
        return Response(
            json.dumps(payload), status_code=status, media_type="application/json; charset=utf-8"
        )


@conformant("UCC-UPDATE-EXTRA-FIELDS-REJECTED")
class IgnoresExtraFields(ReferenceApi):
    """Fields besides metadata are ignored rather than rejected."""

    def validate_update(self, body: Any) -> dict[str, str]:
        return super().validate_update(_without_extra_fields(body))


@conformant()
class NoListEndpoint(ReferenceApi):
    """The target offers no list endpoint (404), so the listing case is skipped."""

    async def list_endpoint(self, request: Request) -> Response:
        raise ApiError(404, "Not found.")


# --- storage that behaves like real vendors' (tests/faults/stores.py) ----------------------------
# Run at the consistency bound a user runs with: a write that never lands costs it once per
# kind, and the verdicts are the ones the user gets.
DEFAULT_BOUND = ("--consistency-timeout=30",)
STORED_STATE_CASES = (  # need a state the suite put there first: without one, not judged
    "UCC-UPDATE-ONLY-METADATA",
    "UCC-UPDATE-EXTRA-FIELDS-NO-EFFECT",
    "UCC-LIST-METADATA-FILTER",
    "UCC-LIMIT-PAIRS-17",
    "UCC-LIMIT-KEY-65",
    "UCC-LIMIT-VALUE-513",
    "UCC-AUTH-WRONG-NO-CHANGE",
    "UCC-AUTH-TENANT-ISOLATION",
    "UCC-INFO-MERGE-SEMANTICS",
    "UCC-INFO-EMPTY-MAP",
    "UCC-INFO-NULL-METADATA",
    "UCC-STORED-AS-WRITTEN",
    "UCC-STORED-WITHIN-LIMITS",
    "UCC-LIMIT-AT-MAXIMA",  # what an update does must be learned before it is sent
)
FAULTS.append(
    Variant(
        stores.NeverPersistsUpdates,
        frozenset(
            {
                "UCC-META-ROUNDTRIP-RETRIEVE",
                "UCC-LIMIT-PAIRS-16",
                "UCC-LIMIT-KEY-64",
                "UCC-LIMIT-VALUE-512",
                "UCC-LIMIT-CHARACTERS-NOT-BYTES",
                "UCC-LIMIT-AT-MAXIMA",
            }
        ),
        DEFAULT_BOUND,
        # What an update does is learned from its answers (the update answer is a view), so
        # the merge is observed and the largest update is sent.
        inconclusive=frozenset(STORED_STATE_CASES)
        - {"UCC-INFO-MERGE-SEMANTICS", "UCC-LIMIT-AT-MAXIMA"},
    )
)
FAULTS.append(
    Variant(
        stores.NeverPersistsAnything,
        frozenset(
            {
                "UCC-RESP-STATUS",
                "UCC-META-ROUNDTRIP-RESPONSE",
                "UCC-META-ROUNDTRIP-RETRIEVE",
                "UCC-META-EMPTY-ACCEPTED",
                "UCC-LIMIT-PAIRS-16",
                "UCC-LIMIT-KEY-64",
                "UCC-LIMIT-VALUE-512",
                "UCC-LIMIT-CHARACTERS-NOT-BYTES",
            }
        ),
        DEFAULT_BOUND,
        inconclusive=frozenset(
            {
                *STORED_STATE_CASES,
                # no accepted update, so no answer to judge
                "UCC-RESP-SAME-ID",
                "UCC-RESP-SCHEMA",
                "UCC-RESP-SDK-PARSE",
                "UCC-RESP-ECHO-METADATA",
                "UCC-SHAPE-USAGE-TOTAL",
                "UCC-SHAPE-CREATED-INTEGER",
                "UCC-SHAPE-CHOICES",
                "UCC-SHAPE-LOGPROBS-REFUSAL",
                "UCC-SHAPE-TIMESTAMPS-SECONDS",
                "UCC-SHAPE-CHOICE-INDEX",
                "UCC-SHAPE-USAGE-BREAKDOWN",
                "UCC-SHAPE-LOGPROBS-VALUES",
                "UCC-SHAPE-MESSAGE-CONTENT",
                # the completion to delete never became readable
                "UCC-DELETED-REJECTED",
                "UCC-DELETED-404",
            }
        ),
    )
)
FAULTS.append(
    Variant(
        stores.StatelessCanned,
        frozenset(
            {
                "UCC-META-ROUNDTRIP-RESPONSE",
                "UCC-META-ROUNDTRIP-RETRIEVE",
                "UCC-RESP-ECHO-METADATA",
                "UCC-LIMIT-PAIRS-16",
                "UCC-LIMIT-KEY-64",
                "UCC-LIMIT-VALUE-512",
                "UCC-LIMIT-CHARACTERS-NOT-BYTES",
                "UCC-UPDATE-EXTRA-FIELDS-REJECTED",
                "UCC-ID-UNKNOWN-404",
                "UCC-STORE-FALSE-REJECTED",
                "UCC-DELETED-REJECTED",
                "UCC-AUTH-WRONG-401",
                "UCC-ERR-OBJECT",
                "UCC-ERR-VALIDATION-400",
            }
        ),
        DEFAULT_BOUND,
        inconclusive=frozenset(STORED_STATE_CASES),
    )
)
CONFORMANT.append(Variant(stores.DelayedStore, options=DEFAULT_BOUND))
CONFORMANT.append(Variant(stores.MergingCappedStore))
CONFORMANT.append(Variant(stores.LaggingReplicas, options=DEFAULT_BOUND))
CONFORMANT.append(Variant(stores.ListLagsRetrieve, options=DEFAULT_BOUND))
CONFORMANT.append(Variant(stores.NullForAnEmptyMap, options=DEFAULT_BOUND))
CONFORMANT.append(Variant(stores.KeysInAnotherOrder, options=DEFAULT_BOUND))
# Views that keep what an update changed from them: each caught by one invariant only.
FAULTS.append(
    Variant(stores.ListEntriesFromAStaleCache, frozenset({"UCC-STORED-AS-WRITTEN"}), DEFAULT_BOUND)
)
FAULTS.append(
    Variant(stores.UpdateResavesTheFirstPageOfMessages, frozenset({"UCC-UPDATE-ONLY-METADATA"}))
)
