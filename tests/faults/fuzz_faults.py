"""Faults only generated input reaches: variations of the reference server that the
handwritten cases pass and the fuzz cases (conformance/cases/test_fuzz.py) must catch.

Each breaks one rule for inputs nobody wrote down (a control character in a key, an empty
object as a value, an array of nulls as the metadata...), and each fires only where no other
rule stops the request first, so it is caught under exactly the requirements it names, for
any seed. tests/test_fuzz.py runs the fuzz cases against each.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.reference.app import ApiError, ReferenceApi
from conformance.reference.store import Record
from tests.faults.catalogue import Variant, registrar

FUZZ_FAULTS: list[Variant] = []


fuzz_fault = registrar(FUZZ_FAULTS)


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


# --- valid updates ---------------------------------------------------------------------------
@fuzz_fault("UCC-RESP-STATUS")
class CrashesOnControlCharacterInKey(ReferenceApi):
    """A valid update whose key holds a control character crashes the handler (500)."""

    def merge_metadata(self, stored: dict[str, str], sent: dict[str, str]) -> dict[str, str]:
        if any(_has_control_character(key) for key in sent):
            raise UnicodeError("control character in a key")
        return super().merge_metadata(stored, sent)


@fuzz_fault("UCC-RESP-STATUS")
class CrashesOnEmptyKey(ReferenceApi):
    """A valid update with an empty-string key crashes the handler (500); refusing it would
    be allowed (UCC-INFO-EMPTY-KEY), crashing is not."""

    def merge_metadata(self, stored: dict[str, str], sent: dict[str, str]) -> dict[str, str]:
        if "" in sent:
            raise KeyError("empty key")
        return super().merge_metadata(stored, sent)


@fuzz_fault("UCC-META-ROUNDTRIP-RETRIEVE")
class DropsControlCharactersWhenStoring(ReferenceApi):
    """Control characters other than tab, newline, carriage return and NUL (those the
    handwritten round-trip corpus sends) are dropped from stored values (the answer to the
    update still echoes them)."""

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        record = super().update(tenant, completion_id, body)
        kept = {
            key: "".join(ch for ch in value if ch in "\t\n\r\x00" or not _has_control_character(ch))
            for key, value in record.metadata.items()
        }
        self.store.set_metadata(tenant, completion_id, kept)
        return record


@fuzz_fault("UCC-RESP-SCHEMA")
class AnswersDigitValuesAsNumbers(ReferenceApi):
    """The answer to an update gives values made only of digits as JSON numbers."""

    def render_update(self, record: Record) -> dict[str, Any]:
        answer = super().render_update(record)
        metadata = {
            key: int(value) if value.isascii() and value.isdigit() else value
            for key, value in answer["metadata"].items()
        }
        return {**answer, "metadata": metadata}


# --- invalid updates -------------------------------------------------------------------------
@fuzz_fault("UCC-VALID-GENERATED-INVALID-REJECTED")
class AcceptsEmptyObjectValues(ReferenceApi):
    """An empty object as a metadata value is taken as an empty string."""

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        if isinstance(metadata, dict):
            metadata = {k: "" if v == {} else v for k, v in metadata.items()}
        return super().validate_metadata(metadata)


@fuzz_fault("UCC-VALID-GENERATED-INVALID-REJECTED")
class AcceptsArrayOfScalarsAsMetadata(ReferenceApi):
    """Metadata given as a non-empty array of scalars (`[null, null]`) is taken as an empty map
    and answered 200; arrays of pairs and empty arrays are still refused."""

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        scalars = isinstance(metadata, list) and not any(
            isinstance(item, list | dict) for item in metadata
        )
        if scalars and metadata:
            return {}
        return super().validate_metadata(metadata)


@fuzz_fault("UCC-VALID-GENERATED-INVALID-REJECTED")
class WipesMetadataOnRefusedTypes(ReferenceApi):
    """An update refused for a value of the wrong type still wipes the stored metadata."""

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        try:
            return super().update(tenant, completion_id, body)
        except ApiError as exc:
            if exc.code == "invalid_type" and str(exc.param or "").startswith("metadata."):
                self.store.set_metadata(tenant, completion_id, {})
            raise


@fuzz_fault("UCC-ERR-OBJECT")
class PlainTextRefusalOfNonMapMetadata(ReferenceApi):
    """Metadata that is not a map is refused with a bare text/plain message."""

    def error(self, exc: ApiError) -> Response:
        if exc.code == "invalid_type" and exc.param == "metadata":
            return Response(exc.message, status_code=exc.status, media_type="text/plain")
        return super().error(exc)


@fuzz_fault("UCC-ERR-VALIDATION-400")
class RefusesObjectValuesWith409(ReferenceApi):
    """A metadata value that is an object is refused with 409 Conflict instead of 400."""

    def check_value(self, key: str, value: Any) -> None:
        if isinstance(value, dict):
            raise ApiError(409, "Nested metadata is not supported.", param=f"metadata.{key}")
        super().check_value(key, value)


# --- authentication --------------------------------------------------------------------------
async def _is_empty_update(request: Request) -> bool:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("metadata") == {}


@fuzz_fault("UCC-AUTH-MISSING-401")
class AnswersEmptyUpdatesBeforeTheKeyCheck(ReferenceApi):
    """An update with an empty map is a no-op answered 200 before the key is looked at, so
    it is answered without a key (a wrong key is still refused)."""

    async def update_endpoint(self, request: Request) -> Response:
        if await _is_empty_update(request) and "authorization" not in request.headers:
            tenant = next(iter(self.keys.values()))
            return self.json(
                self.render_update(self.find(tenant, request.path_params["completion_id"]))
            )
        return await super().update_endpoint(request)


@fuzz_fault("UCC-AUTH-WRONG-401")
class AcceptsAnyKeyForEmptyUpdates(ReferenceApi):
    """An update with an empty map and any bearer key is answered 200 (a missing key is
    still refused)."""

    async def update_endpoint(self, request: Request) -> Response:
        if await _is_empty_update(request) and "authorization" in request.headers:
            tenant = next(iter(self.keys.values()))
            return self.json(
                self.render_update(self.find(tenant, request.path_params["completion_id"]))
            )
        return await super().update_endpoint(request)


# --- sequences -------------------------------------------------------------------------------
@fuzz_fault("UCC-DELETED-REJECTED", options=("--fuzz-stateful",))
class UpdatedCompletionSurvivesDelete(ReferenceApi):
    """DELETE answers 'deleted', but a completion updated since it was last retrieved stays
    (a write-back cache entry that only a read flushes), and can still be updated. The
    handwritten cases always read an update back before deleting; generated sequences do not."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.updated: set[str] = set()

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        record = super().update(tenant, completion_id, body)
        self.updated.add(completion_id)
        return record

    async def retrieve_endpoint(self, request: Request) -> Response:
        self.updated.discard(request.path_params["completion_id"])
        return await super().retrieve_endpoint(request)

    async def delete_endpoint(self, request: Request) -> Response:
        completion_id = request.path_params["completion_id"]
        if completion_id not in self.updated:
            return await super().delete_endpoint(request)
        self.find(self.authenticate(request), completion_id)
        return self.json(
            {"object": "chat.completion.deleted", "id": completion_id, "deleted": True}
        )
