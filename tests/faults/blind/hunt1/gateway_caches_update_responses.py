"""Fault: an LLM gateway's response cache (keyed on path + body) also answers metadata updates."""
import hashlib
import time

from base import ChatService, build
from gateway import Gateway, loads

KIND = "fault"
RATIONALE = ("Response cache of an LLM gateway applies to every POST under /v1/chat/completions* (route "
             "prefix), keyed on key + path + body, bypassed only for `store: true` creates; repeating an "
             "earlier update body (A, then B, then A again) returns the cached answer and never reaches the "
             "store, which keeps B.")
SOURCE = "LLM proxy response caching keyed on request body (e.g. LiteLLM/Portkey 'simple cache' modes)"
VIOLATES = "Modify a stored chat completion."

TTL = 600.0


class CachingGateway(Gateway):
    def __init__(self, inner):
        super().__init__(inner)
        self.cache = {}

    async def handle(self, request, method, path, path_qs, headers, body):
        body_obj = loads(body) if body else None
        cacheable = (method == "POST" and path.startswith("/v1/chat/completions")
                     and not (isinstance(body_obj, dict) and body_obj.get("store") is True))
        key = None
        if cacheable:
            key = hashlib.sha256(b"|".join([headers.get("authorization", "").encode(), path_qs.encode(),
                                            body])).hexdigest()
            hit = self.cache.get(key)
            if hit and hit[0] > time.monotonic():
                status, hdrs, content = hit[1]
                return status, dict(hdrs, **{"x-cache": "HIT"}), content
        resp = await self.forward(method, path_qs, headers, body)
        out = (resp.status_code, dict(resp.headers), resp.content)
        if key and resp.status_code == 200:
            self.cache[key] = (time.monotonic() + TTL, out)
        return out


def create_app(api_keys: dict[str, str]):
    return CachingGateway(build(ChatService, api_keys)).asgi()
