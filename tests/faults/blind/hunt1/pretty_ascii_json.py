"""Conformant: answers are pretty-printed, ASCII-only JSON (\\uXXXX escapes, surrogate pairs for astral characters)."""
import json

from base import ChatService, build

KIND = "conformant"
RATIONALE = ("Answers are indented JSON with ensure_ascii escaping: every non-ASCII character is a \\uXXXX escape "
             "(astral ones as escaped surrogate pairs), plus a trailing newline and an explicit charset. The "
             "decoded strings are identical.")
SOURCE = "Python json.dumps(indent=2, ensure_ascii=True); RFC 8259 §7 (escapes)"


class PrettyService(ChatService):
    def encode(self, obj):
        return (json.dumps(obj, indent=2, ensure_ascii=True) + "\n").encode("ascii")

    def make_response(self, obj, status, request, headers=None):
        resp = super().make_response(obj, status, request, headers)
        resp.headers["content-type"] = "application/json; charset=utf-8"
        return resp


def create_app(api_keys: dict[str, str]):
    return build(PrettyService, api_keys)
