"""Fault: optimistic locking with a version read from a cache that is never refreshed; lost updates are not detected."""
import json

from base import ChatService, SqliteStore, build, not_found

KIND = "fault"
RATIONALE = ("Updates run `UPDATE ... SET doc=?, version=version+1 WHERE id=? AND version=?` with the version "
             "taken from an in-process cache filled at create time and never refreshed; the affected row count "
             "is not checked, so the first update persists and every later one answers 200 with the new "
             "metadata while the stored completion keeps the first update's.")
SOURCE = ("Optimistic concurrency control without checking the affected row count (cf. JPA @Version / "
          "OptimisticLockException, which exists to surface exactly this)")
VIOLATES = "Modify a stored chat completion."


class VersionedStore(SqliteStore):
    def __init__(self):
        super().__init__()
        self.conn.execute("ALTER TABLE completions ADD COLUMN version INTEGER NOT NULL DEFAULT 0")

    def conditional_save(self, rec: dict, expected_version: int) -> int:
        with self.lock:
            cur = self.conn.execute(
                "UPDATE completions SET doc = ?, version = version + 1 WHERE id = ? AND version = ?",
                (json.dumps(rec), rec["id"], expected_version))
            return cur.rowcount


class OptimisticService(ChatService):
    store_factory = VersionedStore

    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.version_cache: dict[str, int] = {}

    def persist_new(self, rec):
        super().persist_new(rec)
        if rec["stored"]:
            self.version_cache[rec["id"]] = 0

    async def op_update(self, tenant, cid, body):
        md = self.parse_update_body(body)
        rec = self.lookup_for_update(tenant, cid)
        rec["metadata"] = self.apply_metadata(rec, md)
        self.store.conditional_save(rec, self.version_cache.get(cid, 0))   # rowcount ignored
        return self.render(rec)

    async def op_delete(self, tenant, cid):
        out = await super().op_delete(tenant, cid)
        self.version_cache.pop(cid, None)
        return out


def create_app(api_keys: dict[str, str]):
    return build(OptimisticService, api_keys)
