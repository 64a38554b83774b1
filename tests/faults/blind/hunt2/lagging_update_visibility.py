"""Updates are acknowledged with the new object but reach the read path ~1 s later."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402
from _hunt2_versioned import VersionedStore  # noqa: E402

KIND = "conformant"
RATIONALE = ("CQRS: the update command answers the updated object computed on the write side; "
             "the read model (retrieve, list) is projected from the event stream ~1 s later. "
             "Reads converge; the update answer is always right.")
SOURCE = "https://learn.microsoft.com/en-us/azure/architecture/patterns/cqrs"

UPDATE_LAG = 1.0


class CqrsService(Service):
    store_class = VersionedStore

    def store_insert(self, tenant, obj, messages):
        self.store.insert(tenant, obj, messages, ts=self.now())

    def load(self, tenant, cid):
        return self.store.at(tenant, cid, self.now())

    def load_messages(self, tenant, cid):
        return self.store.messages_at(tenant, cid, self.now())

    def apply_update(self, tenant, cid, md, body):
        if self.store.latest(tenant, cid) is None:
            return None
        return self.store.write_metadata(tenant, cid, md, ts=self.now() + UPDATE_LAG)

    def remove(self, tenant, cid):
        if self.store.latest(tenant, cid) is None:
            return False
        self.store.tombstone(tenant, cid, self.now())
        return True

    def list_objects(self, tenant):
        return self.store.list_at(tenant, self.now())


def create_app(api_keys):
    return CqrsService(api_keys).app()
