"""Fault: retrieve is served from a read-through cache that updates do not invalidate."""
import time

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Read-through cache (Redis-style, 10 min TTL) in front of GET /chat/completions/{id}; delete "
             "evicts the entry but the update path forgets to, so once a completion has been read, retrieve "
             "keeps answering the metadata it had at that read.")
SOURCE = "Cache-aside pattern (AWS/Redis caching guides): entries must be invalidated on every write path"
VIOLATES = "Modify a stored chat completion."

TTL = 600.0


class CachedService(ChatService):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.cache: dict[tuple[str, str], tuple[float, dict]] = {}

    async def op_retrieve(self, tenant, cid):
        hit = self.cache.get((tenant, cid))
        if hit and hit[0] > time.monotonic():
            return hit[1]
        obj = self.render(self.lookup(tenant, cid))
        self.cache[(tenant, cid)] = (time.monotonic() + TTL, obj)
        return obj

    async def op_delete(self, tenant, cid):
        out = await super().op_delete(tenant, cid)
        self.cache.pop((tenant, cid), None)
        return out
    # op_update writes the store and does not touch self.cache


def create_app(api_keys: dict[str, str]):
    return build(CachedService, api_keys)
