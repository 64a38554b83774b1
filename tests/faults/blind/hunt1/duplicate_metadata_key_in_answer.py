"""Fault: the answer splices the echoed create-request parameters after the object, duplicating `metadata`."""
import json

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Like the page's example, answers echo the request parameters (temperature, seed, tools, ...); "
             "they are spliced into the JSON text after the canonical fields without de-duplication, and the "
             "create request's `metadata` is among them: the object carries `metadata` twice, and last-wins "
             "parsers (Python, JavaScript, Go) read the create-time metadata instead of the updated one.")
SOURCE = "RFC 8259 §4: 'The names within an object SHOULD be unique' (behaviour with duplicates is unpredictable)"
VIOLATES = "Returns The ChatCompletion object matching the specified ID."

ECHO = ("temperature", "top_p", "seed", "tools", "tool_choice", "response_format", "user", "metadata")


class EchoDict(dict):
    echo: dict = {}


def dump(o) -> str:
    if isinstance(o, dict):
        items = list(o.items()) + (list(o.echo.items()) if isinstance(o, EchoDict) else [])
        return "{" + ",".join(json.dumps(k) + ":" + dump(v) for k, v in items) + "}"
    if isinstance(o, list):
        return "[" + ",".join(dump(v) for v in o) + "]"
    return json.dumps(o)


class EchoService(ChatService):
    def build_record(self, tenant, body):
        rec = super().build_record(tenant, body)
        rec["echo"] = {k: body[k] for k in ECHO if k in body}
        return rec

    def render(self, rec):
        obj = EchoDict(super().render(rec))
        obj.echo = rec.get("echo", {})
        return obj

    def encode(self, obj):
        return dump(obj).encode("ascii")


def create_app(api_keys: dict[str, str]):
    return build(EchoService, api_keys)
