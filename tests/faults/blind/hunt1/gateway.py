"""Shared helper: an API gateway / proxy layer in front of an inner ASGI service.

The gateway forwards every request through httpx's ASGI transport (in-process, no
network) and lets a subclass look at or rewrite requests and answers on the way.
Not a server by itself (no KIND).
"""
from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"}


class Gateway:
    def __init__(self, inner_app):
        self.inner_app = inner_app
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=inner_app),
                                        base_url="http://inner.internal", timeout=30)

    async def forward(self, method: str, path_qs: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        hdrs = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
        return await self.client.request(method, path_qs, headers=hdrs, content=body)

    async def handle(self, request: Request, method: str, path: str, path_qs: str,
                     headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Override to intercept. Default: pass through."""
        resp = await self.forward(method, path_qs, headers, body)
        return resp.status_code, dict(resp.headers), resp.content

    def out_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}

    def asgi(self) -> Starlette:
        gw = self

        async def endpoint(request: Request):
            body = await request.body()
            path = request.url.path
            path_qs = path + (("?" + request.url.query) if request.url.query else "")
            status, headers, content = await gw.handle(request, request.method, path, path_qs,
                                                       dict(request.headers), body)
            return Response(content, status_code=status, headers=gw.out_headers(headers))

        return Starlette(routes=[Route("/{path:path}", endpoint,
                                       methods=["GET", "POST", "DELETE", "PUT", "PATCH"])])


def loads(content: bytes):
    try:
        return json.loads(content)
    except ValueError:
        return None
