"""Conformant: 429 windows of ~2 s with Retry-After given as an HTTP-date."""
import math
import time
from email.utils import formatdate

from base import ChatService, build
from ratelimit import BurstLimiter, rate_limited

KIND = "conformant"
RATIONALE = ("CDN-fronted API: every 5th request of a key opens a window ending on a whole second ~2 s later; "
             "refused requests get 429 with `Retry-After: <IMF-fixdate>` (the HTTP-date form), after which "
             "requests succeed.")
SOURCE = "RFC 9110 §10.2.3 Retry-After = HTTP-date / delay-seconds"


class DateLimitedService(ChatService):
    def __init__(self, api_keys):
        super().__init__(api_keys)
        self.limiter = BurstLimiter(every=5, window=2.0)

    def admit(self, request, tenant):
        key = request.headers.get("authorization", "")
        left = self.limiter.check(key)
        if left is None and key in self.limiter.until and self.limiter.until[key] > time.time():
            # align the window end to a whole second so the HTTP-date is exact
            self.limiter.until[key] = float(math.ceil(self.limiter.until[key]))
        if left is not None:
            end = math.ceil(self.limiter.until[key])
            raise rate_limited({"retry-after": formatdate(end, usegmt=True)})


def create_app(api_keys: dict[str, str]):
    return build(DateLimitedService, api_keys)
