"""Fault: the list endpoint reads a search index that is fed only by inserts and deletes."""
import copy

from base import ChatService, build

KIND = "fault"
RATIONALE = ("List and its metadata[...] filters are served from a denormalized search index populated by a "
             "change stream that only forwards insert and delete events, so updated metadata never reaches "
             "the list view (retrieve is fine).")
SOURCE = ("Change-stream/CDC indexing pipelines that subscribe to insert/delete only "
          "(MongoDB change streams 'operationType' filters; Elasticsearch sync connectors)")
VIOLATES = ("This can be useful for storing additional information about the object in a structured format, "
            "and querying for objects via API or the dashboard.")


class IndexedService(ChatService):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.index: dict[str, dict] = {}

    def persist_new(self, rec):
        super().persist_new(rec)
        if rec["stored"]:
            self.index[rec["id"]] = copy.deepcopy(rec)      # 'insert' event

    async def op_delete(self, tenant, cid):
        out = await super().op_delete(tenant, cid)
        self.index.pop(cid, None)                           # 'delete' event
        return out

    def list_candidates(self, tenant):
        return [copy.deepcopy(r) for r in self.index.values() if self.visible(r, tenant)]


def create_app(api_keys: dict[str, str]):
    return build(IndexedService, api_keys)
