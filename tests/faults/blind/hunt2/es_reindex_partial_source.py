"""The update re-indexes a document read with _source filtering, losing the other fields."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Update = GET with _source_includes=[id,object,created,model,choices,metadata] "
             "(the 'summary' projection used by the dashboard), set metadata, then a full "
             "index (replace) of that partial source: usage, service_tier and "
             "system_fingerprint vanish after the first update.")
SOURCE = "https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-index_.html"
VIOLATES = "Currently, the only supported modification is to update the metadata field."

SUMMARY = ("id", "object", "created", "model", "choices", "metadata")


class ReindexService(Service):
    def apply_update(self, tenant, cid, md, body):
        full = self.store.get(tenant, cid)
        if full is None:
            return None
        source = {k: full[k] for k in SUMMARY if k in full}
        source["metadata"] = md
        self.store.put_obj(tenant, cid, source)
        return self.store.get(tenant, cid)


def create_app(api_keys):
    return ReindexService(api_keys).app()
