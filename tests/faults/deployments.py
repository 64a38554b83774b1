"""Targets as they are deployed: the reference server behind what real deployments of the
endpoint ask of a client beyond `Authorization: Bearer KEY` (conformance.access).

- AzureStyleDeployment: Azure OpenAI's preview API behind Cloudflare AI Gateway: the key in
  an `api-key` header (the bare key), `api-version` on every request, and the gateway's own
  `cf-aig-authorization` token; a request without any of them is refused, as the real ones
  are (401 for a missing or wrong key or token, 404 for a missing api-version).
- EchoingDeployment: the same, putting every request header and the URL it was sent to in
  each object it answers, and storing 17 pairs: a failing case's transcript then holds every
  secret the run sent, and the run must still write none.
- NoModelLoaded: a gateway with no model loaded (the yunshu gateway, see
  shared/notes/real-peer-yunshu.md): every create answers 503 unless it asks for
  `"max_tokens": 0`, and an update carrying that field is refused as the reference refuses
  any field but metadata.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from conformance.reference.app import ApiError, ReferenceApi
from conformance.reference.store import Record

API_VERSION = "2024-10-21"
# The gateway's token: a canary, greppable in everything a run writes.
GATEWAY_TOKEN = "cfaig-canary-7f3e9a1c5b2d4e6f8091a2b3c4d5e6f7"
CREATE_FIELD = ("max_tokens", 0)


class AzureStyleDeployment(ReferenceApi):
    """`api-key: KEY`, `?api-version=2024-10-21` and `cf-aig-authorization: Bearer TOKEN` on
    every request, or a refusal."""

    def authenticate(self, request: Request) -> str:
        if request.headers.get("cf-aig-authorization") != f"Bearer {GATEWAY_TOKEN}":
            raise ApiError(401, "AI Gateway: missing or invalid cf-aig-authorization.")
        if request.query_params.get("api-version") != API_VERSION:
            raise ApiError(404, "Resource not found: a supported api-version is required.")
        key = request.headers.get("api-key", "").strip()
        if not key:
            raise ApiError(401, "Access denied due to missing subscription key.")
        tenant = self.keys.get(key)
        if tenant is None:
            raise ApiError(401, "Access denied due to invalid subscription key.")
        return tenant


class EchoingDeployment(AzureStyleDeployment):
    """Echoes the request's headers and URL in every object, and stores 17 pairs."""

    seen: dict[str, str]

    def authenticate(self, request: Request) -> str:
        self.seen = {**request.headers, "url": str(request.url)}
        return super().authenticate(request)

    def render(self, record: Record) -> dict[str, Any]:
        return {"echo": self.seen, **super().render(record)}

    def check_pair_count(self, metadata: dict[str, Any]) -> None:
        return None


class NoModelLoaded(ReferenceApi):
    """503 to a create without `"max_tokens": 0`, the only create it can answer."""

    def validate_create(self, body: Any) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
        name, value = CREATE_FIELD
        if isinstance(body, dict) and body.get(name) != value:
            raise ApiError(503, "No model loaded.", type="server_error", code="service_unavailable")
        return super().validate_create(body)
