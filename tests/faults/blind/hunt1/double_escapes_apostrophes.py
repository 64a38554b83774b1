"""Fault: values are SQL-escaped by hand ('' for ') and then bound as parameters, so the doubled quote is stored."""
from base import build
from sql_base import SqlService

KIND = "fault"
RATIONALE = ("A helper 'sanitizes' strings with s.replace(\"'\", \"''\") before they are passed to a "
             "parameterized INSERT; since bound parameters are not parsed as SQL, the doubled apostrophe is "
             "stored literally: O'Brien comes back as O''Brien (keys and values).")
SOURCE = "OWASP SQL Injection Prevention Cheat Sheet (escaping vs. parameterization; don't do both)"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class DoubleEscapeService(SqlService):
    def transform_metadata_for_storage(self, md, rec):
        return {k.replace("'", "''"): v.replace("'", "''") for k, v in md.items()}


def create_app(api_keys: dict[str, str]):
    return build(DoubleEscapeService, api_keys)
