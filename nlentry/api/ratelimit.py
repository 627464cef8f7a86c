"""Per-token rate limits: a fixed one-minute window per key.

Counts live in this process's memory by default, which is right for one
worker. Given a storage URI (``redis://host:6379/0``, as ``NLENTRY_REDIS_URL``
holds), they live in Redis, so every worker and machine on that URL shares
one count per key: the 121st request in a minute is refused whichever
worker takes it.

A window opens at a key's first hit and lasts sixty seconds. A hit costs
one increment that also tells the window's end: a dict update under a lock
in memory, one round trip (a Lua script: ``INCR``, ``PEXPIRE`` on the first,
``PTTL``) on Redis. Its count is exact under concurrent hits, because the
increment returns it. Once a key is refused, each limiter remembers it until
its window ends and refuses it again without counting: the window cannot
reopen before then, so the answer is the same, and a flood costs no round
trips.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

DEFAULT_PER_MINUTE = 120
WINDOW_SECONDS = 60
_NAMESPACE = "nlentry:ratelimit:"
_MAX_REFUSED = 10_000  # remembered refusals before the expired ones are swept


@dataclass(frozen=True)
class RateLimitResult:
    """The outcome of one hit."""

    allowed: bool
    limit: int
    remaining: int  # hits left in this window, never below 0
    reset: int  # epoch seconds at which the window ends
    retry_after: int  # seconds to wait: >= 1 when refused, 0 when allowed


class Counter(Protocol):
    def incr(self, key: str, window: float) -> tuple[int, float]:
        """Count a hit of ``key``: the window's count and its end (epoch seconds)."""

    def check(self) -> bool:
        """Whether the storage answers."""

    def reset(self) -> None:
        """Forget every count."""


class MemoryCounter:
    """Counts in this process; an expired window is dropped when next hit or swept."""

    def __init__(self, sweep_every: int = 10_000):
        self._windows: dict[str, list] = {}  # key -> [count, end]
        self._lock = threading.Lock()
        self._sweep_every = sweep_every
        self._hits = 0

    def incr(self, key: str, window: float) -> tuple[int, float]:
        now = time.time()
        with self._lock:
            self._hits += 1
            if self._hits % self._sweep_every == 0:
                self._sweep(now)
            counted = self._windows.get(key)
            if counted is None or counted[1] <= now:
                counted = self._windows[key] = [0, now + window]
            counted[0] += 1
            return counted[0], counted[1]

    def _sweep(self, now: float) -> None:
        for key in [key for key, (_, end) in self._windows.items() if end <= now]:
            del self._windows[key]

    def check(self) -> bool:
        return True

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


_INCR = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


class RedisCounter:
    """Counts in Redis, shared by every process on the same URL."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self._incr = self.client.register_script(_INCR)

    def incr(self, key: str, window: float) -> tuple[int, float]:
        count, ttl_ms = self._incr(keys=[_NAMESPACE + key], args=[int(window * 1000)])
        return int(count), time.time() + int(ttl_ms) / 1000

    def check(self) -> bool:
        try:
            return bool(self.client.ping())
        except Exception:  # noqa: BLE001 - any failure means it does not answer
            return False

    def reset(self) -> None:
        for key in self.client.scan_iter(match=_NAMESPACE + "*", count=1000):
            self.client.delete(key)


class RateLimiter:
    """``per_minute`` hits per key and minute, counted in ``storage_uri`` (memory if None)."""

    def __init__(self, per_minute: int = DEFAULT_PER_MINUTE, storage_uri: str | None = None):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.storage_uri = storage_uri or "memory://"
        self.storage: Counter = (
            MemoryCounter() if self.storage_uri.startswith("memory:") else RedisCounter(storage_uri)
        )
        self._refused: dict[str, float] = {}  # key -> end of the window it is refused in

    def hit(self, key: str) -> RateLimitResult:
        """Count one request for ``key`` and say whether it may proceed."""
        now = time.time()
        refused_until = self._refused.get(key)
        if refused_until is not None and refused_until > now:
            return self._result(self.per_minute + 1, refused_until, now)
        count, reset_at = self.storage.incr(key, WINDOW_SECONDS)
        now = time.time()
        reset_at = min(max(reset_at, now), now + WINDOW_SECONDS)
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
        self._refused.clear()
        self.storage.reset()


__all__ = ["DEFAULT_PER_MINUTE", "RateLimitResult", "RateLimiter"]
