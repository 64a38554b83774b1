"""List metadata filters are evaluated with json_extract(metadata, '$.' || key)."""
import sqlite3
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service, SqliteStore  # noqa: E402

KIND = "fault"
RATIONALE = ("The list filter is 'json_extract(metadata, \"$.\" || :key) = :value' in "
             "SQLite: a key with '.' or '[' is read as a JSON path and a key with '\"' is a "
             "path error, so metadata[app.version]=1 finds nothing although a completion has "
             "that exact pair (and may match a nested-looking one instead).")
SOURCE = "https://www.sqlite.org/json1.html#path_arguments"
VIOLATES = ("This can be useful for storing additional information about the object in a "
            "structured format, and querying for objects via API or the dashboard.")


class JsonPathService(Service):
    store_class = SqliteStore

    def filter_objects(self, tenant, objs, model, filters):
        ids = None
        db = self.store.db
        with self.store.lock:
            for k, v in filters.items():
                try:
                    rows = db.execute("SELECT id FROM completions WHERE tenant=? AND "
                                      "json_extract(metadata, '$.' || ?) = ?",
                                      (tenant, k, v)).fetchall()
                except sqlite3.Error:
                    rows = []
                found = {r[0] for r in rows}
                ids = found if ids is None else ids & found
        return [o for o in objs if (model is None or o.get("model") == model)
                and (ids is None or o["id"] in ids)]


def create_app(api_keys):
    return JsonPathService(api_keys).app()
