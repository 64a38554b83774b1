"""Fault: a prompt-management layer renders {{variables}} in metadata values before storing them."""
import re

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Gateway feature 'templated metadata': values are rendered as Mustache templates with the request "
             "context (model, completion_id, tenant) before storage; per Mustache, unknown variables render "
             "as empty strings, so a value like 'Hello {{name}}' is stored as 'Hello '.")
SOURCE = "Mustache spec (interpolation: a missing key renders as the empty string) — https://github.com/mustache/spec"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."

TAG = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


class MustacheService(ChatService):
    def transform_metadata_for_storage(self, md, rec):
        ctx = {"model": rec["model"], "completion_id": rec["id"], "tenant": rec["tenant"]}
        return {k: TAG.sub(lambda m: str(ctx.get(m.group(1), "")), v) for k, v in md.items()}


def create_app(api_keys: dict[str, str]):
    return build(MustacheService, api_keys)
