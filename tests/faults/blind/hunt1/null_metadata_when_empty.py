"""Conformant: an empty metadata map is rendered as null."""
from base import ChatService, build

KIND = "conformant"
RATIONALE = ("The metadata column is nullable and an empty map is stored/rendered as null; the official schema "
             "declares Metadata as 'object or null', and a non-empty map always round-trips.")
SOURCE = "OpenAI OpenAPI spec: components.schemas.Metadata is anyOf [object, null]"


class NullMetadataService(ChatService):
    def render_metadata(self, md):
        return dict(md) if md else None


def create_app(api_keys: dict[str, str]):
    return build(NullMetadataService, api_keys)
