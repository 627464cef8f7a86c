"""Per-token rate limits, and failed logins per client address, counted in fixed windows.

The per-token limit is a ``limits`` expression (``$NLENTRY_RATE_LIMIT``;
default ``120/minute;10/second``, Timedash's minute and Timetracker's burst):
each of its items is counted per token, and a request past any of them is
refused ``429``. A bare number is that many requests a minute. A window opens
at a key's first hit and lasts the item's period. A hit is counted in the
items from the shortest period up and stops at the first that refuses it, so
a burst refused by the second does not use up the minute. The answer's
``X-RateLimit-*`` headers are those of the most constrained item: the one that
refused, else the one with the fewest hits left (the shorter on a tie).

``LoginLimiter`` counts the failed logins of each client address (default
20 a minute, ``$NLENTRY_LOGIN_FAILURES_PER_MINUTE``) where the token counts
live; past them, a login from that address is refused before its token is
looked up (``nlentry.api.pipeline``).

Counts live in this process's memory by default, which is right for one
worker. Given a storage URI (``redis://host:6379/0``, as ``NLENTRY_REDIS_URL``
holds), they live in Redis, so every worker and machine on that URL shares
one count per key: the 121st request in a minute is refused whichever
worker takes it. A hit costs one atomic increment per item (``INCR`` and
``EXPIRE`` in Lua on Redis: for a token every item in one call, for a login
one call and an expiry lookup); its count is exact under concurrent hits,
because the increment returns it. A key once
refused is refused again from memory until its window ends, so a flood from
one token costs no storage round trips.

Counting a token never blocks the event loop it runs on
(``nlentry.api.pipeline`` awaits ``RateLimiter.hit`` there):

* in memory (``MemoryCounts``) a hit is a dict lookup and an addition under a
  lock held for nothing else: no I/O, no timer thread, no task (``limits``'
  memory storages start a timer thread, or a task that walks every key, on
  every hit); expired windows are swept as the table grows;
* on Redis (``RedisCounts``, on ``redis.asyncio``) a hit is an awaited round
  trip, so the loop serves other requests meanwhile: one Lua call counts
  every item (in the keys ``limits`` would use) and returns the counts and
  the windows' ends, and the hits that arrive while a call is under way go
  together in the next one. That takes less than half the loop's CPU that
  ``limits.aio``'s Redis storage takes for the same hit (a call per item and a
  ``TTL``: three round trips for the default). Where every item allows many
  hits, they are counted in leases, a block at a time (``RedisCounts``: a
  round trip per lease, not per hit; never past an amount). Its connections belong to one event loop: a
  limiter used from another loop (a test client runs one per request) opens
  its own for that loop.

Failed logins are counted in worker threads, beside the token lookup that
failed, never on the event loop (which only asks ``LoginLimiter.refusal``
what this process already knows): they reach Redis through ``limits``'
synchronous storage.

When Redis cannot be reached, requests are not refused for it: a time
tracker that cannot store time because its rate-limit store is down fails
the people it is for. Hits are counted in this process's memory instead
(limits per worker, as without Redis), a warning is logged, and Redis is
tried again ``REDIS_RETRY_SECONDS`` later, not on every request. Each call to
Redis gives up after ``REDIS_TIMEOUT_SECONDS``, so an unreachable host
delays the requests of that moment that long at most, once per retry.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from limits import RateLimitItem, RateLimitItemPerMinute, parse_many
from limits.storage import Storage, storage_from_string

from nlentry.api.limit_counts import REDIS_TIMEOUT_SECONDS, MemoryCounts, RedisCounts
from nlentry.limits import DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT_PER_MINUTE

logger = logging.getLogger("nlentry.api")

#: The variable holding the per-token limit, a ``limits`` expression.
RATE_LIMIT_ENV = "NLENTRY_RATE_LIMIT"
DEFAULT_PER_MINUTE = DEFAULT_RATE_LIMIT_PER_MINUTE
#: Failed logins an address may make a minute, unless configured.
DEFAULT_LOGIN_FAILURES_PER_MINUTE = 20
LOGIN_FAILURES_ENV = "NLENTRY_LOGIN_FAILURES_PER_MINUTE"
REDIS_RETRY_SECONDS = 5.0
MEMORY = "memory://"
_NAMESPACE = "nlentry"
_LOGIN_NAMESPACE = "nlentry-login"
_MAX_REFUSED = 10_000  # remembered refusals before the expired ones are swept
_REDIS_SCHEMES = ("redis", "rediss")


@dataclass(frozen=True)
class RateLimitResult:
    """The outcome of one hit, for the most constrained item."""

    allowed: bool
    limit: int
    remaining: int  # hits left in this window, never below 0
    reset: int  # epoch seconds at which the window ends
    retry_after: int  # seconds to wait: >= 1 when refused, 0 when allowed


def parse_rate_limit(
    expression: str | int, *, namespace: str = _NAMESPACE
) -> tuple[RateLimitItem, ...]:
    """The items of a ``limits`` expression (``"120/minute;10/second"``), the shortest
    period first; a bare number is that many a minute. ``ValueError`` saying what is
    wrong for anything else, or for an item that allows no request at all."""
    text = str(expression).strip()
    if text.isdigit():
        text += "/minute"
    try:
        items = parse_many(text)
    except ValueError:
        items = []
    if not items:
        raise ValueError(
            f"{RATE_LIMIT_ENV} must be a limits expression such as {DEFAULT_RATE_LIMIT!r} "
            f"(items like '10/second', '120/minute' or '1000 per hour', separated by ';'), "
            f"not {expression!r}"
        )
    for item in items:
        if item.amount < 1:
            raise ValueError(f"{RATE_LIMIT_ENV}: {item} allows no request at all "
                             f"(in {expression!r})")  # fmt: skip
    made = [type(item)(item.amount, item.multiples, namespace=namespace) for item in items]
    return tuple(sorted(made, key=lambda item: item.get_expiry()))


def rate_limit_from_env(environ: Mapping[str, str] = os.environ) -> str:
    """``$NLENTRY_RATE_LIMIT`` (checked: ``ValueError`` when it is no expression), else the
    default."""
    value = environ.get(RATE_LIMIT_ENV, "").strip() or DEFAULT_RATE_LIMIT
    parse_rate_limit(value)
    return value


def _window_end(expiry: float, period: float, now: float) -> float:
    """The end of a window Redis reported (whole seconds of TTL): kept within the period."""
    return min(max(expiry, now), now + period)


class _Counter:
    """What both limiters share: where they count, remembered refusals, Redis's fallback."""

    def __init__(self, storage_uri: str | None):
        self.storage_uri = storage_uri or MEMORY
        if self.storage_uri != MEMORY and urlsplit(self.storage_uri).scheme not in _REDIS_SCHEMES:
            raise ValueError(f"rate limits are counted in memory or Redis, not at "
                             f"{urlsplit(self.storage_uri).scheme}://")  # fmt: skip
        self.memory = MemoryCounts()  # the counts; with Redis, while it cannot be reached
        self.clock: Callable[[], float] | None = None  # None: time.time; a test may stop it
        self._retry_at = 0.0  # monotonic time before which memory counts instead of Redis
        self._refused: dict[str, tuple[float, int]] = {}  # key -> (end of its window, limit)

    def now(self) -> float:
        """The time windows are counted in (epoch seconds)."""
        return time.time() if self.clock is None else self.clock()

    @property
    def uses_redis(self) -> bool:
        return self.storage_uri != MEMORY

    def _redis_ready(self) -> bool:
        return self.uses_redis and time.monotonic() >= self._retry_at

    def _redis_down(self, error: BaseException) -> None:
        self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
        where = urlsplit(self.storage_uri)  # no password in the log
        logger.warning("rate limits counted in this process: %s:%s unreachable (%s); "
                       "trying again in %g s", where.hostname, where.port, error,
                       REDIS_RETRY_SECONDS)  # fmt: skip

    def _known_refusal(self, key: str, now: float) -> RateLimitResult | None:
        """The refusal of ``key`` remembered from earlier in its window, if any."""
        refused = self._refused.get(key)
        if refused is None or refused[0] <= now:
            return None
        return _refusal(refused[1], refused[0], now)

    def _remember_refusal(self, key: str, until: float, limit: int, now: float) -> None:
        """Refuse ``key`` from memory until ``until`` (the end of its window)."""
        if len(self._refused) >= _MAX_REFUSED:
            self._refused = {k: v for k, v in self._refused.items() if v[0] > now}
        self._refused[key] = (until, limit)


