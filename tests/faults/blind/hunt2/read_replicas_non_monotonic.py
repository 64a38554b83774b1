"""Reads are load-balanced over asynchronous replicas with different lags."""
import itertools
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402
from _hunt2_versioned import VersionedStore  # noqa: E402

KIND = "conformant"
RATIONALE = ("Writes go to the primary; each read goes round-robin to one of three async "
             "replicas lagging 0 / 1.2 / 0.4 s (PostgreSQL streaming replicas behind a "
             "pgpool-style balancer), so consecutive reads may go back in time (non-monotonic) "
             "but all converge within 1.2 s.")
SOURCE = "https://www.postgresql.org/docs/current/warm-standby.html#STREAMING-REPLICATION"

LAGS = (0.0, 1.2, 0.4)


class ReplicaService(Service):
    store_class = VersionedStore

    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.rr = itertools.cycle(LAGS)

    def read_time(self):
        return self.now() - next(self.rr)

    def store_insert(self, tenant, obj, messages):
        self.store.insert(tenant, obj, messages, ts=self.now())

    def load(self, tenant, cid):
        return self.store.at(tenant, cid, self.read_time())

    def load_messages(self, tenant, cid):
        return self.store.messages_at(tenant, cid, self.read_time())

    def apply_update(self, tenant, cid, md, body):
        if self.store.latest(tenant, cid) is None:
            return None
        return self.store.write_metadata(tenant, cid, md, ts=self.now())

    def remove(self, tenant, cid):
        if self.store.latest(tenant, cid) is None:
            return False
        self.store.tombstone(tenant, cid, self.now())
        return True

    def list_objects(self, tenant):
        return self.store.list_at(tenant, self.read_time())


def create_app(api_keys):
    return ReplicaService(api_keys).app()
