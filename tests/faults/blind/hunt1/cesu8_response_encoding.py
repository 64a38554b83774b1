"""Fault: responses are encoded in CESU-8 (Oracle 'UTF8' / Java modified UTF-8) but labelled UTF-8."""
import json

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Answers are serialized with ensure_ascii off and encoded by a CESU-8 codec (characters outside "
             "the BMP written as two 3-byte surrogate sequences) while Content-Type says UTF-8; any answer "
             "holding an emoji or other astral character is invalid UTF-8 for the client.")
SOURCE = ("Oracle character set 'UTF8' is CESU-8 (Oracle Globalization Support Guide); Unicode TR26 "
          "'Compatibility Encoding Scheme for UTF-16: 8-Bit (CESU-8)'")
VIOLATES = "Returns The ChatCompletion object matching the specified ID."


def to_cesu8(text: str) -> bytes:
    out = []
    for ch in text:
        cp = ord(ch)
        if cp >= 0x10000:
            cp -= 0x10000
            out.append(chr(0xD800 + (cp >> 10)))
            out.append(chr(0xDC00 + (cp & 0x3FF)))
        else:
            out.append(ch)
    return "".join(out).encode("utf-8", "surrogatepass")


class Cesu8Service(ChatService):
    def encode(self, obj):
        return to_cesu8(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))


def create_app(api_keys: dict[str, str]):
    return build(Cesu8Service, api_keys)
