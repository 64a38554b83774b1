"""Fault: every completion is persisted (with a store flag); the update lookup forgets the flag."""
from base import ChatService, JsonFileStore, build, not_found

KIND = "fault"
RATIONALE = ("All completions are written to the JSON-file store for abuse monitoring with a `stored` flag; "
             "retrieve/list/delete/messages filter on it, the update handler's lookup does not, so a "
             "store=false completion can be modified (200) by its id.")
SOURCE = "Retention-for-abuse-monitoring designs that persist everything and filter by a flag at read time"
VIOLATES = ("Only chat completions that have been created with the store parameter set to true can be "
            "modified.")


class FlagService(ChatService):
    store_factory = JsonFileStore

    def persist_new(self, rec):
        self.store.insert(rec)                  # stored or not, with rec["stored"] as the flag

    def lookup_for_update(self, tenant, cid):
        rec = self.store.load(cid)
        if rec is None or rec["tenant"] != tenant or rec.get("deleted"):
            raise not_found(cid)
        return rec


def create_app(api_keys: dict[str, str]):
    return build(FlagService, api_keys)
