"""An API gateway in front of the service with a per-key fixed window of 1 s."""
import time
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service, ApiError  # noqa: E402

KIND = "conformant"
RATIONALE = ("Kong/Envoy-style local rate limit: 5 requests per key per 1-second window, then "
             "429 with Retry-After: 1 and x-ratelimit-* headers in OpenAI's error shape; a "
             "client that waits gets through.")
SOURCE = "https://platform.openai.com/docs/guides/rate-limits"

LIMIT = 5
WINDOW = 1.0


class RateLimitedService(Service):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.windows = {}

    def wrap(self, handler):
        inner = super().wrap(handler)

        async def endpoint(request):
            auth = request.headers.get("authorization", "")
            key = auth.partition(" ")[2].strip()
            if key in self.api_keys:
                now = time.monotonic()
                start, count = self.windows.get(key, (now, 0))
                if now - start >= WINDOW:
                    start, count = now, 0
                count += 1
                self.windows[key] = (start, count)
                if count > LIMIT:
                    reset = max(0.0, WINDOW - (now - start))
                    return self.error_response(ApiError(
                        429, f"Rate limit reached for requests: limit {LIMIT} per "
                        f"{WINDOW:g}s. Please try again in {reset:.2f}s.", type_="requests",
                        code="rate_limit_exceeded",
                        headers={"retry-after": "1",
                                 "x-ratelimit-limit-requests": str(LIMIT),
                                 "x-ratelimit-remaining-requests": "0",
                                 "x-ratelimit-reset-requests": f"{reset:.2f}s"}))
            return await inner(request)
        return endpoint


def create_app(api_keys):
    return RateLimitedService(api_keys).app()
