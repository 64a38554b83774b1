"""Fault: the update re-saves the record from the API views, whose messages view is one page of 20."""
from base import ChatService, SqliteStore, build

KIND = "fault"
RATIONALE = ("The update handler rebuilds the row to save from the API representations (the ChatCompletion "
             "plus the first page of GET .../messages, default limit 20) instead of the loaded row; "
             "completions with more than 20 request messages lose the rest on their first metadata update.")
SOURCE = ("DTO/entity round-trip (save(toEntity(toDto(entity)))) combined with an unpaginated call to a "
          "paginated reader; sqlite one-document-per-row store")
VIOLATES = "Currently, the only supported modification is to update the metadata field."

PAGE = 20


class ViewResaveService(ChatService):
    store_factory = SqliteStore

    def messages_view_first_page(self, rec):
        return [self.render_message(rec, i, m) for i, m in enumerate(rec["messages"])][:PAGE]

    @staticmethod
    def message_from_view(item):
        m = {"role": item["role"],
             "content": item["content_parts"] if item.get("content_parts") is not None else item["content"]}
        for k in ("name", "tool_calls", "tool_call_id"):
            if item.get(k) is not None:
                m[k] = item[k]
        return m

    def record_from_views(self, view, msgs_view, row):
        rec = {k: view.get(k) for k in ("id", "created", "model", "choices", "usage", "service_tier",
                                         "system_fingerprint", "metadata")}
        rec.update(tenant=row["tenant"], seq=row["seq"], stored=row["stored"], deleted=False,
                   params=row.get("params", {}),
                   messages=[self.message_from_view(x) for x in msgs_view])
        return rec

    async def op_update(self, tenant, cid, body):
        md = self.parse_update_body(body)
        rec = self.lookup_for_update(tenant, cid)
        rec["metadata"] = self.apply_metadata(rec, md)
        view = self.render(rec)
        self.store.save(self.record_from_views(view, self.messages_view_first_page(rec), rec))
        return view


def create_app(api_keys: dict[str, str]):
    return build(ViewResaveService, api_keys)
