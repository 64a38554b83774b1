"""The update writes the completion document with set() (no merge), dropping its messages."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import JsonFileStore, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Document store where the request messages live in the same document as the "
             "completion; the update calls doc.set({seq, completion}) without merge=True, so "
             "the stored messages are replaced by nothing and the messages view is empty.")
SOURCE = "https://firebase.google.com/docs/firestore/manage-data/add-data#set_a_document"
VIOLATES = "Currently, the only supported modification is to update the metadata field."


class FirestoreLikeStore(JsonFileStore):
    def replace_metadata(self, tenant, cid, md):
        with self.lock:
            doc = self.read_doc(tenant, cid)
            if not doc:
                return None
            completion = dict(doc["completion"], metadata=md)
            self.write_doc(tenant, cid, {"seq": doc["seq"], "completion": completion})
            return completion

    def get_messages(self, tenant, cid):
        doc = self.read_doc(tenant, cid)
        return doc.get("messages", []) if doc else None


class FirestoreService(Service):
    store_class = FirestoreLikeStore


def create_app(api_keys):
    return FirestoreService(api_keys).app()
