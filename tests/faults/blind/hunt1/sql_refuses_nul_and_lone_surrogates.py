"""Conformant: relational store that refuses NUL characters and unpaired surrogates with a 400."""
from base import bad_request, build
from sql_base import SqlService

KIND = "conformant"
RATIONALE = ("sqlite3/EAV implementation modelled on PostgreSQL text columns: keys or values containing U+0000 "
             "or an unpaired surrogate are refused with 400 (valid JSON, but not valid text for the store); "
             "every other string within the limits round-trips exactly.")
SOURCE = ("PostgreSQL: 'The jsonb type also rejects \\u0000' and text cannot hold NUL — "
          "https://www.postgresql.org/docs/15/datatype-json.html")


class StrictTextService(SqlService):
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        for k, v in out.items():
            if "\x00" in k or "\x00" in v:
                raise bad_request(f"Invalid '{param}': strings may not contain the null character (U+0000).",
                                  param=param, code="invalid_value")
        return out


def create_app(api_keys: dict[str, str]):
    return build(StrictTextService, api_keys)
