"""Servers modelled on the fault model (tests/faults/README.md): each behaves as a real store,
serializer or gateway is documented to, and names the mechanisms it stands for.

Where one real system shows several mechanisms at once (a legacy MySQL table merges keys
that differ in case, accent or trailing spaces, and loses 4-byte characters), one server
stands for all of them. Storage layers change what a later retrieve shows while the answer
to the update echoes the request, as a handler that answers from the request does; layers
in front of the handler (parsers, serializers, gateways) change both.

The fault matrix (tests/test_fault_matrix.py) runs the suite against each and checks that
exactly the named requirements fail and that the failure names each mechanism. The
conformant variations hold what the official schema allows and our checks once refused, and
the refusals the page leaves open; the fault matrix runs them, the fuzz tests do not (each
fuzz run costs several seconds, and none of these touches what the fuzz cases generate
beyond the schema, which tests/test_official_schema.py keeps as lenient as the official one).
"""

from __future__ import annotations

import html
import re
import unicodedata
import uuid
from typing import Any

from conformance.reference.app import ApiError, ReferenceApi
from conformance.reference.store import Record
from tests.faults.catalogue import Variant, registrar

MODEL_FAULTS: list[Variant] = []
MODEL_CONFORMANT: list[Variant] = []
model_fault = registrar(MODEL_FAULTS)
model_conformant = registrar(MODEL_CONFORMANT)

ROUND_TRIP = ("UCC-META-ROUNDTRIP-RESPONSE", "UCC-META-ROUNDTRIP-RETRIEVE")
RETRIEVE = "UCC-META-ROUNDTRIP-RETRIEVE"


class StoresChanged(ReferenceApi):
    """The answer to an update echoes the sent map; the store keeps `stored_form` of it."""

    def stored_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return metadata

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        record = super().update(tenant, completion_id, body)
        self.store.set_metadata(tenant, completion_id, self.stored_form(dict(record.metadata)))
        return record


class SendsChanged(ReferenceApi):
    """Every answer carries `sent_form` of the stored metadata (a serializer or gateway)."""

    def sent_form(self, metadata: dict[str, str]) -> Any:
        return metadata

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        return {**rendered, "metadata": self.sent_form(rendered["metadata"])}


class TakesChanged(ReferenceApi):
    """The request parser hands the handler `taken_form` of the sent metadata."""

    def taken_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return metadata

    def validate_metadata(self, metadata: Any) -> dict[str, str]:
        return self.taken_form(super().validate_metadata(metadata))  # type: ignore[return-value]


# --- keys ------------------------------------------------------------------------------------
@model_fault(*ROUND_TRIP, mechanisms=("M1", "M6"))
class HeaderStyleMetadata(TakesChanged):
    """Metadata carried as HTTP headers by a Node.js gateway: names lowercased, values
    trimmed of surrounding whitespace (node's http module does both)."""

    def taken_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return {key.lower(): value.strip(" \t") for key, value in metadata.items()}


def _unicode_ci(key: str) -> str:
    """The comparison key of utf8mb3_unicode_ci on a CHAR column: case, accents and
    compatibility forms ignored, trailing spaces padded away."""
    decomposed = unicodedata.normalize("NFKD", key.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).rstrip(" ")


def _utf8mb3(text: str) -> str:
    """A 4-byte character in a utf8mb3 column, non-strict mode: '?' per byte."""
    return "".join("????" if ord(ch) > 0xFFFF else ch for ch in text)


@model_fault(
    RETRIEVE,
    "UCC-LIMIT-AT-MAXIMA",
    "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    mechanisms=("M2", "M3", "M11"),
)
class LegacyMysqlEav(StoresChanged):
    """Pairs stored in a MySQL 5 table (k CHAR(64) PRIMARY KEY, v VARCHAR(512)), CHARACTER
    SET utf8, COLLATE utf8_unicode_ci, non-strict mode, written with ON DUPLICATE KEY
    UPDATE: keys lose trailing spaces, keys equal under the collation collapse into the first
    one's row (holding the last value), 4-byte characters become '????'."""

    def stored_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        rows: dict[str, tuple[str, str]] = {}
        for key, value in metadata.items():
            column = _utf8mb3(key).rstrip(" ")
            spelled = rows.get(_unicode_ci(column), (column, ""))[0]
            rows[_unicode_ci(column)] = (spelled, _utf8mb3(value))
        return dict(rows.values())


def _underscoreize(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), key)


@model_fault(*ROUND_TRIP, mechanisms=("M4",))
class SnakeCasesKeys(TakesChanged):
    """djangorestframework-camel-case's CamelCaseJSONParser on the way in, without its
    renderer on the way out: camelCase metadata keys come back snake_cased."""

    def taken_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return {_underscoreize(key): value for key, value in metadata.items()}


