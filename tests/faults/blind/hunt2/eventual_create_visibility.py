"""Eventually consistent creation: a stored completion becomes readable ~2 s after create."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402
from _hunt2_versioned import VersionedStore  # noqa: E402

KIND = "conformant"
RATIONALE = ("Create is acknowledged before the write reaches the queryable store (queue -> "
             "DynamoDB/GSI), so retrieve/update/list/messages answer 404 or omit it for ~2 s; "
             "afterwards everything is consistent. The page promises no read-after-create.")
SOURCE = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html"

CREATE_DELAY = 2.0


class EventualService(Service):
    store_class = VersionedStore

    def store_insert(self, tenant, obj, messages):
        self.store.insert(tenant, obj, messages, ts=self.now() + CREATE_DELAY)

    def load(self, tenant, cid):
        return self.store.at(tenant, cid, self.now())

    def load_messages(self, tenant, cid):
        return self.store.messages_at(tenant, cid, self.now())

    def apply_update(self, tenant, cid, md, body):
        now = self.now()
        if self.store.at(tenant, cid, now) is None:
            return None
        return self.store.write_metadata(tenant, cid, md, ts=now)

    def remove(self, tenant, cid):
        now = self.now()
        if self.store.at(tenant, cid, now) is None:
            return False
        self.store.tombstone(tenant, cid, now)
        return True

    def list_objects(self, tenant):
        return self.store.list_at(tenant, self.now())


def create_app(api_keys):
    return EventualService(api_keys).app()
