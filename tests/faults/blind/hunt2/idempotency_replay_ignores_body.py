"""Idempotency middleware on the update route fingerprints method + path, not the body."""
import time
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from starlette.responses import Response  # noqa: E402
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Retry-safety layer caches successful POST /chat/completions/{id} answers for 3 s "
             "keyed by (key, path, Idempotency-Key header) - with no header every update of "
             "the same completion within 3 s is answered from the cache and not applied.")
SOURCE = "https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/ (fingerprint must cover the payload)"
VIOLATES = "Modify a stored chat completion."

WINDOW = 3.0


class IdempotentService(Service):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.replays = {}

    async def h_update(self, request):
        tenant = self.authenticate(request)
        key = (tenant, request.url.path, request.headers.get("idempotency-key"))
        now = time.monotonic()
        hit = self.replays.get(key)
        if hit and now - hit[0] < WINDOW:
            return Response(hit[2], status_code=hit[1], media_type="application/json",
                            headers={"idempotent-replayed": "true"})
        resp = await super().h_update(request)
        if 200 <= resp.status_code < 300:
            self.replays[key] = (now, resp.status_code, resp.body)
        return resp


def create_app(api_keys):
    return IdempotentService(api_keys).app()
