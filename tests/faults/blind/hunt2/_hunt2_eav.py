"""sqlite3 entity-attribute-value store: one row per metadata pair."""
from __future__ import annotations

import contextlib
import json
import sqlite3
import threading

from _hunt2_core import ApiError


def has_lone_surrogate(s):
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def refuse_unencodable(md, param="metadata"):
    """sqlite3 binds text as UTF-8: a lone surrogate cannot be stored, so it is refused."""
    for k, v in md.items():
        if has_lone_surrogate(k) or (isinstance(v, str) and has_lone_surrogate(v)):
            raise ApiError(400, f"Invalid '{param}': strings must be valid Unicode (lone "
                           "surrogate).", param=param, code="invalid_value")


class EavStore:
    SCHEMA = """
    CREATE TABLE completions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL, id TEXT NOT NULL, created INTEGER NOT NULL,
        body TEXT NOT NULL, messages TEXT NOT NULL,
        UNIQUE (tenant, id));
    CREATE TABLE metadata (
        tenant TEXT NOT NULL, cid TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL,
        pos INTEGER NOT NULL,
        PRIMARY KEY (tenant, cid, k));
    """

    def __init__(self):
        self.db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.lock = threading.RLock()
        self.db.executescript(self.SCHEMA)
        self.pos = 0

    def _next_pos(self):
        self.pos += 1
        return self.pos

    def _metadata(self, tenant, cid):
        rows = self.db.execute("SELECT k, v FROM metadata WHERE tenant=? AND cid=? ORDER BY pos",
                               (tenant, cid)).fetchall()
        return {k: v for k, v in rows}

    def _obj(self, tenant, cid, body):
        obj = json.loads(body)
        obj["metadata"] = self._metadata(tenant, cid)
        return obj

    def insert(self, tenant, obj, messages):
        body = {k: v for k, v in obj.items() if k != "metadata"}
        with self.lock:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO completions (tenant, id, created, body, messages) "
                            "VALUES (?, ?, ?, ?, ?)",
                            (tenant, obj["id"], obj["created"], json.dumps(body),
                             json.dumps(messages)))
            for k, v in (obj.get("metadata") or {}).items():
                self.db.execute("INSERT INTO metadata VALUES (?, ?, ?, ?, ?)",
                                (tenant, obj["id"], k, v, self._next_pos()))
            self.db.execute("COMMIT")

    def exists(self, tenant, cid):
        return self.db.execute("SELECT 1 FROM completions WHERE tenant=? AND id=?",
                               (tenant, cid)).fetchone() is not None

    def get(self, tenant, cid):
        with self.lock:
            row = self.db.execute("SELECT body FROM completions WHERE tenant=? AND id=?",
                                  (tenant, cid)).fetchone()
            return self._obj(tenant, cid, row[0]) if row else None

    def get_messages(self, tenant, cid):
        with self.lock:
            row = self.db.execute("SELECT messages FROM completions WHERE tenant=? AND id=?",
                                  (tenant, cid)).fetchone()
        return json.loads(row[0]) if row else None

    def replace_metadata(self, tenant, cid, md):
        with self.lock:
            if not self.exists(tenant, cid):
                return None
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM metadata WHERE tenant=? AND cid=?", (tenant, cid))
            for k, v in md.items():
                self.db.execute("INSERT INTO metadata VALUES (?, ?, ?, ?, ?)",
                                (tenant, cid, k, v, self._next_pos()))
            self.db.execute("COMMIT")
            return self.get(tenant, cid)

    def merge_metadata(self, tenant, cid, md, cap=None):
        """UPSERT each pair; with `cap`, refuse (ApiError) a result above `cap` pairs."""
        with self.lock:
            if not self.exists(tenant, cid):
                return None
            self.db.execute("BEGIN")
            try:
                for k, v in md.items():
                    self.db.execute(
                        "INSERT INTO metadata VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT (tenant, cid, k) DO UPDATE SET v = excluded.v",
                        (tenant, cid, k, v, self._next_pos()))
                n = self.db.execute("SELECT count(*) FROM metadata WHERE tenant=? AND cid=?",
                                    (tenant, cid)).fetchone()[0]
                if cap is not None and n > cap:
                    raise ApiError(400, f"Invalid 'metadata': the completion would have {n} "
                                   f"metadata pairs after this update; at most {cap} are "
                                   "allowed. Metadata updates are merged into the stored map.",
                                   param="metadata", code="object_above_max_properties")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            return self.get(tenant, cid)

    def delete(self, tenant, cid):
        with self.lock:
            self.db.execute("BEGIN")
            cur = self.db.execute("DELETE FROM completions WHERE tenant=? AND id=?", (tenant, cid))
            self.db.execute("DELETE FROM metadata WHERE tenant=? AND cid=?", (tenant, cid))
            self.db.execute("COMMIT")
            return cur.rowcount > 0

    def list(self, tenant):
        with self.lock:
            rows = self.db.execute("SELECT id, body FROM completions WHERE tenant=? "
                                   "ORDER BY created, seq", (tenant,)).fetchall()
            return [self._obj(tenant, cid, body) for cid, body in rows]

    def close(self):
        with contextlib.suppress(Exception):
            self.db.close()