# A dotted key nested is a pair a metadata filter no longer finds.
@model_fault(*ROUND_TRIP, "UCC-LIST-METADATA-FILTER", mechanisms=("M5",))
class DottedKeysAsPaths(TakesChanged):
    """Each pair written with MongoDB's $set on "metadata.<key>": a dotted key becomes a path
    into nested documents."""

    def taken_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for key, value in metadata.items():
            *parents, leaf = key.split(".")
            node = document
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = value
        return document


# --- whitespace and lengths --------------------------------------------------------------------
@model_fault(RETRIEVE, mechanisms=("M7",))
class XmlLineEndings(StoresChanged):
    """Values kept in an XML document: the parser normalizes CR LF and lone CR to LF."""

    def stored_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return {k: v.replace("\r\n", "\n").replace("\r", "\n") for k, v in metadata.items()}


@model_fault(
    RETRIEVE,
    "UCC-LIMIT-VALUE-512",
    "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    "UCC-LIMIT-AT-MAXIMA",
    mechanisms=("M9",),
)
class ReadsFromIgnoreAboveIndex(StoresChanged):
    """Metadata read back from Elasticsearch keyword fields with ignore_above: 256: longer
    values were never indexed, so they are missing."""

    def stored_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return {k: v for k, v in metadata.items() if len(v) <= 256}


# --- characters --------------------------------------------------------------------------------
@model_fault(RETRIEVE, "UCC-LIMIT-CHARACTERS-NOT-BYTES", "UCC-LIMIT-AT-MAXIMA", mechanisms=("M12",))
class Latin1ReadConnection(StoresChanged):
    """Stored through a UTF-8 connection, read back through one set to latin1: each UTF-8
    byte comes back as a Latin-1 character."""

    def stored_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        def latin1(text: str) -> str:
            return text.encode("utf-8", "surrogatepass").decode("latin-1")

        return {latin1(k): latin1(v) for k, v in metadata.items()}


@model_fault(
    *ROUND_TRIP,
    "UCC-LIMIT-AT-MAXIMA",
    "UCC-LIMIT-CHARACTERS-NOT-BYTES",
    mechanisms=("M13",),
)
class NormalizesNfkc(TakesChanged):
    """Every string normalized to NFKC on the way in, as identifier normalizers do."""

    def taken_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        def nfkc(text: str) -> str:
            return unicodedata.normalize("NFKC", text)

        return {nfkc(k): nfkc(v) for k, v in metadata.items()}


@model_fault(RETRIEVE, mechanisms=("M14",))
class CStringStore(StoresChanged):
    """Values kept as C strings: everything from the first NUL on is lost."""

    def stored_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return {k: v.split("\x00", 1)[0] for k, v in metadata.items()}


@model_fault(*ROUND_TRIP, mechanisms=("M15",))
class GoJsonDecoder(TakesChanged):
    """A Go gateway decodes the body with encoding/json: lone surrogates become U+FFFD."""

    def taken_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        def decoded(text: str) -> str:
            return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)

        return {decoded(k): decoded(v) for k, v in metadata.items()}


# --- escaping ----------------------------------------------------------------------------------
@model_fault(RETRIEVE, "UCC-LIMIT-CHARACTERS-NOT-BYTES", mechanisms=("M16",))
class PastesIntoMysqlLiterals(StoresChanged):
    """Values pasted between quotes of an INSERT statement with only quotes doubled: MySQL
    interprets the backslash escapes (\\t, \\n ...) and drops any other backslash."""

    def stored_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        escapes = {"0": "\x00", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}

        def literal(text: str) -> str:
            return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), text)

        return {k: literal(v) for k, v in metadata.items()}


@model_fault(*ROUND_TRIP, "UCC-LIMIT-CHARACTERS-NOT-BYTES", mechanisms=("M17",))
class EscapesHtmlOnInput(TakesChanged):
    """An input sanitizer (express-validator's escape()) HTML-escapes every value."""

    def taken_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return {k: html.escape(v).replace("/", "&#x2F;") for k, v in metadata.items()}


# --- types -------------------------------------------------------------------------------------
def _js_number(text: str) -> float | int | None:
    """PHP's is_numeric strings, as the JavaScript number a gateway turns them into."""
    if not re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", text):
        return None
    number = float(text)
    return int(number) if number.is_integer() else number


@model_fault(*ROUND_TRIP, mechanisms=("M18", "M19"))
class NumericStringsAsNumbers(SendsChanged):
    """Answers encoded with PHP's JSON_NUMERIC_CHECK by a layer that holds numbers as
    doubles: numeric strings become JSON numbers, integers beyond 2^53 rounded."""

    def sent_form(self, metadata: dict[str, str]) -> Any:
        numbers = {k: _js_number(v) for k, v in metadata.items()}
        return {k: v if numbers[k] is None else numbers[k] for k, v in metadata.items()}


