"""Fault: a Redis-hash style store keeps pairs as fields "meta:<key>" and reads the key back with split(':')[1]."""
import json

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Each completion is a hash; metadata pairs are fields named 'meta:<key>'. Reading splits the field "
             "name on ':' and takes element 1, so a key containing ':' (e.g. 'user:id', 'urn:x:y') comes back "
             "cut at its first colon, and such keys can collide.")
SOURCE = "Redis hashes (HSET/HGETALL) with namespaced field names — https://redis.io/docs/latest/develop/data-types/hashes/"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class HashStore:
    def __init__(self):
        self.hashes: dict[str, dict[str, str]] = {}

    def _to_hash(self, rec):
        h = {"doc": json.dumps({k: v for k, v in rec.items() if k != "metadata"})}
        order = []
        for k, v in rec["metadata"].items():
            h["meta:" + k] = v
            order.append("meta:" + k)
        h["meta_order"] = json.dumps(order)
        return h

    def _from_hash(self, h):
        rec = json.loads(h["doc"])
        md = {}
        for field in json.loads(h["meta_order"]):
            md[field.split(":")[1]] = h[field]
        rec["metadata"] = md
        return rec

    def insert(self, rec):
        self.hashes[rec["id"]] = self._to_hash(rec)

    save = insert

    def load(self, cid):
        h = self.hashes.get(cid)
        return self._from_hash(h) if h else None

    def remove(self, cid):
        self.hashes.pop(cid, None)

    def scan(self):
        return [self._from_hash(h) for h in self.hashes.values()]


class RedisHashService(ChatService):
    store_factory = HashStore


def create_app(api_keys: dict[str, str]):
    return build(RedisHashService, api_keys)
