"""findOneAndUpdate answers the document as it was before the update."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("MongoDB findOneAndUpdate / findAndModify return the pre-image unless "
             "returnDocument: 'after' (new: true) is passed; the update answers the old "
             "metadata although the stored object is updated.")
SOURCE = "https://www.mongodb.com/docs/manual/reference/method/db.collection.findOneAndUpdate/"
VIOLATES = "The ChatCompletion object matching the specified ID."


class MongoService(Service):
    def apply_update(self, tenant, cid, md, body):
        before = self.store.get(tenant, cid)
        if before is None:
            return None
        self.store.replace_metadata(tenant, cid, md)
        return before


def create_app(api_keys):
    return MongoService(api_keys).app()
