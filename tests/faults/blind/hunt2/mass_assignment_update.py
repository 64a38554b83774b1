"""The update validates metadata, then $sets the whole request body on the document."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Mongo-style 'updateOne({_id}, {$set: req.body})' after validating only "
             "body.metadata: any other top-level field of the document sent with the update "
             "(model, created, choices, usage...) is overwritten (mass assignment).")
SOURCE = "https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html"
VIOLATES = "Currently, the only supported modification is to update the metadata field."


class MassAssignService(Service):
    reject_unknown_update_fields = False

    def apply_update(self, tenant, cid, md, body):
        doc = self.store.get(tenant, cid)
        if doc is None:
            return None
        for k, v in body.items():
            if k in doc and k != "id":
                doc[k] = v
        doc["metadata"] = md
        self.store.put_obj(tenant, cid, doc)
        return self.store.get(tenant, cid)


def create_app(api_keys):
    return MassAssignService(api_keys).app()
