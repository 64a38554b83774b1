"""Retrieve goes through a read-through cache that delete invalidates but update forgets."""
import copy
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Redis read-through cache on GET /chat/completions/{id} without TTL; the delete "
             "handler DELs the key but the update handler does not, so once a completion has "
             "been read, retrieve keeps answering the pre-update metadata.")
SOURCE = "https://docs.aws.amazon.com/whitepapers/latest/database-caching-strategies-using-redis/caching-patterns.html"
VIOLATES = "Modify a stored chat completion."


class CachedService(Service):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.cache = {}

    def load(self, tenant, cid):
        key = (tenant, cid)
        if key not in self.cache:
            obj = super().load(tenant, cid)
            if obj is None:
                return None
            self.cache[key] = obj
        return copy.deepcopy(self.cache[key])

    def remove(self, tenant, cid):
        self.cache.pop((tenant, cid), None)
        return super().remove(tenant, cid)


def create_app(api_keys):
    return CachedService(api_keys).app()
