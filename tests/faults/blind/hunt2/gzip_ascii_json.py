"""Responses are pretty-printed, ASCII-escaped JSON, gzip-compressed when the client allows."""
import json
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from starlette.middleware import Middleware  # noqa: E402
from starlette.middleware.gzip import GZipMiddleware  # noqa: E402
from starlette.responses import Response  # noqa: E402
from _hunt2_core import Service  # noqa: E402

KIND = "conformant"
RATIONALE = ("Python json.dumps(ensure_ascii=True, indent=2) (every non-ASCII character as "
             "\\uXXXX, astral ones as surrogate pairs) behind gzip for Accept-Encoding: gzip; "
             "the decoded JSON is identical.")
SOURCE = "https://docs.python.org/3/library/json.html#json.dumps"


class AsciiGzipService(Service):
    def respond(self, payload, status=200, headers=None):
        body = json.dumps(payload, ensure_ascii=True, indent=2).encode("ascii")
        return Response(body, status_code=status, headers=headers,
                        media_type="application/json; charset=utf-8")

    def middleware(self):
        return [Middleware(GZipMiddleware, minimum_size=0)]


def create_app(api_keys):
    return AsciiGzipService(api_keys).app()
