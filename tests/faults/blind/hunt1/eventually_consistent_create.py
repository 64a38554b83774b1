"""Conformant: a new completion becomes readable (and modifiable) about 2 s after it was created."""
import time

from base import ChatService, build

KIND = "conformant"
RATIONALE = ("Writes of new completions go to a queue drained by the storage tier; for ~2 s after create the "
             "completion answers 404 on retrieve/update/delete/messages and is absent from list, then behaves "
             "normally. The page promises nothing about read-after-create timing.")
SOURCE = "Eventually consistent stores (e.g. DynamoDB eventually consistent reads, S3 pre-2020 list consistency)"

VISIBLE_AFTER = 2.0


class DelayedVisibilityService(ChatService):
    def persist_new(self, rec):
        rec["visible_from"] = time.monotonic() + VISIBLE_AFTER
        super().persist_new(rec)

    def visible(self, rec, tenant):
        return super().visible(rec, tenant) and time.monotonic() >= rec.get("visible_from", 0)


def create_app(api_keys: dict[str, str]):
    return build(DelayedVisibilityService, api_keys)
