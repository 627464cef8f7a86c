"""What one hit of the token rate limiter costs the event loop, in memory and on Redis.

``limiter_cost`` runs the limiter alone, in this process, with two items as the
default ``120/minute;10/second`` has (the bench's lifted limit, so that every
hit is counted in both): in memory, CPU per hit for a thousand tokens; on a
throwaway ``redis-server`` on loopback (when installed), a hit's round trip is
awaited, so the loop's own CPU per hit stays small while a ticker on the same
loop keeps ticking (its longest gap is printed: a blocking client would stall
it for every round trip). On Redis it measures the default limit itself (small
amounts: every hit a round trip, a thousand tokens) and the lifted limit on ten
busy tokens (large amounts: counted in leases, ``limit_counts.RedisCounts``).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from bench_servers import LIFTED_RATE_LIMIT, REPO, free_port


def _loop_cost(limiter, keys: int, hits: int, in_flight: int) -> dict:
    """``hits`` hits on ``keys`` tokens, ``in_flight`` at a time, each task yielding to
    the loop between its hits as a server does between requests, beside a 1 ms ticker
    on the same loop: the loop thread's CPU and the wall time per hit, and the
    ticker's longest wait past its millisecond (how long the loop was ever held)."""

    async def run() -> dict:
        stop = asyncio.Event()
        gaps = [0.0]

        async def ticker() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                gaps[0] = max(gaps[0], now - last - 0.001)
                last = now

        async def worker(start: int) -> None:
            for n in range(start, hits, in_flight):
                await limiter.hit(f"token:{n % keys}")
                await asyncio.sleep(0)

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.01)
        cpu, wall = time.thread_time(), time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(in_flight)))
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        stop.set()
        await tick
        return {"cpu_us": cpu / hits * 1e6, "wall_us": wall / hits * 1e6,
                "max_stall_ms": gaps[0] * 1000}

    return asyncio.run(run())


def limiter_cost(hits: int = 20_000, keys: int = 1_000) -> dict:
    """The per-hit cost of the token limiter on the event loop, in memory and on Redis."""
    sys.path.insert(0, str(REPO))
    from nlentry.api.rate_limit import DEFAULT_RATE_LIMIT, RateLimiter

    # the bench's lifted limit: two items like the default, every hit counted in both
    figures = {"expression": LIFTED_RATE_LIMIT, "keys": keys,
               "memory": _loop_cost(RateLimiter(LIFTED_RATE_LIMIT), keys, hits, 1)}  # fmt: skip
    binary = shutil.which("redis-server")
    if binary is None:
        return figures
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="nlentry-bench-redis.") as workdir:
        redis = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", workdir],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or redis.poll() is not None:
                        return figures
                    time.sleep(0.05)
            url = f"redis://127.0.0.1:{port}/0"
            # the default limit: every hit counted in Redis (at most 5 hits a token here)
            limiter = RateLimiter(DEFAULT_RATE_LIMIT, url)
            figures["redis_one"] = _loop_cost(limiter, keys, hits // 10, 1)
            figures["redis_many"] = _loop_cost(limiter, keys, hits // 4, 32)
            # the bench's lifted limit on a few busy tokens: counted in leases
            figures["redis_leased"] = _loop_cost(RateLimiter(LIFTED_RATE_LIMIT, url), 10,
                                                 hits // 4, 32)  # fmt: skip
        finally:
            redis.terminate()
            redis.wait(timeout=10)
    return figures


def limiter_text(figures: dict) -> list[str]:
    memory = figures["memory"]
    lines = [(f"rate limiter ({figures['expression']}, {figures['keys']} tokens) on the event "
              f"loop: in memory {memory['cpu_us']:.1f} us CPU/hit, the loop never held longer "
              f"than {memory['max_stall_ms']:.2f} ms")]  # fmt: skip
    one, many = figures.get("redis_one"), figures.get("redis_many")
    leased = figures.get("redis_leased")
    if one is None or many is None or leased is None:
        lines.append("  (no redis-server: the Redis figures are left out)")
    else:
        lines.append(f"  on Redis (loopback), the default limit (each hit counted there): a hit "
                     f"takes {one['wall_us']:.0f} us, of which the loop spends "
                     f"{one['cpu_us']:.0f} us CPU (the rest awaited: the loop never held longer "
                     f"than {one['max_stall_ms']:.2f} ms); with 32 hits in flight "
                     f"{many['cpu_us']:.0f} us CPU/hit")  # fmt: skip
        lines.append(f"  on Redis, the lifted limit on 10 busy tokens (counted in leases of "
                     f"256): {leased['cpu_us']:.1f} us CPU/hit with 32 in flight")  # fmt: skip
    return lines
