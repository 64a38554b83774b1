"""Updated metadata lives in an overlay table merged over the original on read."""
import copy
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ApiError, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Merge (PATCH) semantics built on an immutable completion row plus an overlay "
             "row: updates are merged into the overlay (capped at 16 pairs in total) and reads "
             "merge original + overlay, but the update answer is built from the sent pairs "
             "only - answer and stored object disagree whenever other pairs exist.")
SOURCE = "Immutable-record + overlay/patch table design (append-only audit stores)"
VIOLATES = "The ChatCompletion object matching the specified ID."


class OverlayService(Service):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.overlay = {}

    def _merge(self, tenant, obj):
        if obj is not None and (tenant, obj["id"]) in self.overlay:
            md = dict(obj.get("metadata") or {})
            md.update(self.overlay[(tenant, obj["id"])])
            obj["metadata"] = md
        return obj

    def load(self, tenant, cid):
        return self._merge(tenant, super().load(tenant, cid))

    def list_objects(self, tenant):
        return [self._merge(tenant, o) for o in super().list_objects(tenant)]

    def apply_update(self, tenant, cid, md, body):
        obj = self.store.get(tenant, cid)
        if obj is None:
            return None
        merged_overlay = dict(self.overlay.get((tenant, cid), {}))
        merged_overlay.update(md)
        total = dict(obj.get("metadata") or {})
        total.update(merged_overlay)
        if len(total) > 16:
            raise ApiError(400, f"Invalid 'metadata': the completion would have {len(total)} "
                           "pairs after this update; at most 16 are allowed.", param="metadata",
                           code="object_above_max_properties")
        self.overlay[(tenant, cid)] = merged_overlay
        obj["metadata"] = copy.deepcopy(md)              # answer built from the request
        return obj

    def remove(self, tenant, cid):
        self.overlay.pop((tenant, cid), None)
        return super().remove(tenant, cid)


def create_app(api_keys):
    return OverlayService(api_keys).app()
