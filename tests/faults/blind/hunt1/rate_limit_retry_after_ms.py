"""Conformant: 429 windows of 1.2 s announced with `retry-after-ms` and x-ratelimit-* headers."""
import math

from base import ChatService, build
from ratelimit import BurstLimiter, rate_limited

KIND = "conformant"
RATIONALE = ("Every 6th request of a key opens a 1.2 s refusal window; 429 answers carry `retry-after-ms` "
             "(honoured by the official OpenAI SDKs) and `x-ratelimit-*` headers, without a Retry-After header.")
SOURCE = "openai-python/openai-node retry logic reads the `retry-after-ms` header; OpenAI x-ratelimit-* headers"


class MsLimitedService(ChatService):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.limiter = BurstLimiter(every=6, window=1.2)

    def admit(self, request, tenant):
        left = self.limiter.check(request.headers.get("authorization", ""))
        if left is not None:
            raise rate_limited({"retry-after-ms": str(max(1, math.ceil(left * 1000))),
                                "x-ratelimit-limit-requests": "6",
                                "x-ratelimit-remaining-requests": "0",
                                "x-ratelimit-reset-requests": f"{left:.2f}s"})


def create_app(api_keys: dict[str, str]):
    return build(MsLimitedService, api_keys)
