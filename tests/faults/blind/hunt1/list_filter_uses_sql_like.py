"""Fault: the list endpoint's metadata filter compares values with SQL LIKE."""
from base import build
from sql_base import SqlService

KIND = "fault"
RATIONALE = ("metadata[key]=value filters are compiled to `m.v LIKE ?` ('to allow flexible search'): in SQLite "
             "LIKE is case-insensitive for ASCII and '%'/'_' in the filter value are wildcards, so a filter "
             "returns completions whose value is not the one asked for.")
SOURCE = "SQLite LIKE operator — https://www.sqlite.org/lang_expr.html#the_like_glob_regexp_match_and_extract_operators"
VIOLATES = ("This can be useful for storing additional information about the object in a structured format, "
            "and querying for objects via API or the dashboard.")


class LikeFilterService(SqlService):
    def metadata_clause(self):
        return "EXISTS (SELECT 1 FROM metadata m WHERE m.completion_id = c.id AND m.k = ? AND m.v LIKE ?)"


def create_app(api_keys: dict[str, str]):
    return build(LikeFilterService, api_keys)
