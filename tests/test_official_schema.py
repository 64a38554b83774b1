"""Never stricter than the official schema on answers, unless the page's own words say so.

A vendor is judged by the derived spec (specs/update-chat-completion.openapi.yaml) and the
cases. Where the official OpenAPI document allows a value in the chat completion object and
we refuse it, we would flag a server for an answer OpenAI's own contract allows. This test
walks the two schemas side by side and lists every place ours is stricter; each must be in
`JUSTIFIED` with the sentence of the page that forbids what the official schema allows, and
every justification must still point at a place ours is stricter. The checks the cases make
beyond any schema are listed, with their sentences, in `CHECKS_BEYOND_THE_SCHEMA`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.requirements import catalogue, load_yaml, openapi_spec
from tests.test_requirements import SEED_PAGE, squeeze

OFFICIAL_SPEC = Path(__file__).resolve().parents[2] / "shared" / "anchors" / "openai-openapi.yaml"
OURS = "#/components/schemas/ChatCompletion"
OFFICIAL = "#/components/schemas/CreateChatCompletionResponse"

# Keywords that can only narrow what a schema accepts.
NARROWING = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "const",
    "not",
)

# Every place our chat completion schema is stricter than the official one, with the
# sentence of the page that forbids what the official schema allows.
JUSTIFIED: dict[str, str] = {
    "choices/items/index: minimum": "The index of the choice in the list of choices.",
    "usage/completion_tokens: minimum": "Number of tokens in the generated completion.",
    "usage/prompt_tokens: minimum": "Number of tokens in the prompt.",
    "usage/total_tokens: minimum": (
        "Total number of tokens used in the request (prompt + completion)."
    ),
    # The official schema also allows a custom tool call ({"type": "custom", "custom": ...}).
    "choices/items/message/tool_calls/items[custom]: refused": (
        "The type of the tool. Currently, only function is supported."
    ),
}

# Checks the cases make that no schema keyword expresses, each stricter than the official
# schema (which says nothing of it) and each resting on a sentence of the page.
CHECKS_BEYOND_THE_SCHEMA: dict[str, str] = {
    "UCC-RESP-SAME-ID": "Returns The ChatCompletion object matching the specified ID.",
    "UCC-SHAPE-USAGE-TOTAL": "Total number of tokens used in the request (prompt + completion).",
    "UCC-SHAPE-TIMESTAMPS-SECONDS": (
        "The Unix timestamp (in seconds) of when the chat completion was created."
    ),
    "UCC-SHAPE-CHOICE-INDEX": "The index of the choice in the list of choices.",
    "UCC-SHAPE-USAGE-BREAKDOWN": (
        "However, like reasoning tokens, these tokens are still counted in the total "
        "completion tokens for purposes of billing, output, and context window limits."
    ),
    "UCC-SHAPE-LOGPROBS-VALUES": (
        "The log probability of this token, if it is within the top 20 most likely tokens."
    ),
    # A SHOULD: the official schema does not require metadata in the answer; the page's
    # example answer to an update carries it.
    "UCC-RESP-ECHO-METADATA": (
        "Currently, the only supported modification is to update the metadata field."
    ),
    "UCC-UPDATE-ONLY-METADATA": (
        "Currently, the only supported modification is to update the metadata field."
    ),
}


@dataclass(frozen=True)
class Node:
    """A schema with its $refs resolved and `anyOf: [X, {type: null}]` folded into X."""

    schema: dict[str, Any]
    nullable: bool

    @property
    def types(self) -> set[str] | None:
        declared = self.schema.get("type")
        if declared is None:
            return None
        found = {declared} if isinstance(declared, str) else set(declared)
        return found | {"null"} if self.nullable else found


def resolve(schema: Any, document: dict[str, Any]) -> Node:
    nullable = False
    while True:
        if not isinstance(schema, dict):
            return Node({}, nullable)
        if "$ref" in schema:
            node: Any = document
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = {**{k: v for k, v in schema.items() if k != "$ref"}, **node}
            continue
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches and len(branches) == 2 and {"type": "null"} in branches:
            other = next(b for b in branches if b != {"type": "null"})
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            nullable = True
            schema = {**rest, **other} if isinstance(other, dict) else other
            continue
        if schema.get("nullable") is True:
            nullable = True
        return Node(schema, nullable)


def stricter(
    ours: Any, official: Any, our_doc: dict[str, Any], official_doc: dict[str, Any], path: str
) -> Iterator[str]:
    """Each place `ours` refuses something `official` accepts, as 'path: what'."""
    mine, theirs = resolve(ours, our_doc), resolve(official, official_doc)
    variants = theirs.schema.get("oneOf") or theirs.schema.get("anyOf")
    if variants:  # ours must accept what every branch accepts
        for branch in variants:
            where = f"{path}[{_kind(branch, official_doc)}]"
            if _kinds(mine) and _kind(branch, official_doc) not in _kinds(mine):
                yield f"{where}: refused"  # ours takes another kind only: nothing to compare
            else:
                yield from stricter(ours, branch, our_doc, official_doc, where)
        return
    if mine.types is not None and (theirs.types is None or not theirs.types <= mine.types):
        allowed = sorted((theirs.types or {"anything"}) - mine.types)
        yield f"{path}: type (official also allows {', '.join(allowed)})"
    if "enum" in mine.schema and (
        "enum" not in theirs.schema or not set(theirs.schema["enum"]) <= set(mine.schema["enum"])
    ):
        yield f"{path}: type enum"
    for keyword in NARROWING:
        if keyword in mine.schema and mine.schema[keyword] != theirs.schema.get(keyword):
            yield f"{path}: {keyword}"
    if set(mine.schema.get("required", [])) - set(theirs.schema.get("required", [])):
        yield f"{path}: required"
    yield from _properties(mine, theirs, our_doc, official_doc, path)
    if "items" in mine.schema:
        yield from stricter(
            mine.schema["items"],
            theirs.schema.get("items", {}),
            our_doc,
            official_doc,
            f"{path}/items",
        )


def _kind(branch: Any, document: dict[str, Any]) -> str:
    """A branch of a oneOf by its discriminating type value ("function", "custom")."""
    schema = resolve(branch, document).schema
    kinds = schema.get("properties", {}).get("type", {}).get("enum") or [schema.get("title", "?")]
    return str(kinds[0])


def _kinds(node: Node) -> list[str]:
    """The type values our schema takes, when it discriminates on a `type` property."""
    enum = node.schema.get("properties", {}).get("type", {}).get("enum")
    return [str(kind) for kind in enum] if enum else []


def _properties(
    mine: Node, theirs: Node, our_doc: dict[str, Any], official_doc: dict[str, Any], path: str
) -> Iterator[str]:
    our_props = mine.schema.get("properties", {})
    their_props = theirs.schema.get("properties", {})
    our_extra = mine.schema.get("additionalProperties", True)
    their_extra = theirs.schema.get("additionalProperties", True)
    for name in sorted(set(our_props) | set(their_props)):
        where = f"{path}/{name}".lstrip("/")
        ours = our_props.get(name, our_extra if our_extra is not True else {})
        official = their_props.get(name, their_extra if their_extra is not True else {})
        if ours is False and official is not False:
            yield f"{where}: not allowed"
        elif isinstance(ours, dict):
            yield from stricter(
                ours, official if isinstance(official, dict) else {}, our_doc, official_doc, where
            )
    if our_extra is False and their_extra is not False:
        yield f"{path}: additionalProperties"
    elif isinstance(our_extra, dict) and their_extra is True:
        yield from stricter(our_extra, {}, our_doc, official_doc, f"{path}/(other properties)")


@pytest.fixture(scope="module")
def official_document() -> dict[str, Any]:
    if not OFFICIAL_SPEC.exists():
        pytest.skip(
            f"the official spec is not at {OFFICIAL_SPEC} (CI puts shared/ beside the clone)"
        )
    document: dict[str, Any] = load_yaml(OFFICIAL_SPEC)
    return document


def test_our_chat_completion_is_stricter_only_where_the_page_says_so(
    official_document: dict[str, Any],
) -> None:
    """Every stricter point is listed with its sentence; every listed one is still stricter."""
    found = set(stricter({"$ref": OURS}, {"$ref": OFFICIAL}, openapi_spec(), official_document, ""))
    assert found == set(JUSTIFIED), (
        f"stricter than the official schema and not justified: {sorted(found - set(JUSTIFIED))}; "
        f"justified but no longer stricter: {sorted(set(JUSTIFIED) - found)}"
    )


@pytest.mark.parametrize("quote", sorted({*JUSTIFIED.values(), *CHECKS_BEYOND_THE_SCHEMA.values()}))
def test_each_justification_is_a_sentence_of_the_page(quote: str) -> None:
    if not SEED_PAGE.exists():
        pytest.skip(f"the seed page is not at {SEED_PAGE} (CI puts shared/ beside the clone)")
    assert squeeze(quote) in squeeze(SEED_PAGE.read_text(encoding="utf-8"))


def test_checks_beyond_the_schema_name_live_requirements() -> None:
    assert set(CHECKS_BEYOND_THE_SCHEMA) <= set(catalogue())


def test_the_comparison_finds_a_stricter_type_and_a_missing_null() -> None:
    """The walker itself must be able to fail, or its empty list proves nothing."""
    official = {
        "type": "object",
        "properties": {
            "a": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "b": {"type": "integer"},
        },
    }
    ours = {
        "type": "object",
        "required": ["b"],
        "properties": {"a": {"type": "string"}, "b": {"type": "integer", "minimum": 0}},
        "additionalProperties": False,
    }
    assert set(stricter(ours, official, {}, {}, "")) == {
        "a: type (official also allows null)",
        "b: minimum",
        ": required",
        ": additionalProperties",
    }
