"""Fault: metadata is backed by cloud resource tags and inherits their character restrictions."""
import unicodedata

from base import ChatService, bad_request, build

KIND = "fault"
RATIONALE = ("Metadata is persisted as AWS resource tags, so the validator enforces the tag character set "
             "(letters, digits, spaces and + - = . _ : / @): keys or values with other characters such as "
             "'%', '$', '#', quotes, ';', brackets, emoji or newlines are refused with 400.")
SOURCE = ("AWS Tagging Best Practices / Tag Editor: 'allowed characters ... letters, numbers, and spaces "
          "representable in UTF-8, and the following characters: + - = . _ : / @' — "
          "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html")
VIOLATES = ("Keys are strings with a maximum length of 64 characters. Values are strings with a maximum "
            "length of 512 characters.")

EXTRA = set("+-=._:/@")


def allowed(s: str) -> bool:
    for ch in s:
        cat = unicodedata.category(ch)
        if cat[0] in "LN" or cat == "Zs" or ch in EXTRA:
            continue
        return False
    return True


class TagCharsetService(ChatService):
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        for k, v in out.items():
            if not allowed(k) or not allowed(v):
                raise bad_request(f"Invalid '{param}': tag keys and values may only contain letters, numbers, "
                                  "spaces and + - = . _ : / @", param=param, code="invalid_value")
        return out


def create_app(api_keys: dict[str, str]):
    return build(TagCharsetService, api_keys)
