"""Per-token rate limits: a fixed one-minute window counted by ``limits``.

Counts live in this process's memory by default, which is right for one
worker. Given a storage URI (``redis://host:6379/0``, as ``NLENTRY_REDIS_URL``
holds), they live in Redis, so every worker and machine on that URL shares
one count per key: the 121st request in a minute is refused whichever
worker takes it.

A window opens at a key's first hit and lasts sixty seconds. A hit costs
one atomic increment (``INCR`` and ``EXPIRE`` in one Lua call on Redis) and
one expiry lookup; its count is exact under concurrent hits, because the
increment returns it. A key once refused is refused again from memory until
its window ends, so a flood from one token costs no storage round trips.

Hits come from the event loop and from worker threads (a token new to the
worker is counted once the database has confirmed it), and they reach the
storage one at a time: ``limits``' memory storage is not safe to call from
two threads at once (two hits can both start its expiry timer, and the second
``start`` raises).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string

DEFAULT_PER_MINUTE = 120
_NAMESPACE = "nlentry"
_MAX_REFUSED = 10_000  # remembered refusals before the expired ones are swept


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
        self._refused: dict[str, float] = {}  # key -> end of the window it is refused in
        self._storage_lock = threading.Lock()  # one hit at a time reaches the storage

    def hit(self, key: str) -> RateLimitResult:
        """Count one request for ``key`` and say whether it may proceed."""
        now = time.time()
        refused_until = self._refused.get(key)
        if refused_until is not None and refused_until > now:
            return self._result(self.per_minute + 1, refused_until, now)
        storage_key = self.item.key_for(key)
        window = self.item.get_expiry()
        with self._storage_lock:
            count = self.storage.incr(storage_key, window)
            expiry = self.storage.get_expiry(storage_key)
            now = time.time()
            # Redis reports whole seconds of TTL: keep the end within this window.
            reset_at = min(max(expiry, now), now + window)
            result = self._result(count, reset_at, now)
            if not result.allowed:
                if len(self._refused) >= _MAX_REFUSED:
                    self._refused = {k: end for k, end in self._refused.items() if end > now}
                self._refused[key] = reset_at
        return result

    def _result(self, count: int, reset_at: float, now: float) -> RateLimitResult:
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
        with self._storage_lock:
            self._refused.clear()
            self.storage.reset()


__all__ = ["DEFAULT_PER_MINUTE", "RateLimitResult", "RateLimiter"]
