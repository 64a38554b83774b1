"""Fault: completions created without metadata share one mutable default dict; merges mutate it in place."""
from base import ChatService, build, MAX_PAIRS, bad_request

KIND = "fault"
RATIONALE = ("Python mutable default argument: make_record(..., metadata={}) gives every completion created "
             "without metadata the same dict object, and the (merge) update does rec.metadata.update(...) on "
             "the live object of an in-process store, so updating one such completion changes all of them.")
SOURCE = ("Python FAQ 'Why are default values shared between objects?' — "
          "https://docs.python.org/3/faq/programming.html#why-are-default-values-shared-between-objects")
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class LiveObjectStore:
    """Keeps the record objects themselves (no copies), like an identity map / ORM session cache."""

    def __init__(self):
        self.rows = {}

    def insert(self, rec):
        self.rows[rec["id"]] = rec

    def load(self, cid):
        return self.rows.get(cid)

    def save(self, rec):
        self.rows[rec["id"]] = rec

    def remove(self, cid):
        self.rows.pop(cid, None)

    def scan(self):
        return list(self.rows.values())


def make_record_metadata(metadata: dict = {}):        # noqa: B006 — the defect
    return metadata


class SharedDefaultService(ChatService):
    store_factory = LiveObjectStore

    def build_record(self, tenant, body):
        rec = super().build_record(tenant, body)
        rec["metadata"] = make_record_metadata(rec["metadata"]) if rec["metadata"] else make_record_metadata()
        return rec

    async def op_update(self, tenant, cid, body):
        md = self.parse_update_body(body)
        rec = self.lookup_for_update(tenant, cid)
        if len({**rec["metadata"], **md}) > MAX_PAIRS:
            raise bad_request("Invalid 'metadata': the chat completion would have more than 16 metadata pairs.",
                              param="metadata", code="object_above_max_properties")
        rec["metadata"].update(md)                      # merge, in place
        self.store.save(rec)
        return self.render(rec)


def create_app(api_keys: dict[str, str]):
    return build(SharedDefaultService, api_keys)
