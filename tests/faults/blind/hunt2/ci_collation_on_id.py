"""The completion id column has a case-insensitive collation."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service, SqliteStore  # noqa: E402

KIND = "fault"
RATIONALE = ("ids stored in a column with a case-insensitive collation (MySQL "
             "utf8mb4_general_ci default, SQLite NOCASE): 'chatcmpl-AbC...' and "
             "'chatcmpl-abc...' are the same row, so an id with its case changed is updated, "
             "retrieved and deleted instead of being 404.")
SOURCE = "https://dev.mysql.com/doc/refman/8.0/en/case-sensitivity.html"
VIOLATES = "The ID of the chat completion to update."


class NocaseStore(SqliteStore):
    SCHEMA = SqliteStore.SCHEMA.replace("id TEXT NOT NULL,", "id TEXT NOT NULL COLLATE NOCASE,")


class NocaseService(Service):
    store_class = NocaseStore


def create_app(api_keys):
    return NocaseService(api_keys).app()
