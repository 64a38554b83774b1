"""Fault: key/value limits are counted in UTF-16 code units (JavaScript String.length)."""
from base import ChatService, build

KIND = "fault"
RATIONALE = ("Node.js validation layer (`value.length > 512`) counts UTF-16 code units: every character "
             "outside the BMP (emoji, historic scripts, many CJK extension ideographs) counts twice, so a "
             "64-character key of such characters is refused.")
SOURCE = ("MDN String.length: 'This property returns the number of code units in the string' — "
          "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/String/length")
VIOLATES = ("Keys are strings with a maximum length of 64 characters. Values are strings with a maximum "
            "length of 512 characters.")


class Utf16LengthService(ChatService):
    def length(self, s):
        return len(s.encode("utf-16-le", "surrogatepass")) // 2


def create_app(api_keys: dict[str, str]):
    return build(Utf16LengthService, api_keys)
