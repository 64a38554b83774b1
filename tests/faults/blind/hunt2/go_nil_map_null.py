"""A Go service: an empty metadata map is a nil map and is encoded as `null`."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "conformant"
RATIONALE = ("Go `map[string]string` left nil when empty; encoding/json writes a nil map as "
             "null, so `metadata: null` appears for an empty map (the schema's Metadata is "
             "`object | null`); `metadata: null` in an update clears the map.")
SOURCE = "https://pkg.go.dev/encoding/json#Marshal"


class GoService(Service):
    def view(self, obj, kind):
        if not obj.get("metadata"):
            obj = dict(obj)
            obj["metadata"] = None
        return obj


def create_app(api_keys):
    return GoService(api_keys).app()
