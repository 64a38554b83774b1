"""Metadata is a Cassandra text cell written USING TIMESTAMP with second precision."""
import copy
import json
import time
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import MemoryStore, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Writes carry a client-side timestamp built from time() in whole seconds "
             "(x 1e6) instead of microseconds; Cassandra resolves equal timestamps by keeping "
             "the lexically greater cell value, so of two writes in the same second (create + "
             "update, or two updates) the 'larger' JSON wins, not the last - the update answers "
             "200 with the new map but reads show the old one.")
SOURCE = "https://docs.datastax.com/en/datastax-drivers/developing/query-timestamps.html (same timestamp: the lexically larger value has priority)"
VIOLATES = "Modify a stored chat completion."


def cell(md):
    return json.dumps(md, ensure_ascii=False, separators=(",", ":")).encode("utf-8",
                                                                          "surrogatepass")


class CassandraTable(MemoryStore):
    def __init__(self):
        super().__init__()
        self.cells = {}

    @staticmethod
    def write_ts():
        return int(time.time()) * 1_000_000          # bug: seconds, not microseconds

    def _write(self, key, md):
        ts, new = self.write_ts(), cell(md)
        old = self.cells.get(key)
        if old is None or ts > old[0] or (ts == old[0] and new > old[1]):
            self.cells[key] = (ts, new)

    def _read(self, key, obj):
        if obj is not None and key in self.cells:
            obj["metadata"] = json.loads(self.cells[key][1].decode("utf-8", "surrogatepass"))
        return obj

    def insert(self, tenant, obj, messages):
        super().insert(tenant, obj, messages)
        self._write((tenant, obj["id"]), obj.get("metadata") or {})

    def get(self, tenant, cid):
        return self._read((tenant, cid), super().get(tenant, cid))

    def replace_metadata(self, tenant, cid, md):
        obj = super().get(tenant, cid)
        if obj is None:
            return None
        self._write((tenant, cid), md)
        obj["metadata"] = copy.deepcopy(md)          # the coordinator acked: echo the request
        return obj

    def delete(self, tenant, cid):
        self.cells.pop((tenant, cid), None)
        return super().delete(tenant, cid)

    def list(self, tenant):
        return [self._read((tenant, o["id"]), o) for o in super().list(tenant)]


class CassandraService(Service):
    store_class = CassandraTable


def create_app(api_keys):
    return CassandraService(api_keys).app()
