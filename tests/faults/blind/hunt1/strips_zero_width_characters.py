"""Fault: an input sanitizer removes invisible characters (ZWSP, ZWNJ, ZWJ, WJ, BOM) from keys and values."""
import re

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Anti-spoofing sanitizer strips 'invisible' code points U+200B..U+200D, U+2060, U+FEFF, U+180E "
             "from all stored strings; emoji ZWJ sequences split apart, Persian/Indic text written with ZWNJ "
             "changes, and keys differing only by those characters collide.")
SOURCE = ("Invisible-character stripping used against homoglyph/Trojan-Source style tricks (cf. Unicode TR36 "
          "'Unicode Security Considerations')")
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."

INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u180e]")


class InvisibleStripService(ChatService):
    def transform_metadata_for_storage(self, md, rec):
        return {INVISIBLE.sub("", k): INVISIBLE.sub("", v) for k, v in md.items()}


def create_app(api_keys: dict[str, str]):
    return build(InvisibleStripService, api_keys)
