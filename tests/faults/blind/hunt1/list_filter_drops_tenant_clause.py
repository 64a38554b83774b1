"""Fault: when metadata filters are present the list query is built from the metadata table and loses the tenant clause."""
from base import build
from sql_base import SqlService

KIND = "fault"
RATIONALE = ("Query builder has two branches: without filters it selects the tenant's completions; with "
             "metadata[...] filters it starts from the metadata index table, and the tenant predicate is only "
             "appended in the first branch, so filtered lists include other tenants' completions.")
SOURCE = "Multi-tenant query scoping bug (OWASP API1:2023 Broken Object Level Authorization)"
VIOLATES = ("This can be useful for storing additional information about the object in a structured format, "
            "and querying for objects via API or the dashboard.")


class LeakyFilterService(SqlService):
    def build_list_query(self, tenant, model, filters, after_row, order, limit):
        if not filters:
            return super().build_list_query(tenant, model, filters, after_row, order, limit)
        where, params = ["c.stored = 1", "c.deleted_at IS NULL"], []
        if model is not None:
            where.append("c.model = ?")
            params.append(model)
        for k, v in filters.items():
            where.append(self.metadata_clause())
            params += [k, v]
        if after_row is not None:
            clause, p = self.cursor_clause(order, after_row)
            where.append(clause)
            params += p
        d = "ASC" if order == "asc" else "DESC"
        sql = (f"SELECT DISTINCT c.* FROM metadata mi JOIN completions c ON c.id = mi.completion_id "
               f"WHERE {' AND '.join(where)} ORDER BY c.created {d}, c.seq {d} LIMIT ?")
        return sql, params + [limit + 1]


def create_app(api_keys: dict[str, str]):
    return build(LeakyFilterService, api_keys)
