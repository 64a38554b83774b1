"""List is served by a search index with a 1 s refresh interval; retrieve is real time."""
import math
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402
from _hunt2_versioned import VersionedStore  # noqa: E402

KIND = "conformant"
RATIONALE = ("Retrieve/update/delete use the document store (real-time GET), list and its "
             "metadata filters use an Elasticsearch-style index refreshed every second, so the "
             "list lags retrieve by up to 1 s (near real-time search).")
SOURCE = "https://www.elastic.co/guide/en/elasticsearch/reference/current/near-real-time.html"


class NrtService(Service):
    store_class = VersionedStore

    def store_insert(self, tenant, obj, messages):
        self.store.insert(tenant, obj, messages, ts=self.now())

    def load(self, tenant, cid):
        return self.store.at(tenant, cid, self.now())

    def load_messages(self, tenant, cid):
        return self.store.messages_at(tenant, cid, self.now())

    def apply_update(self, tenant, cid, md, body):
        if self.store.at(tenant, cid, self.now()) is None:
            return None
        return self.store.write_metadata(tenant, cid, md, ts=self.now())

    def remove(self, tenant, cid):
        if self.store.at(tenant, cid, self.now()) is None:
            return False
        self.store.tombstone(tenant, cid, self.now())
        return True

    def list_objects(self, tenant):
        last_refresh = math.floor(self.now())
        return self.store.list_at(tenant, last_refresh)


def create_app(api_keys):
    return NrtService(api_keys).app()
