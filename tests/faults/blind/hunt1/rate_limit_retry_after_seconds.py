"""Conformant: after every 7 requests of a key, a 1.5 s window of 429 answers with Retry-After in seconds."""
import math

from base import ChatService, build
from ratelimit import BurstLimiter, rate_limited

KIND = "conformant"
RATIONALE = ("Per-key token bucket: every 7th admitted request opens a 1.5 s window in which requests are refused "
             "with 429 and `Retry-After: <seconds>`; retrying after that delay succeeds. Rate limiting is "
             "outside what the page specifies and the answer says how long to wait.")
SOURCE = "RFC 9110 §10.2.3 Retry-After (delay-seconds); OpenAI rate limits guide (429 Too Many Requests)"


class SecondsLimitedService(ChatService):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.limiter = BurstLimiter(every=7, window=1.5)

    def admit(self, request, tenant):
        left = self.limiter.check(request.headers.get("authorization", ""))
        if left is not None:
            raise rate_limited({"retry-after": str(max(1, math.ceil(left)))})


def create_app(api_keys: dict[str, str]):
    return build(SecondsLimitedService, api_keys)