@model_fault(RETRIEVE, mechanisms=("M20",))
class EmptyStringIsNull(StoresChanged):
    """Stored in Oracle, where a zero-length VARCHAR2 is NULL: empty values come back null."""

    def stored_form(self, metadata: dict[str, str]) -> dict[str, Any]:
        return {k: None if v == "" else v for k, v in metadata.items()}


@model_fault("UCC-META-EMPTY-ACCEPTED", mechanisms=("M21",))
class EmptyMapAsList(SendsChanged):
    """A PHP handler decodes bodies with json_decode($body, true) and answers with
    json_encode: an empty map has become an empty array, and goes out as []."""

    def sent_form(self, metadata: dict[str, str]) -> Any:
        return metadata or []


# --- the chat completion object ----------------------------------------------------------------
@model_fault("UCC-SHAPE-TIMESTAMPS-SECONDS", mechanisms=("M22",))
class CreatedInMilliseconds(ReferenceApi):
    """created is Date.now(): milliseconds since the epoch."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        return {**rendered, "created": rendered["created"] * 1000 + 417}


@model_fault("UCC-SHAPE-CHOICE-INDEX", mechanisms=("M25",))
class ChoiceIndexFromOne(ReferenceApi):
    """Choices are numbered from 1."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        choices = [{**c, "index": n + 1} for n, c in enumerate(rendered["choices"])]
        return {**rendered, "choices": choices}


@model_fault("UCC-SHAPE-USAGE-TOTAL", "UCC-SHAPE-USAGE-BREAKDOWN", mechanisms=("M26",))
class ReasoningOutsideCompletionTokens(ReferenceApi):
    """A gateway maps a provider's thought tokens to reasoning_tokens and adds them to the
    total, but leaves completion_tokens as the visible output alone."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        usage = dict(rendered["usage"])
        thoughts = usage["completion_tokens"] + 60
        usage["total_tokens"] += thoughts
        usage["completion_tokens_details"] = {
            **usage["completion_tokens_details"],
            "reasoning_tokens": thoughts,
        }
        return {**rendered, "usage": usage}


@model_fault("UCC-RESP-SAME-ID", "UCC-UPDATE-ONLY-METADATA", mechanisms=("M28",))
class GatewayMintsIds(ReferenceApi):
    """A gateway in front of the update answers with an id of its own making."""

    def render_update(self, record: Record) -> dict[str, Any]:
        return {**super().render_update(record), "id": f"chatcmpl-{uuid.uuid4()}"}


@model_fault("UCC-RESP-SDK-PARSE", mechanisms=("M29",))
class ServiceTierOfAnotherProvider(ReferenceApi):
    """service_tier passed through from a provider with tiers of its own ('on_demand')."""

    def render(self, record: Record) -> dict[str, Any]:
        return {**super().render(record), "service_tier": "on_demand"}


@model_fault("UCC-SHAPE-LOGPROBS-VALUES", mechanisms=("M31",))
class LogprobsAsProbabilities(ReferenceApi):
    """Choices carry logprobs whose values are probabilities between 0 and 1."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        entry = {"token": "Echo", "logprob": 0.93, "bytes": list(b"Echo")}
        logprobs = {"content": [{**entry, "top_logprobs": [entry]}], "refusal": None}
        choices = [{**c, "logprobs": logprobs} for c in rendered["choices"]]
        return {**rendered, "choices": choices}


# --- conformant variations ---------------------------------------------------------------------
@model_conformant(mechanisms=("M14", "M15"))
class PostgresJsonbMetadata(ReferenceApi):
    """Metadata kept in a PostgreSQL jsonb column, which refuses \\u0000 and lone surrogates:
    such values are refused with 400, as the page allows."""

    def check_value(self, key: str, value: Any) -> None:
        super().check_value(key, value)
        if any(ch == "\x00" or 0xD800 <= ord(ch) <= 0xDFFF for ch in key + value):
            raise ApiError(400, "Unsupported Unicode escape sequence.", param="metadata")


@model_conformant()
class NoChoices(ReferenceApi):
    """choices is an empty array, which the official schema allows."""

    def render(self, record: Record) -> dict[str, Any]:
        return {**super().render(record), "choices": []}


@model_conformant()
class NoUsage(ReferenceApi):
    """The object carries no usage, which the official schema does not require."""

    def render(self, record: Record) -> dict[str, Any]:
        return {k: v for k, v in super().render(record).items() if k != "usage"}


@model_conformant()
class UsageDetailsOfAnotherShape(ReferenceApi):
    """prompt_tokens_details carries a provider's cache breakdown as an object, which the
    official schema allows (its details are open objects)."""

    def render(self, record: Record) -> dict[str, Any]:
        rendered = super().render(record)
        details = {
            **rendered["usage"]["prompt_tokens_details"],
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "cache_key": "ck_0b7e",
        }
        usage = {**rendered["usage"], "prompt_tokens_details": details}
        return {**rendered, "usage": usage}
