"""Stored views are protobuf messages marshalled without EmitUnpopulated."""
import json
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ProxyApp, Service, json_body  # noqa: E402

KIND = "fault"
RATIONALE = ("The storage service speaks proto3 and its JSON transcoder omits fields holding "
             "default values: choice 'index: 0', 'logprobs: null', 'refusal: null', zero token "
             "details, 'has_more: false' and an empty metadata map disappear from retrieve/"
             "update/list answers.")
SOURCE = "https://protobuf.dev/programming-guides/json/ (fields with default values are omitted by default)"
VIOLATES = "The index of the choice in the list of choices."


def is_default(x):
    if x is None or x is False or x == "" or x == [] or x == {}:
        return True
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == 0


def strip(value, is_map=False):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if is_map:
                out[k] = v               # map entries are always written
                continue
            v = strip(v, is_map=(k == "metadata"))
            if not is_default(v):
                out[k] = v
        return out
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


class ProtoTranscoder(ProxyApp):
    async def on_response(self, req, resp):
        is_create = req["method"] == "POST" and req["path"].rstrip("/") == "/v1/chat/completions"
        data = json_body(resp)
        if not is_create and 200 <= resp["status"] < 300 and data is not None:
            resp["body"] = json.dumps(strip(data), ensure_ascii=False).encode("utf-8",
                                                                            "surrogatepass")
        return resp


def create_app(api_keys):
    return ProtoTranscoder(Service(api_keys).app())
