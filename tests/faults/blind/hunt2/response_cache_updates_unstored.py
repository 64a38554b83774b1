"""The update handler falls back to the response cache that holds every completion."""
import copy
from collections import OrderedDict
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Every answer (stored or not) is kept in a short LRU response cache for stream "
             "resumption; the update handler reads 'store or cache', so a completion created "
             "with store=false (or already deleted) can be updated (200) though GET says 404.")
SOURCE = "Read-through fallback to an application response cache (e.g. Redis LRU used for SSE resume)"
VIOLATES = ("Only chat completions that have been created with the store parameter set to true "
            "can be modified.")


class CachingService(Service):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.recent = OrderedDict()

    def build_completion(self, req, tenant):
        obj, msgs = super().build_completion(req, tenant)
        self.recent[(tenant, obj["id"])] = copy.deepcopy(obj)
        while len(self.recent) > 1000:
            self.recent.popitem(last=False)
        return obj, msgs

    def apply_update(self, tenant, cid, md, body):
        obj = self.store.replace_metadata(tenant, cid, md)
        if obj is None and (tenant, cid) in self.recent:
            cached = self.recent[(tenant, cid)]
            cached["metadata"] = copy.deepcopy(md)
            obj = copy.deepcopy(cached)
        return obj


def create_app(api_keys):
    return CachingService(api_keys).app()
