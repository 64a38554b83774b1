"""UpdateItem without a condition expression creates the item when the id is unknown."""
import copy
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import MemoryStore, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("DynamoDB UpdateItem 'SET metadata = :m' with no ConditionExpression "
             "attribute_exists(id) upserts: updating an unknown, unstored or deleted id answers "
             "200 with a skeleton item, which GET then returns (the sparse list GSI on created "
             "hides it from list).")
SOURCE = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html"
VIOLATES = ("Only chat completions that have been created with the store parameter set to true "
            "can be modified.")


class DynamoTable(MemoryStore):
    def replace_metadata(self, tenant, cid, md):
        with self.lock:
            row = self.rows.get((tenant, cid))
            if row is None:
                self.seq += 1
                # the item as UpdateItem leaves it: key + the SET attribute
                row = {"seq": self.seq, "messages": [],
                       "obj": {"id": cid, "object": "chat.completion", "created": None,
                               "model": None, "choices": [], "metadata": {}}}
                self.rows[(tenant, cid)] = row
            row["obj"]["metadata"] = copy.deepcopy(md)
            return copy.deepcopy(row["obj"])

    def list(self, tenant):
        # the list query runs on a GSI keyed by created: items without it are not projected
        rows = [r for (t, _), r in self.rows.items()
                if t == tenant and r["obj"].get("created") is not None]
        rows.sort(key=lambda r: (r["obj"]["created"], r["seq"]))
        return [copy.deepcopy(r["obj"]) for r in rows]


class DynamoService(Service):
    store_class = DynamoTable


def create_app(api_keys):
    return DynamoService(api_keys).app()
