"""Fault: an audit gateway adds its own pair to the metadata of every update before forwarding it."""
import json
import re

from base import ChatService, build
from gateway import Gateway, loads

KIND = "fault"
RATIONALE = ("Compliance proxy stamps every modification with metadata 'modified_by' = <key id> before "
             "forwarding: the stored map gains a pair the client never sent, and an update with 16 pairs "
             "is refused by the backend as having 17.")
SOURCE = "Audit/tracing proxies that inject identifiers into request metadata (Helicone/Langfuse-style tagging)"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."

ITEM = re.compile(r"^/v1/chat/completions/[^/]+$")


class AuditGateway(Gateway):
    async def handle(self, request, method, path, path_qs, headers, body):
        obj = loads(body) if body else None
        if method == "POST" and ITEM.match(path) and isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
            key = headers.get("authorization", "").partition(" ")[2]
            obj["metadata"].setdefault("modified_by", "key_" + key[-4:])
            body = json.dumps(obj).encode()
        resp = await self.forward(method, path_qs, headers, body)
        return resp.status_code, dict(resp.headers), resp.content


def create_app(api_keys: dict[str, str]):
    return AuditGateway(build(ChatService, api_keys)).asgi()
