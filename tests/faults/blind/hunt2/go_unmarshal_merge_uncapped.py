"""json.Unmarshal into the loaded struct merges the sent map into the stored one, uncapped."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Go handler decodes the body into the already-loaded record; encoding/json adds "
             "keys to an existing non-nil map instead of replacing it. The request is checked "
             "(<=16 pairs) but the merged map is not, so successive updates grow it past 16.")
SOURCE = "https://pkg.go.dev/encoding/json#Unmarshal ('Unmarshal stores key-value pairs from the JSON object into the map')"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class GoMergeService(Service):
    def apply_update(self, tenant, cid, md, body):
        cur = self.store.get(tenant, cid)
        if cur is None:
            return None
        merged = dict(cur.get("metadata") or {})
        merged.update(md)
        return self.store.replace_metadata(tenant, cid, merged)


def create_app(api_keys):
    return GoMergeService(api_keys).app()
