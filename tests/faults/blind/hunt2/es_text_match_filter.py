"""List metadata filters run as full-text match queries on analyzed fields."""
import re
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("metadata.* mapped as 'text' (standard analyzer) and the filter sent as a match "
             "query: case-folded, tokenized, OR of terms, so metadata[env]=prod also returns "
             "completions whose env is 'Prod', 'prod-eu' or 'pre prod'.")
SOURCE = "https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-match-query.html"
VIOLATES = ("This can be useful for storing additional information about the object in a "
            "structured format, and querying for objects via API or the dashboard.")


def analyze(s):
    return set(re.findall(r"\w+", s.lower()))


class MatchQueryService(Service):
    def matches(self, obj, model, filters):
        if model is not None and obj.get("model") != model:
            return False
        md = obj.get("metadata") or {}
        for k, v in filters.items():
            if k not in md or not (analyze(v) & analyze(md[k])):
                return False
        return True


def create_app(api_keys):
    return MatchQueryService(api_keys).app()
