"""A vendor keeping each completion as a sqlite3 row (body JSON + metadata JSON column)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service, SqliteStore  # noqa: E402

KIND = "conformant"
RATIONALE = ("sqlite3 row per completion with a separate metadata JSON column; unknown fields "
             "in the update body are ignored (not refused) and `metadata: null` clears the map, "
             "as the schema's Metadata type allows null.")
SOURCE = "https://www.sqlite.org/json1.html"


class SqliteService(Service):
    store_class = SqliteStore
    reject_unknown_update_fields = False


def create_app(api_keys):
    return SqliteService(api_keys).app()
