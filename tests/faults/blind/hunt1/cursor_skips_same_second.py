"""Fault: keyset pagination uses only `created` (seconds) as the cursor, skipping same-second completions."""
from base import build
from sql_base import SqlService

KIND = "fault"
RATIONALE = ("The `after` cursor is translated to `c.created > :created_of_after` (desc: `<`) with no tie "
             "breaker; completions created in the same second as the cursor row are skipped when paging, so "
             "some stored completions can never be reached by listing.")
SOURCE = "Keyset pagination on a non-unique column (use-the-index-luke.com 'Paging Through Results')"
VIOLATES = ("This can be useful for storing additional information about the object in a structured format, "
            "and querying for objects via API or the dashboard.")


class SecondCursorService(SqlService):
    def cursor_clause(self, order, after_row):
        return ("c.created > ?" if order == "asc" else "c.created < ?"), [after_row[0]]


def create_app(api_keys: dict[str, str]):
    return build(SecondCursorService, api_keys)
