"""Shared relational implementation (sqlite3): completions table + metadata EAV table.

Not a server by itself (no KIND).  Metadata pairs are rows of `metadata(completion_id, k, v)`;
the list endpoint is answered by SQL (keyset pagination over (created, seq)).  sqlite3 cannot
bind strings holding unpaired surrogates, so those are refused with a 400 (the reference page
leaves their handling open; refusing them is what PostgreSQL does too).
"""
from __future__ import annotations

import json
import sqlite3
import threading

from starlette.requests import Request

from base import (APIError, ChatService, bad_request, list_object, metadata_filters, not_found,
                  parse_limit, parse_order)

SCHEMA = """
CREATE TABLE completions (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  seq INTEGER NOT NULL,
  created INTEGER NOT NULL,
  model TEXT NOT NULL,
  stored INTEGER NOT NULL,
  deleted_at INTEGER,
  doc TEXT NOT NULL
);
CREATE TABLE metadata (
  completion_id TEXT NOT NULL,
  k TEXT NOT NULL,
  v TEXT NOT NULL,
  pos INTEGER NOT NULL,
  PRIMARY KEY (completion_id, k)
);
CREATE INDEX completions_tenant ON completions(tenant, created, seq);
"""

DOC_FIELDS = ("choices", "usage", "service_tier", "system_fingerprint", "messages", "params")


def has_lone_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


class SqlService(ChatService):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.db_lock = threading.RLock()
        self.db.executescript(SCHEMA)

    # ---- validation: sqlite cannot hold unpaired surrogates --------------------------
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        for k, v in out.items():
            for s in (k, v):
                if isinstance(s, str) and has_lone_surrogate(s):
                    raise bad_request(f"Invalid '{param}': strings must be valid Unicode "
                                      "(unpaired surrogate code point).", param=param, code="invalid_value")
        return out

    # ---- row <-> record --------------------------------------------------------------
    def q(self, sql: str, params=()):
        with self.db_lock:
            return self.db.execute(sql, params).fetchall()

    def read_metadata(self, cid: str) -> dict:
        rows = self.q("SELECT k, v FROM metadata WHERE completion_id = ? ORDER BY pos", (cid,))
        return {k: v for k, v in rows}

    def to_record(self, row) -> dict:
        cid, tenant, seq, created, model, stored, deleted_at, doc = row
        rec = json.loads(doc)
        rec.update(id=cid, tenant=tenant, seq=seq, created=created, model=model,
                   stored=bool(stored), deleted=deleted_at is not None)
        rec["metadata"] = self.read_metadata(cid)
        return rec

    def doc_of(self, rec: dict) -> str:
        return json.dumps({k: rec[k] for k in DOC_FIELDS})

    def write_metadata(self, cid: str, md: dict) -> None:
        with self.db_lock:
            self.db.execute("BEGIN")
            try:
                self.db.execute("DELETE FROM metadata WHERE completion_id = ?", (cid,))
                self.db.executemany("INSERT INTO metadata (completion_id, k, v, pos) VALUES (?,?,?,?)",
                                    [(cid, k, v, i) for i, (k, v) in enumerate(md.items())])
                self.db.execute("COMMIT")
            except Exception:
                self.db.execute("ROLLBACK")
                raise

    # ---- store-level operations ----------------------------------------------------------
    def persist_new(self, rec: dict) -> None:
        if not rec["stored"]:
            return
        with self.db_lock:
            self.db.execute("INSERT INTO completions VALUES (?,?,?,?,?,?,?,?)",
                            (rec["id"], rec["tenant"], rec["seq"], rec["created"], rec["model"], 1, None,
                             self.doc_of(rec)))
            self.write_metadata(rec["id"], rec["metadata"])

    def visible_where(self) -> str:
        return "id = ? AND tenant = ? AND stored = 1 AND deleted_at IS NULL"

    def update_where(self) -> str:
        return self.visible_where()

    def lookup(self, tenant: str, cid: str) -> dict:
        rows = self.q(f"SELECT * FROM completions WHERE {self.visible_where()}", (cid, tenant))
        if not rows:
            raise not_found(cid)
        return self.to_record(rows[0])

    def lookup_for_update(self, tenant: str, cid: str) -> dict:
        rows = self.q(f"SELECT * FROM completions WHERE {self.update_where()}", (cid, tenant))
        if not rows:
            raise not_found(cid)
        return self.to_record(rows[0])

    async def op_update(self, tenant: str, cid: str, body: dict) -> dict:
        md = self.parse_update_body(body)
        rec = self.lookup_for_update(tenant, cid)
        new_md = self.apply_metadata(rec, md)
        self.check_stored_metadata(new_md)
        new_md = self.transform_metadata_for_storage(new_md, rec)
        self.write_metadata(cid, new_md)
        rec["metadata"] = self.read_metadata(cid)
        return self.render(rec)

    async def op_delete(self, tenant: str, cid: str) -> dict:
        self.lookup(tenant, cid)
        with self.db_lock:
            self.db.execute("DELETE FROM metadata WHERE completion_id = ?", (cid,))
            self.db.execute("DELETE FROM completions WHERE id = ?", (cid,))
        return {"object": "chat.completion.deleted", "id": cid, "deleted": True}

    # ---- list by SQL -------------------------------------------------------------------------
    def metadata_clause(self) -> str:
        return "EXISTS (SELECT 1 FROM metadata m WHERE m.completion_id = c.id AND m.k = ? AND m.v = ?)"

    def cursor_clause(self, order: str, after_row) -> tuple[str, list]:
        op = ">" if order == "asc" else "<"
        return f"(c.created, c.seq) {op} (?, ?)", [after_row[0], after_row[1]]

    def build_list_query(self, tenant: str, model, filters: dict, after_row, order: str, limit: int):
        where, params = ["c.tenant = ?", "c.stored = 1", "c.deleted_at IS NULL"], [tenant]
        if model is not None:
            where.append("c.model = ?")
            params.append(model)
        for k, v in filters.items():
            where.append(self.metadata_clause())
            params += [k, v]
        if after_row is not None:
            clause, p = self.cursor_clause(order, after_row)
            where.append(clause)
            params += p
        direction = "ASC" if order == "asc" else "DESC"
        sql = (f"SELECT c.* FROM completions c WHERE {' AND '.join(where)} "
               f"ORDER BY c.created {direction}, c.seq {direction} LIMIT ?")
        return sql, params + [limit + 1]

    def after_row(self, tenant: str, after):
        if not after:
            return None
        rows = self.q("SELECT created, seq FROM completions WHERE id = ? AND tenant = ?", (after, tenant))
        if not rows:
            raise bad_request(f"Invalid 'after': no chat completion found with id '{after}'.", param="after",
                              code="invalid_value")
        return rows[0]

    async def op_list(self, tenant: str, request: Request) -> dict:
        q = request.query_params
        limit = parse_limit(q.get("limit"))
        order = parse_order(q.get("order"))
        filters = metadata_filters(q.multi_items())
        for k, v in filters.items():
            if has_lone_surrogate(k) or has_lone_surrogate(v):
                return list_object([], False)
        sql, params = self.build_list_query(tenant, q.get("model"), filters,
                                            self.after_row(tenant, q.get("after")), order, limit)
        rows = self.q(sql, params)
        page = [self.render(self.to_record(r)) for r in rows[:limit]]
        return list_object(page, len(rows) > limit)
