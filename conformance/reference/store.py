"""SQLite storage of the reference server: stored chat completions and their request messages.

The store is deliberately boring: one table, the completion object kept as JSON beside the
columns the list endpoint filters on. All calls come from the server's single event loop,
so one connection is enough; a lock still guards it for callers on other threads (tests).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL,
    model TEXT NOT NULL,
    created INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    body TEXT NOT NULL,
    messages TEXT NOT NULL
)
"""


@dataclass
class Record:
    """A stored completion: the object without metadata, its metadata, its request messages."""

    id: str
    tenant: str
    model: str
    created: int
    metadata: dict[str, str]
    body: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0


class Store:
    """Stored chat completions, partitioned by tenant (one tenant per API key)."""

    def __init__(self, path: str = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute(
            "PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA foreign_keys=ON"
        )
        self._db.execute(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def insert(self, record: Record) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO completions (id, tenant, model, created, metadata, body, messages)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.tenant,
                    record.model,
                    record.created,
                    json.dumps(record.metadata),
                    json.dumps(record.body),
                    json.dumps(record.messages),
                ),
            )

    def get(self, tenant: str, completion_id: str) -> Record | None:
        with self._lock:
            row = self._db.execute(
                "SELECT seq, id, tenant, model, created, metadata, body, messages"
                " FROM completions WHERE tenant = ? AND id = ?",
                (tenant, completion_id),
            ).fetchone()
        return _record(row) if row else None

    def set_metadata(self, tenant: str, completion_id: str, metadata: Mapping[str, str]) -> bool:
        """Store `metadata` as the completion's whole map; False when there is no such one."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE completions SET metadata = ? WHERE tenant = ? AND id = ?",
                (json.dumps(dict(metadata)), tenant, completion_id),
            )
        return cursor.rowcount == 1

    def delete(self, tenant: str, completion_id: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM completions WHERE tenant = ? AND id = ?", (tenant, completion_id)
            )
        return cursor.rowcount == 1

    def list(self, tenant: str, *, order: str = "asc") -> list[Record]:
        """All of a tenant's completions in creation order (or reversed); callers filter."""
        direction = "DESC" if order == "desc" else "ASC"
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, id, tenant, model, created, metadata, body, messages"
                f" FROM completions WHERE tenant = ? ORDER BY seq {direction}",
                (tenant,),
            ).fetchall()
        return [_record(row) for row in rows]


def _record(row: tuple[Any, ...]) -> Record:
    seq, cid, tenant, model, created, metadata, body, messages = row
    return Record(
        id=cid,
        tenant=tenant,
        model=model,
        created=created,
        metadata=json.loads(metadata),
        body=json.loads(body),
        messages=json.loads(messages),
        seq=seq,
    )
