"""Answers carry the extra, undocumented fields of the page's own example response."""
import hashlib
import secrets
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "conformant"
RATIONALE = ("Stores and echoes the request parameters like the page's example (request_id, "
             "seed as a 64-bit integer, top_p, temperature, penalties, tools, tool_choice, "
             "response_format, input_user; message tool_calls/function_call null) plus "
             "x-request-id headers; documented fields are unchanged.")
SOURCE = "https://platform.openai.com/docs/api-reference/chat/update (example response)"


class VerboseService(Service):
    def build_completion(self, req, tenant):
        obj, msgs = super().build_completion(req, tenant)
        raw = req["raw"]
        seed = raw.get("seed")
        if not isinstance(seed, int):
            seed = int.from_bytes(hashlib.sha256(obj["id"].encode()).digest()[:8], "big") >> 1
        extra = {
            "request_id": "req_" + secrets.token_hex(16),
            "tool_choice": raw.get("tool_choice"),
            "seed": seed,
            "top_p": float(raw.get("top_p", 1.0)) if isinstance(raw.get("top_p", 1.0), (int, float)) else 1.0,
            "temperature": float(raw.get("temperature", 1.0)) if isinstance(raw.get("temperature", 1.0), (int, float)) else 1.0,
            "presence_penalty": 0.0,
            "frequency_penalty": 0.0,
            "input_user": raw.get("user"),
            "tools": raw.get("tools"),
            "response_format": raw.get("response_format"),
        }
        obj.update(extra)
        for ch in obj["choices"]:
            ch["message"].setdefault("tool_calls", None)
            ch["message"].setdefault("function_call", None)
        return obj, msgs

    def respond(self, payload, status=200, headers=None):
        headers = dict(headers or {})
        headers.setdefault("x-request-id", "req_" + secrets.token_hex(16))
        headers.setdefault("openai-processing-ms", "12")
        headers.setdefault("openai-version", "2020-10-01")
        return super().respond(payload, status, headers)


def create_app(api_keys):
    return VerboseService(api_keys).app()
