"""Conformant: reads are load-balanced over replicas with different lags (up to 1 s), so reads may go back in time briefly."""
import itertools

from base import ChatService, build, not_found
from versioned import VersionedStore, now

KIND = "conformant"
RATIONALE = ("Reads (retrieve, list, messages) rotate over three asynchronous read replicas lagging 0 s, 0.8 s "
             "and 0.3 s behind the primary; writes (create, update, delete) go to the primary. For up to 1 s a "
             "read may miss a new completion, show older metadata after a newer one, or still show a deleted "
             "one; all reads converge.")
SOURCE = ("PostgreSQL/MySQL asynchronous streaming replication behind a round-robin read pool (no "
          "read-your-writes guarantee); Aurora reader endpoints")

LAGS = (0.0, 0.8, 0.3)


class ReplicaService(ChatService):
    store_factory = VersionedStore

    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.rr = itertools.cycle(LAGS)

    def lookup(self, tenant, cid):                     # replica read
        rec = self.store.load_at(cid, now() - next(self.rr))
        if not self.visible(rec, tenant):
            raise not_found(cid)
        return rec

    def lookup_for_update(self, tenant, cid):          # primary
        rec = self.store.load(cid)
        if not self.visible(rec, tenant):
            raise not_found(cid)
        return rec

    async def op_delete(self, tenant, cid):
        self.lookup_for_update(tenant, cid)
        self.store.remove(cid)
        return {"object": "chat.completion.deleted", "id": cid, "deleted": True}

    def list_candidates(self, tenant):
        return [r for r in self.store.scan_at(now() - next(self.rr)) if self.visible(r, tenant)]


def create_app(api_keys: dict[str, str]):
    return build(ReplicaService, api_keys)
