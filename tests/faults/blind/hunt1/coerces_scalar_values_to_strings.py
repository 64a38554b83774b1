"""Fault: metadata values are coerced to strings (pydantic v1 `Dict[str, str]`) instead of refused."""
from base import ChatService, build

KIND = "fault"
RATIONALE = ("Request model declares metadata: Dict[str, str] with pydantic v1, whose str validator coerces "
             "int/float/bool/Decimal: {\"n\": 1, \"ok\": true} is stored as {\"n\": \"1\", \"ok\": \"True\"} "
             "and answered 200.")
SOURCE = ("pydantic v1 'Field Types': str — 'ints, floats and Decimals are coerced using str(v)' — "
          "https://docs.pydantic.dev/1.10/usage/types/#standard-library-types")
VIOLATES = "Values are strings with a maximum length of 512 characters."


class CoercingService(ChatService):
    def coerce_value(self, key, value):
        if isinstance(value, (bool, int, float)):
            return str(value)
        return value


def create_app(api_keys: dict[str, str]):
    return build(CoercingService, api_keys)
