"""An Envoy-like reverse proxy in front of a sqlite3-backed service."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ProxyApp, Service, SqliteStore  # noqa: E402

KIND = "conformant"
RATIONALE = ("Reverse proxy layer forwarding every request byte-for-byte to an inner sqlite3 "
             "service and adding server/x-envoy-upstream-service-time/x-request-id headers; "
             "bodies pass through untouched.")
SOURCE = "https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers"


class Inner(Service):
    store_class = SqliteStore


class Envoy(ProxyApp):
    async def on_response(self, req, resp):
        resp["headers"]["server"] = "envoy"
        resp["headers"]["x-envoy-upstream-service-time"] = "3"
        resp["headers"].setdefault("x-request-id", "0f6c1b7e-2d1e-4a57-9f0b-0c6a2e1f3d4c")
        return resp


def create_app(api_keys):
    return Envoy(Inner(api_keys).app())
