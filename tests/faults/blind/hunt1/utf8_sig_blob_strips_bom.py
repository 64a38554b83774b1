"""Fault: each metadata value is kept as a blob and read back with the 'utf-8-sig' codec, which eats a leading BOM."""
import copy
import itertools

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Values are written as UTF-8 blobs (object-store style) and decoded on read with 'utf-8-sig' to "
             "tolerate files saved by Windows tools; that codec removes a leading U+FEFF, so a value starting "
             "with a BOM/ZWNBSP comes back without it.")
SOURCE = "Python codecs 'utf-8-sig': 'on decoding, an optional UTF-8 encoded BOM at the start of the data will be skipped'"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class BlobStore:
    def __init__(self):
        self.rows, self.blobs, self.ids = {}, {}, itertools.count(1)

    def _put(self, rec):
        rec = copy.deepcopy(rec)
        refs = {}
        for k, v in rec["metadata"].items():
            bid = f"blob-{next(self.ids)}"
            self.blobs[bid] = v.encode("utf-8", "surrogatepass")
            refs[k] = bid
        rec["metadata"] = refs
        self.rows[rec["id"]] = rec

    def _get(self, rec):
        rec = copy.deepcopy(rec)
        rec["metadata"] = {k: self.blobs[b].decode("utf-8-sig", "surrogatepass") for k, b in rec["metadata"].items()}
        return rec

    insert = save = _put

    def load(self, cid):
        r = self.rows.get(cid)
        return self._get(r) if r else None

    def remove(self, cid):
        self.rows.pop(cid, None)

    def scan(self):
        return [self._get(r) for r in self.rows.values()]


class BlobService(ChatService):
    store_factory = BlobStore

    async def op_update(self, tenant, cid, body):
        await super().op_update(tenant, cid, body)
        return self.render(self.lookup(tenant, cid))


def create_app(api_keys: dict[str, str]):
    return build(BlobService, api_keys)
