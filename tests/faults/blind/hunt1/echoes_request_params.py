"""Conformant: answers carry the undocumented extra fields of the page's own example (request echo)."""
import hashlib
import secrets

from base import ChatService, build

KIND = "conformant"
RATIONALE = ("Like the page's example answer, objects also carry request_id, seed, top_p, temperature, "
             "presence/frequency_penalty, tool_choice, tools, response_format, input_user, and messages carry "
             "tool_calls/function_call as null; the seed is a 63-bit integer as in the example. Extra fields "
             "are allowed; documented ones are unchanged.")
SOURCE = "The page's example response of POST /v1/chat/completions/{completion_id}"


class EchoService(ChatService):
    def render(self, rec):
        obj = super().render(rec)
        p = rec.get("params", {})
        seed = p.get("seed")
        if not isinstance(seed, int):
            seed = int.from_bytes(hashlib.sha256(rec["id"].encode()).digest()[:8], "big") >> 1
        obj.update({
            "request_id": "req_" + secrets.token_hex(16),
            "tool_choice": p.get("tool_choice"),
            "seed": seed,
            "top_p": float(p.get("top_p", 1.0)),
            "temperature": float(p.get("temperature", 1.0)),
            "presence_penalty": float(p.get("presence_penalty", 0.0)),
            "frequency_penalty": float(p.get("frequency_penalty", 0.0)),
            "input_user": p.get("user"),
            "tools": p.get("tools"),
            "response_format": p.get("response_format"),
        })
        for ch in obj["choices"]:
            ch["message"].setdefault("tool_calls", None)
            ch["message"].setdefault("function_call", None)
        return obj


def create_app(api_keys: dict[str, str]):
    return build(EchoService, api_keys)
