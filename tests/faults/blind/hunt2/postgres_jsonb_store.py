"""A vendor storing the completion as PostgreSQL jsonb: keys come back in jsonb order, and
strings jsonb cannot hold (NUL, lone surrogates) are refused with 400."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service, ApiError  # noqa: E402

KIND = "conformant"
RATIONALE = ("jsonb storage: object keys come back sorted shorter-first then bytewise (top "
             "level and metadata), and a string containing \\u0000 or a lone surrogate is "
             "refused with 400 as PostgreSQL refuses it; a map has no order, and the page does "
             "not require storing such strings.")
SOURCE = "https://www.postgresql.org/docs/15/datatype-json.html"


def jsonb_order(value):
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode("utf-8", "surrogatepass")),
                                            k.encode("utf-8", "surrogatepass")))
        return {k: jsonb_order(value[k]) for k in keys}
    if isinstance(value, list):
        return [jsonb_order(v) for v in value]
    return value


def jsonb_check(value, path="metadata"):
    if isinstance(value, dict):
        for k, v in value.items():
            jsonb_check(k, path)
            jsonb_check(v, f"{path}.{k}" if path == "metadata" else path)
    elif isinstance(value, list):
        for v in value:
            jsonb_check(v, path)
    elif isinstance(value, str):
        if "\x00" in value:
            raise ApiError(400, f"Invalid '{path}': unsupported Unicode escape sequence "
                           "(\\u0000 cannot be converted to text).", param=path,
                           code="invalid_value")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, f"Invalid '{path}': Unicode low surrogate must follow a high "
                           "surrogate.", param=path, code="invalid_value")


class JsonbService(Service):
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        jsonb_check(out, param)
        return out

    def validate_create(self, body):
        req = super().validate_create(body)
        if req["store"]:
            jsonb_check(req["messages"], "messages")
        return req

    def view(self, obj, kind):
        return obj if kind == "create" else jsonb_order(obj)

    def load_messages(self, tenant, cid):
        msgs = super().load_messages(tenant, cid)
        return None if msgs is None else jsonb_order(msgs)


def create_app(api_keys):
    return JsonbService(api_keys).app()
