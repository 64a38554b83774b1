"""A multi-version store: every write is a version with the time it becomes visible.

Used to model replication lag, eventually consistent indexes and read replicas: a read
"at time t" sees, for each completion, the newest version whose timestamp is <= t.
A deletion is a version holding None (a tombstone)."""
from __future__ import annotations

import copy
import threading


class VersionedStore:
    def __init__(self):
        self.hist = {}        # (tenant, id) -> list of [ts, obj|None]  (sorted by ts)
        self.messages = {}    # (tenant, id) -> list of messages
        self.seq = {}         # (tenant, id) -> insertion number
        self.counter = 0
        self.lock = threading.Lock()

    def _add(self, key, ts, obj):
        versions = self.hist.setdefault(key, [])
        versions.append([ts, copy.deepcopy(obj)])
        versions.sort(key=lambda v: v[0])

    def insert(self, tenant, obj, messages, ts):
        with self.lock:
            key = (tenant, obj["id"])
            self.counter += 1
            self.seq[key] = self.counter
            self.messages[key] = copy.deepcopy(messages)
            self._add(key, ts, obj)

    def latest(self, tenant, cid):
        versions = self.hist.get((tenant, cid))
        return copy.deepcopy(versions[-1][1]) if versions else None

    def at(self, tenant, cid, t):
        versions = self.hist.get((tenant, cid)) or []
        found = None
        for ts, obj in versions:
            if ts <= t:
                found = obj
        return copy.deepcopy(found)

    def messages_at(self, tenant, cid, t):
        if self.at(tenant, cid, t) is None:
            return None
        return copy.deepcopy(self.messages.get((tenant, cid)))

    def write_metadata(self, tenant, cid, md, ts, base=None):
        """Writes a new version derived from `base` (default: the newest version)."""
        with self.lock:
            cur = base if base is not None else self.latest(tenant, cid)
            if cur is None:
                return None
            cur = copy.deepcopy(cur)
            cur["metadata"] = copy.deepcopy(md)
            self._add((tenant, cid), ts, cur)
            return cur

    def tombstone(self, tenant, cid, ts):
        with self.lock:
            versions = self.hist.get((tenant, cid))
            if not versions:
                return
            # versions not yet visible are superseded by the deletion
            versions[:] = [v for v in versions if v[0] <= ts]
            versions.append([ts, None])

    def list_at(self, tenant, t):
        out = []
        for (tn, cid), _ in list(self.hist.items()):
            if tn != tenant:
                continue
            obj = self.at(tn, cid, t)
            if obj is not None:
                out.append((obj["created"], self.seq[(tn, cid)], obj))
        out.sort(key=lambda x: (x[0], x[1]))
        return [o for _, _, o in out]
