"""The list endpoint reads a search index written on create and delete, never on update."""
import copy
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("List/filter are served from a search index fed by 'completion.created' and "
             "'completion.deleted' events; no event is emitted for metadata updates, so list "
             "shows and filters on the metadata the completion was created with, forever.")
SOURCE = "Event-fed secondary index (e.g. DynamoDB Streams -> OpenSearch) missing MODIFY events"
VIOLATES = ("This can be useful for storing additional information about the object in a "
            "structured format, and querying for objects via API or the dashboard.")


class IndexedService(Service):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.index = {}
        self.n = 0

    def store_insert(self, tenant, obj, messages):
        super().store_insert(tenant, obj, messages)
        self.n += 1
        self.index[(tenant, obj["id"])] = (self.n, copy.deepcopy(obj))

    def remove(self, tenant, cid):
        ok = super().remove(tenant, cid)
        if ok:
            self.index.pop((tenant, cid), None)
        return ok

    def list_objects(self, tenant):
        docs = [v for (t, _), v in self.index.items() if t == tenant]
        docs.sort(key=lambda d: (d[1]["created"], d[0]))
        return [copy.deepcopy(d[1]) for d in docs]


def create_app(api_keys):
    return IndexedService(api_keys).app()
