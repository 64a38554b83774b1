"""Fault: the update looks a completion up by id alone (IDOR); other endpoints check the tenant."""
from base import ChatService, build, not_found

KIND = "fault"
RATIONALE = ("Completion ids are globally unique, so the update handler fetches by id only and never compares "
             "the owner with the caller: any tenant that knows an id can modify another tenant's metadata.")
SOURCE = "OWASP API Security Top 10 — API1:2023 Broken Object Level Authorization"
VIOLATES = "Modify a stored chat completion."


class IdorService(ChatService):
    def lookup_for_update(self, tenant, cid):
        rec = self.store.load(cid)
        if rec is None or not rec["stored"] or rec.get("deleted"):
            raise not_found(cid)
        return rec


def create_app(api_keys: dict[str, str]):
    return build(IdorService, api_keys)
