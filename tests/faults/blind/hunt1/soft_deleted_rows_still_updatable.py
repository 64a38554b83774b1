"""Fault: delete is a soft delete, and the update's WHERE clause does not exclude deleted rows."""
import time

from base import build
from sql_base import SqlService

KIND = "fault"
RATIONALE = ("Delete sets completions.deleted_at (soft delete); reads filter `deleted_at IS NULL` but the "
             "update's query was written before soft delete existed, so a deleted completion can still be "
             "updated (200, full object) although retrieve answers 404.")
SOURCE = ("Soft-delete scopes applied per query (e.g. Laravel SoftDeletes / Rails paranoia): hand-written "
          "queries bypass the scope")
VIOLATES = "Modify a stored chat completion."


class SoftDeleteService(SqlService):
    def update_where(self):
        return "id = ? AND tenant = ? AND stored = 1"

    async def op_delete(self, tenant, cid):
        self.lookup(tenant, cid)
        with self.db_lock:
            self.db.execute("UPDATE completions SET deleted_at = ? WHERE id = ?", (int(time.time()), cid))
        return {"object": "chat.completion.deleted", "id": cid, "deleted": True}


def create_app(api_keys: dict[str, str]):
    return build(SoftDeleteService, api_keys)
