"""Shared helper: an in-memory store that keeps timestamped versions, to model replication lag.

Not a server by itself (no KIND).  `load_at(cid, t)` / `scan_at(t)` answer the state as of
time t (a lagging replica or index); `load` / `scan` answer the primary's latest state.
"""
from __future__ import annotations

import copy
import time

KEEP = 10.0     # seconds of history kept beyond the newest version older than the horizon


def now() -> float:
    return time.monotonic()


class VersionedStore:
    def __init__(self):
        self.hist: dict[str, list[tuple[float, dict | None]]] = {}

    def _append(self, cid: str, rec: dict | None) -> None:
        h = self.hist.setdefault(cid, [])
        h.append((now(), copy.deepcopy(rec)))
        horizon = now() - KEEP
        while len(h) > 1 and h[1][0] <= horizon:
            h.pop(0)

    def insert(self, rec: dict) -> None:
        self._append(rec["id"], rec)

    def save(self, rec: dict) -> None:
        self._append(rec["id"], rec)

    def remove(self, cid: str) -> None:
        if cid in self.hist:
            self._append(cid, None)

    def load(self, cid: str) -> dict | None:
        h = self.hist.get(cid)
        return copy.deepcopy(h[-1][1]) if h else None

    def scan(self) -> list[dict]:
        return [copy.deepcopy(h[-1][1]) for h in self.hist.values() if h[-1][1] is not None]

    def load_at(self, cid: str, t: float) -> dict | None:
        best = None
        for ts, rec in self.hist.get(cid, []):
            if ts <= t:
                best = rec
        return copy.deepcopy(best)

    def scan_at(self, t: float) -> list[dict]:
        out = []
        for cid in self.hist:
            rec = self.load_at(cid, t)
            if rec is not None:
                out.append(rec)
        return out

    def first(self, cid: str) -> dict | None:
        h = self.hist.get(cid)
        return copy.deepcopy(h[0][1]) if h else None
