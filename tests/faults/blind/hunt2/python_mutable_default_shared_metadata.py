"""Completions created without metadata share one default dict, updated in place."""
import copy
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import MemoryStore, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Python mutable-default bug: 'metadata = body.get(\"metadata\") or DEFAULT' with "
             "DEFAULT a single dict, stored by reference, and updates done in place "
             "(md.clear(); md.update(new)): updating one completion created without metadata "
             "changes the metadata of every other such completion (even other tenants').")
SOURCE = "https://docs.python-guide.org/writing/gotchas/#mutable-default-arguments"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class ReferenceStore(MemoryStore):
    def insert(self, tenant, obj, messages):
        with self.lock:
            self.seq += 1
            stored = copy.deepcopy({k: v for k, v in obj.items() if k != "metadata"})
            stored["metadata"] = obj["metadata"]          # kept by reference
            self.rows[(tenant, obj["id"])] = {"seq": self.seq, "obj": stored,
                                             "messages": copy.deepcopy(messages)}

    def replace_metadata(self, tenant, cid, md):
        with self.lock:
            row = self.rows.get((tenant, cid))
            if not row:
                return None
            row["obj"]["metadata"].clear()
            row["obj"]["metadata"].update(md)
            return copy.deepcopy(row["obj"])


class SharedDefaultService(Service):
    store_class = ReferenceStore

    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.DEFAULT_METADATA = {}

    def validate_create_metadata(self, md):
        return self.validate_metadata(md) or self.DEFAULT_METADATA


def create_app(api_keys):
    return SharedDefaultService(api_keys).app()
