"""Conformant: the update answers the new object at once; retrieve/list/messages show it ~1 s later."""
from base import ChatService, build, not_found
from versioned import VersionedStore, now

KIND = "conformant"
RATIONALE = ("Updates are written to the primary and answered from it; reads are served by a cache layer that "
             "picks up changed versions after ~1 s. New completions and deletes are propagated synchronously; "
             "only metadata changes lag, and they converge.")
SOURCE = "Write-behind / asynchronously refreshed read caches (eventual consistency of updates)"

LAG = 1.0


class LaggingUpdatesService(ChatService):
    store_factory = VersionedStore

    def read(self, cid):
        latest = self.store.load(cid)
        if latest is None:
            return None
        return self.store.load_at(cid, now() - LAG) or self.store.first(cid)

    def lookup(self, tenant, cid):
        rec = self.read(cid)
        if not self.visible(rec, tenant):
            raise not_found(cid)
        return rec

    def lookup_for_update(self, tenant, cid):
        rec = self.store.load(cid)                       # the primary
        if not self.visible(rec, tenant):
            raise not_found(cid)
        return rec

    def list_candidates(self, tenant):
        out = []
        for rec in self.store.scan():
            r = self.read(rec["id"])
            if self.visible(r, tenant):
                out.append(r)
        return out


def create_app(api_keys: dict[str, str]):
    return build(LaggingUpdatesService, api_keys)
