"""Soft delete: the default scope hides deleted rows, but the update path is unscoped."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service, SqliteStore  # noqa: E402

KIND = "fault"
RATIONALE = ("Deletion sets deleted_at (acts_as_paranoid / Django soft-delete manager); GET, "
             "list and messages use the scoped query, but the update runs an unscoped "
             "UPDATE ... WHERE id=?, so a deleted completion can still be modified (200).")
SOURCE = "https://github.com/ActsAsParanoid/acts_as_paranoid"
VIOLATES = "Modify a stored chat completion."


class SoftDeleteStore(SqliteStore):
    SCHEMA = SqliteStore.SCHEMA.replace("messages TEXT NOT NULL,",
                                        "messages TEXT NOT NULL, deleted_at REAL,")

    def get(self, tenant, cid):
        with self.lock:
            row = self.db.execute("SELECT body, metadata FROM completions WHERE tenant=? AND "
                                  "id=? AND deleted_at IS NULL", (tenant, cid)).fetchone()
        return self._row_obj(*row) if row else None

    def get_messages(self, tenant, cid):
        with self.lock:
            row = self.db.execute("SELECT messages FROM completions WHERE tenant=? AND id=? "
                                  "AND deleted_at IS NULL", (tenant, cid)).fetchone()
        import json
        return json.loads(row[0]) if row else None

    def replace_metadata(self, tenant, cid, md):
        import json
        with self.lock:
            cur = self.db.execute("UPDATE completions SET metadata=? WHERE tenant=? AND id=?",
                                  (json.dumps(md), tenant, cid))
            if cur.rowcount == 0:
                return None
            row = self.db.execute("SELECT body, metadata FROM completions WHERE tenant=? AND "
                                  "id=?", (tenant, cid)).fetchone()
            return self._row_obj(*row)

    def delete(self, tenant, cid):
        import time
        with self.lock:
            cur = self.db.execute("UPDATE completions SET deleted_at=? WHERE tenant=? AND id=? "
                                  "AND deleted_at IS NULL", (time.time(), tenant, cid))
            return cur.rowcount > 0

    def list(self, tenant):
        with self.lock:
            rows = self.db.execute("SELECT body, metadata FROM completions WHERE tenant=? AND "
                                   "deleted_at IS NULL ORDER BY created, seq",
                                   (tenant,)).fetchall()
        return [self._row_obj(*r) for r in rows]


class SoftDeleteService(Service):
    store_class = SoftDeleteStore


def create_app(api_keys):
    return SoftDeleteService(api_keys).app()
