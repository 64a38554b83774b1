"""Fault: the update answers the document as it was before the update (findOneAndUpdate default)."""
import copy

from base import ChatService, MemoryStore, build, not_found

KIND = "fault"
RATIONALE = ("Document store accessed with find_one_and_update() without return_document=AFTER: the update is "
             "applied, but the answer is the pre-update document (old metadata).")
SOURCE = ("PyMongo Collection.find_one_and_update: 'return_document: If ReturnDocument.BEFORE (the default), "
          "returns the original document before it was updated' — "
          "https://pymongo.readthedocs.io/en/stable/api/pymongo/collection.html")
VIOLATES = "Returns The ChatCompletion object matching the specified ID."

BEFORE, AFTER = "before", "after"


class Collection(MemoryStore):
    """A tiny Mongo-like collection over the in-memory store."""

    def find_one_and_update(self, flt: dict, update: dict, return_document: str = BEFORE):
        for doc in self._rows.values():
            if all(doc.get(k) == v for k, v in flt.items()):
                before = copy.deepcopy(doc)
                for path, value in update.get("$set", {}).items():
                    doc[path] = copy.deepcopy(value)
                return before if return_document == BEFORE else copy.deepcopy(doc)
        return None


class MongoService(ChatService):
    store_factory = Collection

    async def op_update(self, tenant, cid, body):
        md = self.parse_update_body(body)
        rec = self.lookup_for_update(tenant, cid)
        new_md = self.apply_metadata(rec, md)
        self.check_stored_metadata(new_md)
        doc = self.store.find_one_and_update(
            {"id": cid, "tenant": tenant, "stored": True, "deleted": False},
            {"$set": {"metadata": new_md}})          # return_document left at its default
        if doc is None:
            raise not_found(cid)
        return self.render(doc)


def create_app(api_keys: dict[str, str]):
    return build(MongoService, api_keys)
