"""Fault: the length limits are measured on the JSON-escaped form of each string."""
import json

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Limits are enforced on the serialized JSON token that is written to the metadata column "
             "(json.dumps with ensure_ascii): quotes, backslashes, control characters and every non-ASCII "
             "character count as their escape sequences (\\\", \\n, \\u00e9 = 6), refusing valid strings.")
SOURCE = "Python json.dumps (ensure_ascii=True default) used to size-check column payloads"
VIOLATES = ("Keys are strings with a maximum length of 64 characters. Values are strings with a maximum "
            "length of 512 characters.")


class EscapedLengthService(ChatService):
    def length(self, s):
        return len(json.dumps(s)) - 2


def create_app(api_keys: dict[str, str]):
    return build(EscapedLengthService, api_keys)
