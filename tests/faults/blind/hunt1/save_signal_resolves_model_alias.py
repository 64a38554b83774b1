"""Fault: a pre-save hook pins the model alias to a dated snapshot, but only on updates."""
import re

from base import ChatService, MemoryStore, build

KIND = "fault"
RATIONALE = ("A pre_save hook resolves model aliases to dated snapshots (gpt-4o -> gpt-4o-2024-08-06); "
             "creates go through a bulk insert that skips the hook, so the first metadata update rewrites "
             "`model` of the stored completion.")
SOURCE = ("Django: bulk_create() 'does not call save() and the pre_save and post_save signals are not sent' — "
          "https://docs.djangoproject.com/en/stable/ref/models/querysets/#bulk-create")
VIOLATES = "Currently, the only supported modification is to update the metadata field."

SNAPSHOTS = {"gpt-4o": "2024-08-06", "gpt-4o-mini": "2024-07-18", "gpt-4.1": "2025-04-14",
             "gpt-4.1-mini": "2025-04-14", "gpt-4.1-nano": "2025-04-14", "o3-mini": "2025-01-31",
             "gpt-3.5-turbo": "0125", "gpt-4-turbo": "2024-04-09"}
DEFAULT_SNAPSHOT = "2024-08-06"


def resolve(model: str) -> str:
    if re.search(r"-(\d{4}-\d{2}-\d{2}|\d{4})$", model):
        return model
    return f"{model}-{SNAPSHOTS.get(model, DEFAULT_SNAPSHOT)}"


class HookedStore(MemoryStore):
    def save(self, rec):                       # Model.save() -> pre_save signal
        rec = dict(rec, model=resolve(rec["model"]))
        super().save(rec)
    # insert() is the bulk path: no signal


class AliasService(ChatService):
    store_factory = HookedStore

    async def op_update(self, tenant, cid, body):
        await super().op_update(tenant, cid, body)
        return self.render(self.lookup(tenant, cid))    # refresh_from_db()


def create_app(api_keys: dict[str, str]):
    return build(AliasService, api_keys)
