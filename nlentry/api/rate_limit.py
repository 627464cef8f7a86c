"""Per-token rate limits, and failed logins per client address: fixed one-minute
windows counted by ``limits``.

``LoginLimiter`` counts the failed logins of each client address (default
20 a minute, ``$NLENTRY_LOGIN_FAILURES_PER_MINUTE``) in the same storage as
the token counts; past them, a login from that address is refused before
its token is looked up (``nlentry.api.pipeline``). The rest of this holds
for both.

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
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, Storage, storage_from_string

from nlentry.limits import DEFAULT_RATE_LIMIT_PER_MINUTE

logger = logging.getLogger("nlentry.api")

DEFAULT_PER_MINUTE = DEFAULT_RATE_LIMIT_PER_MINUTE
#: Failed logins an address may make a minute, unless configured.
DEFAULT_LOGIN_FAILURES_PER_MINUTE = 20
LOGIN_FAILURES_ENV = "NLENTRY_LOGIN_FAILURES_PER_MINUTE"
REDIS_TIMEOUT_SECONDS = 0.5
REDIS_RETRY_SECONDS = 5.0
_NAMESPACE = "nlentry"
_LOGIN_NAMESPACE = "nlentry-login"
_MAX_REFUSED = 10_000  # remembered refusals before the expired ones are swept
_T = TypeVar("_T")


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
                self._remember_refusal(key, reset_at, now)
        return result

    def _count(self, storage_key: str, window: int) -> tuple[int, float]:
        """The key's count after this hit and its window's end, from the storage in use."""
        return self._in_storage(lambda storage: self._count_in(storage, storage_key, window))

    def _in_storage(self, operation: Callable[[Storage], _T]) -> _T:
        """``operation(storage)`` on the storage in use: Redis, or this process's
        memory while Redis cannot be reached."""
        if self._fallback is None:
            return operation(self.storage)
        if time.monotonic() >= self._retry_at:
            try:
                return operation(self.storage)
            except self.storage.base_exceptions as error:
                self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
                where = urlsplit(self.storage_uri)  # no password in the log
                logger.warning("rate limits counted in this process: %s:%s unreachable (%s); "
                               "trying again in %g s", where.hostname, where.port, error,
                               REDIS_RETRY_SECONDS)  # fmt: skip
        return operation(self._fallback)

    @staticmethod
    def _count_in(storage: Storage, storage_key: str, window: int) -> tuple[int, float]:
        return storage.incr(storage_key, window), storage.get_expiry(storage_key)

    def _remember_refusal(self, key: str, until: float, now: float) -> None:
        """Refuse ``key`` from memory until ``until`` (the end of its window)."""
        if len(self._refused) >= _MAX_REFUSED:
            self._refused = {k: end for k, end in self._refused.items() if end > now}
        self._refused[key] = until

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


class LoginLimiter(RateLimiter):
    """Failed logins per client address: once ``per_minute`` of them fall in one window,
    every further login from that address is refused until the window ends.

    A window opens at an address's first failure. ``refusal`` is asked before
    a token is looked up and counts nothing; ``failed`` counts a lookup that
    found no live token. Counts live where the per-token limits live (this
    process, or Redis shared by every worker), with the same fallback to
    memory while Redis cannot be reached, and a refused address is refused
    again from memory until its window ends.
    """

    def __init__(
        self, per_minute: int = DEFAULT_LOGIN_FAILURES_PER_MINUTE, storage_uri: str | None = None
    ):
        super().__init__(per_minute, storage_uri)
        self.item = RateLimitItemPerMinute(per_minute, namespace=_LOGIN_NAMESPACE)

    def refusal(self, address: str, *, ask_storage: bool = True) -> RateLimitResult | None:
        """The refusal of a login from ``address`` when its failures have reached the
        limit, else None. Counts nothing. Without ``ask_storage`` only what this process
        already knows is asked (no storage round trip: for the event loop)."""
        key = _login_key(address)
        now = time.time()
        refused_until = self._refused.get(key)
        if refused_until is not None and refused_until > now:
            return self._result(self.per_minute + 1, refused_until, now)
        if not ask_storage:
            return None
        storage_key = self.item.key_for(key)
        window = self.item.get_expiry()
        with self._storage_lock:
            count, expiry = self._in_storage(
                lambda storage: (storage.get(storage_key), storage.get_expiry(storage_key))
            )
            if count < self.per_minute:
                return None
            now = time.time()
            reset_at = min(max(expiry, now), now + window)
            self._remember_refusal(key, reset_at, now)
        return self._result(self.per_minute + 1, reset_at, now)

    def failed(self, address: str) -> None:
        """Count one failed login from ``address``."""
        key = _login_key(address)
        storage_key = self.item.key_for(key)
        window = self.item.get_expiry()
        with self._storage_lock:
            count, expiry = self._count(storage_key, window)
            if count >= self.per_minute:  # the next login from there is refused
                now = time.time()
                self._remember_refusal(key, min(max(expiry, now), now + window), now)

    @staticmethod
    def headers(result: RateLimitResult) -> dict[str, str]:
        """``Retry-After`` of a refusal (the ``X-RateLimit-*`` headers are the token's)."""
        return {"Retry-After": str(max(1, result.retry_after))}


def _login_key(address: str) -> str:
    return f"login:{address}"


def login_failures_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """``$NLENTRY_LOGIN_FAILURES_PER_MINUTE`` (a positive integer), else the default."""
    value = environ.get(LOGIN_FAILURES_ENV, "").strip()
    if not value:
        return DEFAULT_LOGIN_FAILURES_PER_MINUTE
    try:
        per_minute = int(value)
    except ValueError:
        per_minute = 0
    if per_minute < 1:
        raise ValueError(f"{LOGIN_FAILURES_ENV} must be a whole number of at least 1, "
                         f"not {value!r}")  # fmt: skip
    return per_minute


__all__ = [
    "DEFAULT_LOGIN_FAILURES_PER_MINUTE",
    "DEFAULT_PER_MINUTE",
    "LOGIN_FAILURES_ENV",
    "LoginLimiter",
    "RateLimitResult",
    "RateLimiter",
    "login_failures_from_env",
]
