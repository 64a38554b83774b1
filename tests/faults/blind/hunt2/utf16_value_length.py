"""A Java/JavaScript validator counts String.length(): UTF-16 code units."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Jakarta @Size(max=512) / Joi string().max(512) count UTF-16 code units: a value "
             "of 512 characters containing emoji or other astral characters (2 units each) is "
             "refused with 400.")
SOURCE = "https://docs.oracle.com/javase/8/docs/api/java/lang/String.html#length--"
VIOLATES = "Values are strings with a maximum length of 512 characters."


class Utf16Service(Service):
    def value_length(self, value):
        return len(value.encode("utf-16-le", "surrogatepass")) // 2


def create_app(api_keys):
    return Utf16Service(api_keys).app()
