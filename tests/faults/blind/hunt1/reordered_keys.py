"""Conformant: JSON object members are emitted in sorted order (including metadata keys)."""
import json

from base import ChatService, build

KIND = "conformant"
RATIONALE = ("Answers are serialized with sorted keys (as a canonical-JSON or jsonb-backed store does): "
             "top-level fields and metadata keys come back in another order than sent. JSON objects are "
             "unordered, and the metadata is a map.")
SOURCE = "PostgreSQL jsonb does not preserve key order; RFC 8259 §4 (objects are unordered collections)"


class SortedService(ChatService):
    def encode(self, obj):
        try:
            return json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(obj, sort_keys=True).encode("ascii")


def create_app(api_keys: dict[str, str]):
    return build(SortedService, api_keys)
