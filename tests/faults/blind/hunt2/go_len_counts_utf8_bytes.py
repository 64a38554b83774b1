"""A Go validator checks len(key), which counts UTF-8 bytes, not characters."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Go 'if len(k) > 64' measures bytes: a 64-character key of non-ASCII characters "
             "(e.g. 64 x 'é' = 128 bytes, or 20 CJK characters + 45 ASCII) is refused with "
             "400; utf8.RuneCountInString was meant.")
SOURCE = "https://go.dev/ref/spec#Length_and_capacity (len of a string is its number of bytes)"
VIOLATES = "Keys are strings with a maximum length of 64 characters."


class GoBytesService(Service):
    def key_length(self, key):
        return len(key.encode("utf-8", "surrogatepass"))


def create_app(api_keys):
    return GoBytesService(api_keys).app()
