"""Where rate-limit windows are counted: this process's memory, or Redis from the event loop.

``MemoryCounts`` is a dict of fixed windows behind a lock; ``RedisCounts`` counts the
same windows in Redis, in the keys ``limits`` uses, without blocking the event loop.
``nlentry.api.rate_limit`` decides what is counted where and what the counts mean.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

#: Each call to Redis gives up after this long.
REDIS_TIMEOUT_SECONDS = 0.5
#: limits' prefix of its Redis keys: the token counts are laid out as limits lays them.
_REDIS_PREFIX = "LIMITS:"
#: The share of an item's amount one lease takes at most (see ``RedisCounts``) ...
LEASE_SHARE = 64
#: ... and the most hits one lease holds.
MAX_LEASE = 256
#: Hits, all items, one round trip: for each hit (ARGV: its key count n, how many hits
#: it counts ``by``, n periods in ms, n amounts; its n keys next in KEYS) each key
#: counted (INCRBY; its window opened by the first hit, PEXPIRE) until the first with
#: none of its ``by`` hits under its amount; per hit, how many keys were counted, then
#: each one's count and ms left.
_HIT_SCRIPT = """
local out = {}
local k, a = 0, 1
while a <= #ARGV do
  local n, by = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  out[#out + 1] = 0
  local at, counted = #out, 0
  for i = 1, n do
    local key = KEYS[k + i]
    local count = redis.call('incrby', key, by)
    if count == by then redis.call('pexpire', key, ARGV[a + 1 + i]) end
    out[#out + 1] = count
    out[#out + 1] = redis.call('pttl', key)
    counted = i
    if count - by >= tonumber(ARGV[a + 1 + n + i]) then break end
  end
  out[at] = counted
  k, a = k + n, a + 2 + 2 * n
end
return out
"""
#: Decrement a count that still has a window (never below 0, never creating a key).
_TAKE_BACK_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  redis.call('DECR', KEYS[1])
end
return 0
"""


class MemoryCounts:
    """Fixed windows in this process's memory: key -> [hits, end of the window].

    Safe from any thread; no I/O, no timer, no task. A window that has ended
    starts again at the key's next hit; ended windows of other keys are swept
    when a new key finds the table twice as large as after the last sweep.
    """

    def __init__(self, min_sweep: int = 10_000) -> None:
        self._windows: dict[str, list[Any]] = {}
        self._lock = threading.Lock()
        self._min_sweep = min_sweep  # keys before the first sweep
        self._sweep_at = min_sweep

    def incr(self, key: str, period: float, now: float) -> tuple[int, float]:
        """Count one hit of ``key``: its count in the window, and the window's end."""
        with self._lock:
            window = self._windows.get(key)
            if window is None or window[1] <= now:
                if window is None and len(self._windows) >= self._sweep_at:
                    self._sweep(now)
                window = self._windows[key] = [0, now + period]
            window[0] += 1
            return window[0], window[1]

    def decr(self, key: str, now: float) -> None:
        """Take back one hit of ``key`` in its current window (none: nothing)."""
        with self._lock:
            window = self._windows.get(key)
            if window is not None and window[1] > now and window[0] > 0:
                window[0] -= 1

    def get(self, key: str, now: float) -> tuple[int, float]:
        """The hits of ``key`` in its window and the window's end (0 and ``now``: none)."""
        window = self._windows.get(key)
        if window is None or window[1] <= now:
            return 0, now
        return window[0], window[1]

    def _sweep(self, now: float) -> None:
        self._windows = {key: window for key, window in self._windows.items() if window[1] > now}
        self._sweep_at = max(self._min_sweep, 2 * len(self._windows))

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def __len__(self) -> int:
        return len(self._windows)


def _retrieved(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()


def lease_size(amounts: list[int]) -> int:
    """Hits one lease of keys with these amounts takes: 1 (no lease: each hit counted in
    Redis) unless every amount is at least ``2 * LEASE_SHARE``."""
    return max(1, min(MAX_LEASE, min(amounts) // LEASE_SHARE))


class _Lease:
    """Hits of one token's keys counted in Redis ahead, for this process to hand out."""

    __slots__ = ("counts", "ends", "left", "used")

    def __init__(self, counts: list[int], ends: list[float], left: int):
        self.counts = counts  # each key's count in Redis before the lease's hits
        self.ends = ends  # each window's end (the loop's clock)
        self.left = left  # hits still to hand out
        self.used = 0

    def open(self, now: float) -> bool:
        """Whether every window the lease was counted in is still open at ``now``."""
        return now < min(self.ends)

    def live(self, now: float) -> bool:
        """Whether it still has hits to hand out, in open windows."""
        return self.left > 0 and self.open(now)


class RedisCounts:
    """Fixed windows in Redis, for the event loop: hits awaited, counted in round trips.

    A hit made while no round trip is under way is sent at once; the hits made
    while one is under way wait for it and then go together, in one script
    call (``_flush``). Under load a round trip counts many hits for the CPU of
    one call (redis-py's cost per command, not Redis's, is what a busy worker
    pays), and each count stays exact: the script counts the hits one after
    another, atomically.

    A round trip costs the loop 50 µs of CPU at least (the system calls; with
    redis-py about 100 µs), whoever makes it, and a token allowed thousands of
    requests would pay it on every one. So where every item's amount is
    large (at least ``2 * LEASE_SHARE``), a hit that finds no lease counts a
    *lease* in Redis instead: ``lease_size`` hits at once (at most 1/64 of the
    smallest amount, at most ``MAX_LEASE``), which this process then hands
    out to the token's next hits without a round trip, until they are used
    up or the shortest window ends. The count in Redis is then ahead of the
    hits made by at most one lease per process: nothing is ever allowed past
    an amount, and a token's last hits of a window may be refused while
    another process still holds some of its lease (at most ``LEASE_SHARE``-th of
    the amount per other process). Small amounts, the default
    ``120/minute;10/second`` among them, are counted hit by hit, exactly.
    """

    def __init__(self, uri: str):
        try:
            import redis.asyncio
            import redis.exceptions
        except ImportError:  # pragma: no cover - the redis extra is not installed
            raise ValueError("rate limits in Redis need the redis package: "
                             "pip install 'nlentry[redis]'") from None  # fmt: skip
        self.client = redis.asyncio.Redis.from_url(
            uri, socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )  # fmt: skip
        self.script = self.client.register_script(_HIT_SCRIPT)
        self.base_exceptions: tuple[type[BaseException], ...] = (
            redis.exceptions.RedisError, OSError, TimeoutError)  # fmt: skip
        self._waiting: list[tuple[list[str], list[int], asyncio.Future]] = []
        self._leases: dict[tuple[str, ...], _Lease] = {}
        self._leasing: dict[tuple[str, ...], asyncio.Task] = {}  # leases under way (held)
        self._flushing = False
        self._flusher: asyncio.Task | None = None  # held, so that it is not collected

    async def incr(self, keys: list[str], periods: list[float],
                   amounts: list[int]) -> list[tuple[int, float]]:  # fmt: skip
        """Count one hit in each of ``keys`` (stopping after the first over its amount):
        ``(count, seconds left in its window)`` for each key counted."""
        size = lease_size(amounts)
        if size == 1:
            return await self._count(keys, periods, amounts, 1)
        token = tuple(keys)
        loop = asyncio.get_running_loop()
        while True:
            lease, now = self._leases.get(token), loop.time()
            if lease is not None and lease.live(now):  # no round trip
                lease.left -= 1
                lease.used += 1
                return [(count + lease.used, end - now)
                        for count, end in zip(lease.counts, lease.ends, strict=True)]  # fmt: skip
            leasing = self._leasing.get(token)
            if leasing is None:  # a task of its own: the lease is kept if this hit is cancelled
                leasing = self._leasing[token] = loop.create_task(
                    self._lease(token, keys, periods, amounts, size))
                leasing.add_done_callback(_retrieved)  # no warning if every hit went away
            refused = await asyncio.shield(leasing)  # its error, if it failed, is every hit's
            if refused is not None:  # none of the lease fits: each waiting hit is refused
                return refused

    async def _lease(self, token: tuple[str, ...], keys: list[str], periods: list[float],
                     amounts: list[int], size: int) -> list[tuple[int, float]] | None:
        """Count a lease of ``size`` hits of ``keys`` in Redis and keep it for the hits
        that follow: None, or the counts of a refusal."""
        try:
            started = asyncio.get_running_loop().time()  # the windows end no later than this
            counted = await self._count(keys, periods, amounts, size)
            if len(counted) < len(keys):  # refused by an item before the last
                return counted
            granted = min(min(size, amount - (count - size))
                          for (count, _), amount in zip(counted, amounts, strict=True))  # fmt: skip
            if granted <= 0:  # refused by the last (none of the lease fits)
                return counted
            self._leases[token] = _Lease([count - size for count, _ in counted],
                                         [started + left for _, left in counted], granted)
            if len(self._leases) > 4 * MAX_LEASE:  # ended leases go as the table grows
                self._leases = {key: one for key, one in self._leases.items()
                                if one.live(started)}  # fmt: skip
            return None
        finally:
            del self._leasing[token]

    async def _count(self, keys: list[str], periods: list[float], amounts: list[int],
                     by: int) -> list[tuple[int, float]]:  # fmt: skip
        args = [len(keys), by, *(max(1, round(period * 1000)) for period in periods), *amounts]
        done = asyncio.get_running_loop().create_future()
        self._waiting.append(([_REDIS_PREFIX + key for key in keys], args, done))
        if not self._flushing:  # a task of its own: a request cancelled leaves it be
            self._flushing = True
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        return await done

    async def _flush(self) -> None:
        """Send the waiting hits, one script call at a time, until none wait."""
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    flat = await self.script(keys=[key for keys, _, _ in batch for key in keys],
                                             args=[arg for _, args, _ in batch for arg in args])
                except BaseException as error:  # every hit of the call learns of it
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                at = 0
                for _, _, done in batch:
                    counted, at = int(flat[at]), at + 1
                    result = [(int(flat[i]), max(int(flat[i + 1]), 0) / 1000)
                              for i in range(at, at + 2 * counted, 2)]  # fmt: skip
                    at += 2 * counted
                    if not done.done():
                        done.set_result(result)
        finally:
            self._flushing = False

    async def decr(self, keys: list[str]) -> None:
        """Take back one hit of each of ``keys`` (a key whose window ended stays gone; a
        hit of a lease goes back to the lease)."""
        lease = self._leases.get(tuple(keys))
        if lease is not None and lease.used and lease.open(asyncio.get_running_loop().time()):
            lease.left += 1
            lease.used -= 1
            return
        async with self.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.eval(_TAKE_BACK_SCRIPT, 1, _REDIS_PREFIX + key)
            await pipe.execute()

    async def check(self) -> bool:
        return bool(await self.client.ping())

    async def reset(self, namespace: str) -> None:
        """Remove every count in ``namespace``."""
        async for key in self.client.scan_iter(match=f"{_REDIS_PREFIX}{namespace}/*"):
            await self.client.delete(key)
