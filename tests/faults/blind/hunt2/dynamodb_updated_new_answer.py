"""The update answers DynamoDB's ReturnValues=UPDATED_NEW: only the updated attribute."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("UpdateItem with ReturnValues=UPDATED_NEW returns only the attributes that were "
             "written; the handler adds the id and answers {id, metadata} instead of the whole "
             "chat completion object.")
SOURCE = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html#DDB-UpdateItem-request-ReturnValues"
VIOLATES = "The ChatCompletion object matching the specified ID."


class UpdatedNewService(Service):
    def apply_update(self, tenant, cid, md, body):
        obj = self.store.replace_metadata(tenant, cid, md)
        if obj is None:
            return None
        return {"id": cid, "metadata": obj["metadata"]}


def create_app(api_keys):
    return UpdatedNewService(api_keys).app()
