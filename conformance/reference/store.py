"""SQLite storage of the reference server: stored chat completions and their request messages.

The store is deliberately boring: one table, the completion object kept as JSON beside the
columns the list endpoint filters on. All calls come from the server's single event loop,
so one connection is enough; a lock still guards it for callers on other threads (tests).

It can also lag like an eventually consistent vendor (`create_delay`, `update_delay`): a new
completion stays invisible to every read for `create_delay` seconds, and an update's metadata
stays pending for `update_delay` seconds, during which reads still see the previous map.
Writes land in the table at once when the delays are 0 (the default); otherwise what is not
visible yet is kept in memory beside it, so a restart makes everything visible.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
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

    def __init__(
        self,
        path: str = ":memory:",
        *,
        create_delay: float = 0.0,
        update_delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`create_delay` and `update_delay` are seconds before a new completion, and an
        update's metadata, become visible to reads (retrieve, list, messages, and the lookup an
        update or delete starts with). Plain attributes: a variation may set them after."""
        self.create_delay = create_delay
        self.update_delay = update_delay
        self._clock = clock
        # (tenant, id) -> when a new completion becomes visible
        self._hidden_until: dict[tuple[str, str], float] = {}
        # (tenant, id) -> the updates not visible yet: (when, metadata), oldest first
        self._pending: dict[tuple[str, str], list[tuple[float, dict[str, str]]]] = {}
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
            if self.create_delay > 0:
                visible_at = self._clock() + self.create_delay
                self._hidden_until[(record.tenant, record.id)] = visible_at
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
        """The completion as reads see it now: None while it is not visible yet."""
        with self._lock:
            self._settle()
            if (tenant, completion_id) in self._hidden_until:
                return None
            row = self._db.execute(
                "SELECT seq, id, tenant, model, created, metadata, body, messages"
                " FROM completions WHERE tenant = ? AND id = ?",
                (tenant, completion_id),
            ).fetchone()
        return _record(row) if row else None

    def set_metadata(self, tenant: str, completion_id: str, metadata: Mapping[str, str]) -> bool:
        """Store `metadata` as the completion's whole map; False when there is no such one.

        With an update delay the map is pending until then; reads see the previous one."""
        with self._lock:
            if self.update_delay > 0:
                exists = self._db.execute(
                    "SELECT 1 FROM completions WHERE tenant = ? AND id = ?", (tenant, completion_id)
                ).fetchone()
                if exists:
                    due = self._clock() + self.update_delay
                    self._pending.setdefault((tenant, completion_id), []).append(
                        (due, dict(metadata))
                    )
                return exists is not None
            cursor = self._db.execute(
                "UPDATE completions SET metadata = ? WHERE tenant = ? AND id = ?",
                (json.dumps(dict(metadata)), tenant, completion_id),
            )
        return cursor.rowcount == 1

    def delete(self, tenant: str, completion_id: str) -> bool:
        with self._lock:
            self._hidden_until.pop((tenant, completion_id), None)
            self._pending.pop((tenant, completion_id), None)
            cursor = self._db.execute(
                "DELETE FROM completions WHERE tenant = ? AND id = ?", (tenant, completion_id)
            )
        return cursor.rowcount == 1

    def list(self, tenant: str, *, order: str = "asc") -> list[Record]:
        """All of a tenant's completions in creation order (or reversed); callers filter."""
        direction = "DESC" if order == "desc" else "ASC"
        with self._lock:
            self._settle()
            rows = self._db.execute(
                "SELECT seq, id, tenant, model, created, metadata, body, messages"
                f" FROM completions WHERE tenant = ? ORDER BY seq {direction}",
                (tenant,),
            ).fetchall()
            hidden = set(self._hidden_until)
        return [_record(row) for row in rows if (tenant, row[1]) not in hidden]

    def _settle(self) -> None:
        """Make visible what has waited long enough: due creations, then due updates in order.

        Called with the lock held, at the start of every read."""
        if not (self._hidden_until or self._pending):
            return
        now = self._clock()
        for key, visible_at in list(self._hidden_until.items()):
            if visible_at <= now:
                del self._hidden_until[key]
        for (tenant, completion_id), updates in list(self._pending.items()):
            due = [
                metadata for when, metadata in itertools.takewhile(lambda u: u[0] <= now, updates)
            ]
            if not due:
                continue
            self._db.execute(
                "UPDATE completions SET metadata = ? WHERE tenant = ? AND id = ?",
                (json.dumps(due[-1]), tenant, completion_id),
            )
            rest = updates[len(due) :]
            if rest:
                self._pending[(tenant, completion_id)] = rest
            else:
                del self._pending[(tenant, completion_id)]


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
