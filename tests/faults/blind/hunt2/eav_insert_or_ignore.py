"""EAV metadata table updated with INSERT OR IGNORE: changed values are not written."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402
from _hunt2_eav import EavStore, refuse_unencodable  # noqa: E402

KIND = "fault"
RATIONALE = ("One row per pair; the update deletes keys no longer present and then does "
             "INSERT OR IGNORE for each sent pair (meant to avoid duplicate-key errors), so new "
             "keys are added and removed keys go, but a new value for an existing key is "
             "silently ignored (200, old value kept).")
SOURCE = "https://www.sqlite.org/lang_conflict.html (IGNORE: the row that contains the constraint violation is not inserted)"
VIOLATES = "Modify a stored chat completion."


class IgnoreStore(EavStore):
    def replace_metadata(self, tenant, cid, md):
        with self.lock:
            if not self.exists(tenant, cid):
                return None
            self.db.execute("BEGIN")
            keys = list(md)
            marks = ",".join("?" * len(keys))
            if keys:
                self.db.execute(f"DELETE FROM metadata WHERE tenant=? AND cid=? AND k NOT IN "
                                f"({marks})", (tenant, cid, *keys))
            else:
                self.db.execute("DELETE FROM metadata WHERE tenant=? AND cid=?", (tenant, cid))
            for k, v in md.items():
                self.db.execute("INSERT OR IGNORE INTO metadata VALUES (?, ?, ?, ?, ?)",
                                (tenant, cid, k, v, self._next_pos()))
            self.db.execute("COMMIT")
            return self.get(tenant, cid)


class IgnoreService(Service):
    store_class = IgnoreStore

    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        refuse_unencodable(out, param)
        return out


def create_app(api_keys):
    return IgnoreService(api_keys).app()
