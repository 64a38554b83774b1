"""The storage API is a gRPC service behind grpc-gateway with default JSON marshalling."""
import json
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ProxyApp, Service, json_body  # noqa: E402

KIND = "fault"
RATIONALE = ("Create goes to the inference service; retrieve/update/list/messages go through "
             "grpc-gateway whose protojson marshaller (UseProtoNames=false) writes lowerCamelCase"
             " JSON names: finishReason, systemFingerprint, serviceTier, promptTokens, "
             "hasMore... (map keys such as metadata's are kept).")
SOURCE = "https://grpc-ecosystem.github.io/grpc-gateway/docs/mapping/customizing_your_gateway/#using-proto-names-in-json"
VIOLATES = "The ChatCompletion object matching the specified ID."


def lower_camel(name):
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def camelize(value, is_map=False):
    if isinstance(value, dict):
        return {(k if is_map else lower_camel(k)): camelize(v, is_map=(not is_map and k == "metadata"))
                for k, v in value.items()}
    if isinstance(value, list):
        return [camelize(v) for v in value]
    return value


class GrpcGateway(ProxyApp):
    async def on_response(self, req, resp):
        is_create = req["method"] == "POST" and req["path"].rstrip("/") == "/v1/chat/completions"
        data = json_body(resp)
        if not is_create and 200 <= resp["status"] < 300 and data is not None:
            resp["body"] = json.dumps(camelize(data), ensure_ascii=False).encode("utf-8",
                                                                               "surrogatepass")
        return resp


def create_app(api_keys):
    return GrpcGateway(Service(api_keys).app())
