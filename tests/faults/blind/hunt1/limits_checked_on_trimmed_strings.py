"""Fault: lengths are validated on a trimmed copy, the untrimmed string is stored."""
from base import ChatService, build

KIND = "fault"
RATIONALE = ("The validation DTO applies a trim transform before the MaxLength checks, but the persistence "
             "layer stores the raw request strings: a 64-character key plus trailing spaces, or a value of "
             "512 characters padded with whitespace, is accepted and stored over the limit.")
SOURCE = ("class-transformer @Transform(trim) + class-validator @MaxLength on a DTO copy, entity built from the "
          "raw body (NestJS-style)")
VIOLATES = ("Keys are strings with a maximum length of 64 characters. Values are strings with a maximum "
            "length of 512 characters.")


class TrimmedLengthService(ChatService):
    def length(self, s):
        return len(s.strip())


def create_app(api_keys: dict[str, str]):
    return build(TrimmedLengthService, api_keys)
