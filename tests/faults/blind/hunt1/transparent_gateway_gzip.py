"""Conformant: an API gateway in front of the service gzips answers and adds its own headers."""
import gzip
import time

from base import build
from gateway import Gateway
from sql_base import SqlService

KIND = "conformant"
RATIONALE = ("Edge gateway forwards requests unchanged to a sqlite-backed service, compresses answers with gzip "
             "when the client accepts it, and adds openai-processing-ms / x-ratelimit-* / via headers. "
             "Transport encoding and extra headers do not change the documented objects.")
SOURCE = "RFC 9110 §8.4 Content-Encoding (gzip); nginx/Envoy gzip filters; OpenAI response headers"


class GzipGateway(Gateway):
    async def handle(self, request, method, path, path_qs, headers, body):
        t0 = time.perf_counter()
        resp = await self.forward(method, path_qs, headers, body)
        out_headers = {k: v for k, v in resp.headers.items()}
        out_headers.update({"openai-processing-ms": str(int((time.perf_counter() - t0) * 1000)),
                            "x-ratelimit-limit-requests": "10000",
                            "x-ratelimit-remaining-requests": "9999",
                            "via": "1.1 edge-gw"})
        content = resp.content
        if "gzip" in headers.get("accept-encoding", "") and content:
            content = gzip.compress(content)
            out_headers["content-encoding"] = "gzip"
            out_headers["vary"] = "Accept-Encoding"
        return resp.status_code, out_headers, content

    def out_headers(self, headers):
        return {k: v for k, v in headers.items() if k.lower() not in {"content-length", "transfer-encoding",
                                                                          "connection"}}


def create_app(api_keys: dict[str, str]):
    return GzipGateway(build(SqlService, api_keys)).asgi()
