"""When metadata filters are given, the list query loses its tenant condition."""
import copy
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Query builder: 'where = {tenant}' by default, but the metadata-filter branch "
             "builds 'where = {metadata: {...}}' (replacing, not extending, the condition), so "
             "a filtered list returns matching completions of every tenant.")
SOURCE = "OWASP API Security Top 10 2023 - API1 Broken Object Level Authorization"
VIOLATES = ("This can be useful for storing additional information about the object in a "
            "structured format, and querying for objects via API or the dashboard.")


class LeakyListService(Service):
    def list_source(self, tenant, model, filters):
        if not filters:
            return self.list_objects(tenant)
        rows = sorted(self.store.rows.values(), key=lambda r: (r["obj"]["created"], r["seq"]))
        return [copy.deepcopy(r["obj"]) for r in rows]


def create_app(api_keys):
    return LeakyListService(api_keys).app()
