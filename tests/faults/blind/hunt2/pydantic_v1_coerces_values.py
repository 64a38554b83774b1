"""Metadata declared Dict[str, str] in pydantic v1, which coerces numbers to strings."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("pydantic v1 str fields accept int/float/bool/Decimal and store str(v): "
             "{'n': 5, 'ok': true} is accepted (200) and stored as {'n': '5', 'ok': 'True'} "
             "instead of being refused as non-string values.")
SOURCE = "https://docs.pydantic.dev/1.10/usage/types/#standard-library-types (str: 'ints, floats and Decimals are coerced using str(v)')"
VIOLATES = "Values are strings with a maximum length of 512 characters."


class PydanticV1Service(Service):
    def check_value_type(self, key, value, param):
        if isinstance(value, (int, float)) and not isinstance(value, str):
            return str(value)
        return super().check_value_type(key, value, param)


def create_app(api_keys):
    return PydanticV1Service(api_keys).app()