def _refusal(limit: int, end: float, now: float) -> RateLimitResult:
    return RateLimitResult(allowed=False, limit=limit, remaining=0, reset=math.ceil(end),
                           retry_after=max(1, math.ceil(end - now)))  # fmt: skip


class RateLimiter(_Counter):
    """Each item of the ``limit`` expression per key, counted in ``storage_uri``
    (memory if None); ``hit`` is awaited on the event loop."""

    def __init__(self, limit: str | int = DEFAULT_RATE_LIMIT, storage_uri: str | None = None):
        super().__init__(storage_uri)
        self.items = parse_rate_limit(limit)
        self._loop_storage: tuple[Any, Any] | None = None  # (event loop, its Redis storage)
        if self.uses_redis:  # a URI the client cannot read stops the start, not a request
            self._loop_storage = (None, self._make_storage())

    @property
    def expression(self) -> str:
        """The limit, as a ``limits`` expression."""
        return ";".join(f"{item.amount} per {item.multiples} {item.GRANULARITY.name}"
                        for item in self.items)  # fmt: skip

    def _make_storage(self) -> Any:
        return RedisCounts(self.storage_uri)

    def _storage(self) -> Any:
        """The Redis storage of the running event loop, or None: count in memory."""
        if not self._redis_ready():
            return None
        loop = asyncio.get_running_loop()
        held = self._loop_storage
        if held is None or held[0] is not loop:
            storage = held[1] if held is not None and held[0] is None else self._make_storage()
            self._loop_storage = held = (loop, storage)
        return held[1]

    async def hit(self, key: str) -> RateLimitResult:
        """Count one request for ``key`` and say whether it may proceed."""
        now = self.now()
        known = self._known_refusal(key, now)
        if known is not None:
            return known
        storage = self._storage()
        if storage is not None:
            try:
                return await self._hit_in(storage, key)
            except storage.base_exceptions as error:
                self._redis_down(error)
        return self._hit_in_memory(key, self.now())

    async def take_back(self, key: str) -> None:
        """Uncount one request of ``key`` (a ``304``: an answer the client already had)."""
        storage = self._storage()
        keys = [item.key_for(key) for item in self.items]
        if storage is not None:
            try:
                await storage.decr(keys)
                return
            except storage.base_exceptions as error:
                self._redis_down(error)
        now = self.now()
        for one in keys:
            self.memory.decr(one, now)

    def _hit_in_memory(self, key: str, now: float) -> RateLimitResult:
        best: tuple[RateLimitItem, int, float] | None = None
        for item in self.items:
            count, end = self.memory.incr(item.key_for(key), item.get_expiry(), now)
            if count > item.amount:
                return self._refuse(key, item, end, now)
            if best is None or item.amount - count < best[0].amount - best[1]:
                best = (item, count, end)
        assert best is not None
        return _allowed(*best)

    async def _hit_in(self, storage: Any, key: str) -> RateLimitResult:
        items = self.items
        counted = await storage.incr([item.key_for(key) for item in items],
                                     [item.get_expiry() for item in items],
                                     [item.amount for item in items])  # fmt: skip
        now = self.now()
        best: tuple[RateLimitItem, int, float] | None = None
        for item, (count, left) in zip(items, counted, strict=False):
            end = _window_end(now + left, item.get_expiry(), now)
            if count > item.amount:
                return self._refuse(key, item, end, now)
            if best is None or item.amount - count < best[0].amount - best[1]:
                best = (item, count, end)
        assert best is not None
        return _allowed(*best)

    def _refuse(self, key: str, item: RateLimitItem, end: float, now: float) -> RateLimitResult:
        self._remember_refusal(key, end, item.amount, now)
        return _refusal(item.amount, end, now)

    @staticmethod
    def headers(result: RateLimitResult) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers for ``result``, and ``Retry-After`` when refused."""
        headers = {
            "X-RateLimit-Limit": str(result.limit),
            "X-RateLimit-Remaining": str(result.remaining),
            "X-RateLimit-Reset": str(result.reset),
        }
        if not result.allowed:
            headers["Retry-After"] = str(max(1, result.retry_after))
        return headers

    async def reset(self) -> None:
        """Forget every count of this limiter (for tests and tools)."""
        self._refused.clear()
        self.memory.reset()
        storage = self._storage()
        if storage is not None:
            await storage.reset(_NAMESPACE)


def _allowed(item: RateLimitItem, count: int, end: float) -> RateLimitResult:
    return RateLimitResult(allowed=True, limit=item.amount, remaining=max(0, item.amount - count),
                           reset=math.ceil(end), retry_after=0)  # fmt: skip


def _exceptions(storage: Any) -> tuple[type[BaseException], ...]:
    found = storage.base_exceptions
    return found if isinstance(found, tuple) else (found,)


class LoginLimiter(_Counter):
    """Failed logins per client address: once ``per_minute`` of them fall in one window,
    every further login from that address is refused until the window ends.

    A window opens at an address's first failure. ``refusal`` is asked before
    a token is looked up and counts nothing; ``failed`` counts a lookup that
    found no live token. Both are called from worker threads (``refusal``
    also from the event loop, with ``ask_storage=False``: then it asks only
    this process's memory). Counts live where the per-token limits live (this
    process, or Redis shared by every worker), with the same fallback to
    memory while Redis cannot be reached, and a refused address is refused
    again from memory until its window ends.
    """

    def __init__(
        self, per_minute: int = DEFAULT_LOGIN_FAILURES_PER_MINUTE, storage_uri: str | None = None
    ):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        super().__init__(storage_uri)
        self.per_minute = per_minute
        self.item = RateLimitItemPerMinute(per_minute, namespace=_LOGIN_NAMESPACE)
        self.storage: Storage | None = None
        if self.uses_redis:
            self.storage = storage_from_string(
                self.storage_uri, socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )  # fmt: skip

    def _in_storage(self, in_redis: Callable[[Storage], tuple[int, float]],
                    in_memory: Callable[[], tuple[int, float]]) -> tuple[int, float]:  # fmt: skip
        """``in_redis(storage)`` while Redis answers, else ``in_memory()``."""
        if self.storage is not None and self._redis_ready():
            try:
                return in_redis(self.storage)
            except (*_exceptions(self.storage), OSError, TimeoutError) as error:
                self._redis_down(error)
        return in_memory()

    def refusal(self, address: str, *, ask_storage: bool = True) -> RateLimitResult | None:
        """The refusal of a login from ``address`` when its failures have reached the
        limit, else None. Counts nothing. Without ``ask_storage`` only what this process
        already knows is asked (no storage round trip: for the event loop)."""
        key = _login_key(address)
        now = self.now()
        known = self._known_refusal(key, now)
        if known is not None or not ask_storage:
            return known
        storage_key = self.item.key_for(key)
        count, end = self._in_storage(
            lambda storage: (storage.get(storage_key), storage.get_expiry(storage_key)),
            lambda: self.memory.get(storage_key, now),
        )
        if count < self.per_minute:
            return None
        now = self.now()
        end = _window_end(end, self.item.get_expiry(), now)
        self._remember_refusal(key, end, self.per_minute, now)
        return _refusal(self.per_minute, end, now)

    def failed(self, address: str) -> None:
        """Count one failed login from ``address``."""
        key = _login_key(address)
        storage_key = self.item.key_for(key)
        window = self.item.get_expiry()
        now = self.now()
        count, end = self._in_storage(
            lambda storage: (storage.incr(storage_key, window), storage.get_expiry(storage_key)),
            lambda: self.memory.incr(storage_key, window, now),
        )
        if count >= self.per_minute:  # the next login from there is refused
            now = self.now()
            self._remember_refusal(key, _window_end(end, window, now), self.per_minute, now)

    @staticmethod
    def headers(result: RateLimitResult) -> dict[str, str]:
        """``Retry-After`` of a refusal (the ``X-RateLimit-*`` headers are the token's)."""
        return {"Retry-After": str(max(1, result.retry_after))}

    def reset(self) -> None:
        """Forget every count of this limiter (for tests and tools)."""
        self._refused.clear()
        self.memory.reset()
        if self.storage is not None:
            self.storage.reset()


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
    "DEFAULT_RATE_LIMIT",
    "LOGIN_FAILURES_ENV",
    "RATE_LIMIT_ENV",
    "LoginLimiter",
    "RateLimitResult",
    "RateLimiter",
    "login_failures_from_env",
    "parse_rate_limit",
    "rate_limit_from_env",
]
