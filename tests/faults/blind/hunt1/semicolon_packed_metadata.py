"""Fault: metadata is packed into one text column as k=v;k=v (no escaping)."""
from base import ChatService, SqliteStore, build

KIND = "fault"
RATIONALE = ("Legacy schema keeps metadata in a single TEXT column formatted like a tag string "
             "'k1=v1;k2=v2'; nothing is escaped, so a ';' in a value splits it into a bogus extra pair, and an "
             "'=' in a key moves the rest of the key into the value.")
SOURCE = "Delimiter-packed tag strings (cf. Azure/Datadog style 'k=v;k=v' tags) stored without escaping"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


def pack(md: dict) -> str:
    return ";".join(f"{k}={v}" for k, v in md.items())


def unpack(text: str) -> dict:
    out = {}
    for part in text.split(";"):
        if part == "":
            continue
        k, _, v = part.partition("=")
        out[k] = v
    return out


class PackedStore(SqliteStore):
    def insert(self, rec):
        super().insert(dict(rec, metadata=pack(rec["metadata"])))

    def save(self, rec):
        super().save(dict(rec, metadata=pack(rec["metadata"])))

    def load(self, cid):
        rec = super().load(cid)
        if rec is not None:
            rec["metadata"] = unpack(rec["metadata"])
        return rec

    def scan(self):
        out = super().scan()
        for rec in out:
            rec["metadata"] = unpack(rec["metadata"])
        return out


class PackedService(ChatService):
    store_factory = PackedStore

    async def op_update(self, tenant, cid, body):
        await super().op_update(tenant, cid, body)
        return self.render(self.lookup(tenant, cid))     # answer is re-read from the row


def create_app(api_keys: dict[str, str]):
    return build(PackedService, api_keys)
