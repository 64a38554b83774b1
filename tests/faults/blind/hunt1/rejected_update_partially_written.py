"""Fault: pairs are validated while being written, without a transaction; a refused update leaves a half-written map."""
from base import ChatService, bad_request, build, json_type, MAX_PAIRS
from sql_base import SqlService, has_lone_surrogate

KIND = "fault"
RATIONALE = ("EAV metadata table in autocommit mode: the update deletes the old rows, then validates and inserts "
             "pair by pair; a pair over the limits aborts with 400 after the earlier pairs were committed, so "
             "a refused update has still modified the stored metadata.")
SOURCE = "sqlite3 autocommit (isolation_level=None) without BEGIN/COMMIT around a multi-statement write"
VIOLATES = "Values are strings with a maximum length of 512 characters."


class PartialWriteService(SqlService):
    def parse_update_body(self, body):
        if "metadata" not in body:
            raise bad_request("Missing required parameter: 'metadata'.", param="metadata",
                              code="missing_required_parameter")
        extra = [k for k in body if k != "metadata"]
        if extra:
            raise bad_request(f"Unrecognized request argument supplied: {extra[0]}", param=extra[0],
                              code="unknown_parameter")
        md = body["metadata"]
        if not isinstance(md, dict):
            raise bad_request(f"Invalid type for 'metadata': expected an object, but got {json_type(md)} "
                              "instead.", param="metadata", code="invalid_type")
        if len(md) > MAX_PAIRS:
            raise bad_request("Invalid 'metadata': too many properties.", param="metadata",
                              code="object_above_max_properties")
        return md                                           # per-pair checks happen while writing

    def check_pair(self, k, v):
        ChatService.validate_metadata(self, {k: v})
        if has_lone_surrogate(k) or has_lone_surrogate(v):
            raise bad_request("Invalid 'metadata': strings must be valid Unicode.", param="metadata",
                              code="invalid_value")

    def write_metadata(self, cid, md):
        with self.db_lock:
            self.db.execute("DELETE FROM metadata WHERE completion_id = ?", (cid,))
            for i, (k, v) in enumerate(md.items()):
                self.check_pair(k, v)
                self.db.execute("INSERT INTO metadata (completion_id, k, v, pos) VALUES (?,?,?,?)",
                                (cid, k, v, i))


def create_app(api_keys: dict[str, str]):
    return build(PartialWriteService, api_keys)
