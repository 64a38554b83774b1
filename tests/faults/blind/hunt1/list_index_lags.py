"""Conformant: the list endpoint is served by a search index refreshed ~1.5 s behind the primary."""
from base import ChatService, build
from versioned import VersionedStore, now

KIND = "conformant"
RATIONALE = ("Retrieve/update/delete/messages use the primary; list (and its metadata/model filters) is served "
             "by a search index with a ~1.5 s refresh interval, so new completions, updated metadata and "
             "deletions show up in list up to 1.5 s late, then converge.")
SOURCE = ("Elasticsearch near-real-time search: documents become searchable after a refresh "
          "(index.refresh_interval, 1s default) — https://www.elastic.co/guide/en/elasticsearch/reference/current/near-real-time.html")

INDEX_LAG = 1.5


class IndexLagService(ChatService):
    store_factory = VersionedStore

    def list_candidates(self, tenant):
        return [r for r in self.store.scan_at(now() - INDEX_LAG) if self.visible(r, tenant)]


def create_app(api_keys: dict[str, str]):
    return build(IndexLagService, api_keys)
