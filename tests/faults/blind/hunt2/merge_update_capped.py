"""Metadata updates are merged (UPSERT per pair) into the stored map, capped at 16 pairs."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402
from _hunt2_eav import EavStore, refuse_unencodable  # noqa: E402

KIND = "conformant"
RATIONALE = ("EAV table in sqlite3: an update UPSERTs the sent pairs into the stored map "
             "(PATCH-like merge, as Stripe/Redis HSET do) and refuses with 400 an update that "
             "would leave more than 16 pairs; lone surrogates are refused with 400.")
SOURCE = "https://www.sqlite.org/lang_upsert.html"


class MergeService(Service):
    store_class = EavStore

    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        refuse_unencodable(out, param)
        return out

    def apply_update(self, tenant, cid, md, body):
        return self.store.merge_metadata(tenant, cid, md, cap=16)


def create_app(api_keys):
    return MergeService(api_keys).app()
