"""Shared helper: fixed windows of 429 answers after every N requests of an API key. Not a server."""
from __future__ import annotations

import time

from base import APIError


class BurstLimiter:
    def __init__(self, every: int, window: float):
        self.every, self.window = every, window
        self.count: dict[str, int] = {}
        self.until: dict[str, float] = {}

    def check(self, key: str) -> float | None:
        """Return None to admit, or the seconds left in the current refusal window."""
        t = time.time()
        if self.until.get(key, 0) > t:
            return self.until[key] - t
        n = self.count.get(key, 0) + 1
        self.count[key] = n
        if n % self.every == 0:
            self.until[key] = t + self.window
        return None


def rate_limited(headers: dict[str, str]) -> APIError:
    return APIError(429, "Rate limit reached for requests. Please try again shortly.", type="requests",
                    code="rate_limit_exceeded", headers=headers)
