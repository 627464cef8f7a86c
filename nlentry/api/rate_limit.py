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

When Redis cannot be reached, requests are not refused for it: a time
tracker that cannot store time because its rate-limit store is down fails
the people it is for. Hits are counted in this process's memory instead
(limits per worker, as without Redis), a warning is logged, and Redis is
tried again ``REDIS_RETRY_SECONDS`` later, not on every request. Each call to
Redis gives up after ``REDIS_TIMEOUT_SECONDS``, so an unreachable host
holds a worker that long at most, once per retry.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, Storage, storage_from_string

from nlentry.limits import DEFAULT_RATE_LIMIT_PER_MINUTE

logger = logging.getLogger("nlentry.api")

DEFAULT_PER_MINUTE = DEFAULT_RATE_LIMIT_PER_MINUTE
REDIS_TIMEOUT_SECONDS = 0.5
REDIS_RETRY_SECONDS = 5.0
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
        if self.storage_uri == "memory://":
            self.storage: Storage = MemoryStorage()
            self._fallback: Storage | None = None
        else:
            self.storage = storage_from_string(
                storage_uri, socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )  # fmt: skip
            self._fallback = MemoryStorage()  # while the storage cannot be reached
        self._retry_at = 0.0  # monotonic time before which the fallback counts
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
            count, expiry = self._count(storage_key, window)
            now = time.time()
            # Redis reports whole seconds of TTL: keep the end within this window.
            reset_at = min(max(expiry, now), now + window)
            result = self._result(count, reset_at, now)
            if not result.allowed:
                if len(self._refused) >= _MAX_REFUSED:
                    self._refused = {k: end for k, end in self._refused.items() if end > now}
                self._refused[key] = reset_at
        return result

    def _count(self, storage_key: str, window: int) -> tuple[int, float]:
        """The key's count after this hit and its window's end, from the storage in use."""
        if self._fallback is None:
            return self._count_in(self.storage, storage_key, window)
        if time.monotonic() >= self._retry_at:
            try:
                return self._count_in(self.storage, storage_key, window)
            except self.storage.base_exceptions as error:
                self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
                where = urlsplit(self.storage_uri)  # no password in the log
                logger.warning("rate limits counted in this process: %s:%s unreachable (%s); "
                               "trying again in %g s", where.hostname, where.port, error,
                               REDIS_RETRY_SECONDS)  # fmt: skip
        return self._count_in(self._fallback, storage_key, window)

    @staticmethod
    def _count_in(storage: Storage, storage_key: str, window: int) -> tuple[int, float]:
        return storage.incr(storage_key, window), storage.get_expiry(storage_key)

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
            if self._fallback is not None:
                self._fallback.reset()


__all__ = ["DEFAULT_PER_MINUTE", "RateLimitResult", "RateLimiter"]
