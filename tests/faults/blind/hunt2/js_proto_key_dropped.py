"""Metadata copied into a plain JavaScript object: the key '__proto__' disappears."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Node service rebuilds the map with 'const out = {}; for (const [k, v] of "
             "entries) out[k] = v;' - assigning a string to out['__proto__'] is a no-op on a "
             "plain object, so that key is silently dropped (200, pair missing).")
SOURCE = "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Object/proto"
VIOLATES = "Keys are strings with a maximum length of 64 characters."


class NodeObjectService(Service):
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        return {k: v for k, v in out.items() if k != "__proto__"}


def create_app(api_keys):
    return NodeObjectService(api_keys).app()
