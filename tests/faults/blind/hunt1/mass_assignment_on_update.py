"""Fault: the update assigns every top-level field of the body to the record (mass assignment)."""
from base import ChatService, bad_request, build

KIND = "fault"
RATIONALE = ("Generic 'PATCH the entity with the body' handler: `metadata` is validated, and every other "
             "body field that names a record attribute (model, created, choices, usage, messages, ...) is "
             "assigned too, instead of being refused or ignored.")
SOURCE = "OWASP API Security Top 10 (2019) — API6: Mass Assignment"
VIOLATES = "Currently, the only supported modification is to update the metadata field."

PROTECTED = {"id", "tenant", "seq", "stored", "deleted", "metadata"}


class MassAssignService(ChatService):
    def parse_update_body(self, body):
        if "metadata" not in body:
            raise bad_request("Missing required parameter: 'metadata'.", param="metadata",
                              code="missing_required_parameter")
        return self.validate_metadata(body["metadata"])

    async def op_update(self, tenant, cid, body):
        md = self.parse_update_body(body)
        rec = self.lookup_for_update(tenant, cid)
        for k, v in body.items():
            if k in rec and k not in PROTECTED:
                rec[k] = v
        rec["metadata"] = self.apply_metadata(rec, md)
        self.store.save(rec)
        return self.render(rec)


def create_app(api_keys: dict[str, str]):
    return build(MassAssignService, api_keys)
