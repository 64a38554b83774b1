"""Fault: key/value limits are counted in UTF-8 bytes (Go's len(string))."""
from base import ChatService, build

KIND = "fault"
RATIONALE = ("Validator ported to Go checks len(key) <= 64 and len(value) <= 512; Go's len of a string is its "
             "byte count, so keys/values within the limits but made of non-ASCII characters are refused (400).")
SOURCE = "The Go Programming Language Specification — 'The length of a string s is the number of bytes' (len)"
VIOLATES = ("Keys are strings with a maximum length of 64 characters. Values are strings with a maximum "
            "length of 512 characters.")


class ByteLengthService(ChatService):
    def length(self, s):
        return len(s.encode("utf-8", "surrogatepass"))


def create_app(api_keys: dict[str, str]):
    return build(ByteLengthService, api_keys)
