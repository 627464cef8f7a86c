"""Per-token rate limits: a fixed one-minute window counted by ``limits``.

Counts live in memory by default, which is right for one worker. Given a
storage URI (``redis://host:6379/0``, as ``NLENTRY_REDIS_URL`` holds), they
live in Redis, so every worker and machine on that URL shares one count per
key: the 121st request in a minute is refused whichever worker takes it.

A hit costs one atomic increment (``INCR`` and ``EXPIRE`` in one Lua call on
Redis) and one expiry lookup. The window opens at a key's first hit and
lasts sixty seconds; its count is exact even under concurrent hits, because
the increment returns it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string

DEFAULT_PER_MINUTE = 120
_NAMESPACE = "nlentry"


@dataclass(frozen=True)
class RateLimitResult:
    """The outcome of one hit."""

    allowed: bool
    limit: int
    remaining: int  # hits left in this window, never below 0
    reset: int  # epoch seconds at which the window ends
    retry_after: int  # seconds to wait: >= 1 when refused, 0 when allowed


class RateLimiter:
    """``per_minute`` hits per key and minute, counted in ``storage_uri`` (memory if None)."""

    def __init__(self, per_minute: int = DEFAULT_PER_MINUTE, storage_uri: str | None = None):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.storage_uri = storage_uri or "memory://"
        self.storage: Storage = storage_from_string(self.storage_uri)
        self.item = RateLimitItemPerMinute(per_minute, namespace=_NAMESPACE)

    def hit(self, key: str) -> RateLimitResult:
        """Count one request for ``key`` and say whether it may proceed."""
        storage_key = self.item.key_for(key)
        count = self.storage.incr(storage_key, self.item.get_expiry())
        now = time.time()
        # Redis reports whole seconds of TTL: keep the end within this window.
        window = self.item.get_expiry()
        reset_at = min(max(self.storage.get_expiry(storage_key), now), now + window)
        allowed = count <= self.per_minute
        return RateLimitResult(
            allowed=allowed,
            limit=self.per_minute,
            remaining=max(0, self.per_minute - count),
            reset=math.ceil(reset_at),
            retry_after=0 if allowed else max(1, math.ceil(reset_at - now)),
        )

    def headers(self, result: RateLimitResult) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers for ``result``, and ``Retry-After`` when refused."""
        headers = {
            "X-RateLimit-Limit": str(result.limit),
            "X-RateLimit-Remaining": str(result.remaining),
            "X-RateLimit-Reset": str(result.reset),
        }
        if not result.allowed:
            headers["Retry-After"] = str(max(1, result.retry_after))
        return headers

    def reset(self) -> None:
        """Forget every count in this limiter's storage (for tests and tools)."""
        self.storage.reset()


__all__ = ["DEFAULT_PER_MINUTE", "RateLimitResult", "RateLimiter"]
