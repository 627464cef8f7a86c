"""The per-token rate limiter (a ``limits`` expression), in memory and on a real Redis server.

``RateLimiter.hit`` is awaited on the event loop; each test runs its hits in
``asyncio.run``. Counting in memory needs no I/O, no timer thread and no task.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from nlentry.api.limit_counts import MemoryCounts
from nlentry.api.rate_limit import (
    DEFAULT_RATE_LIMIT,
    RateLimiter,
    RateLimitResult,
    parse_rate_limit,
    rate_limit_from_env,
)


def unique_key() -> str:
    return f"token:{uuid.uuid4().hex}"


def hits(limiter: RateLimiter, key: str, times: int = 1) -> list[RateLimitResult]:
    async def run():
        return [await limiter.hit(key) for _ in range(times)]

    return asyncio.run(run())


def hit(limiter: RateLimiter, key: str) -> RateLimitResult:
    return hits(limiter, key)[0]


class Clock:
    """A stopped clock for a limiter: moves only when told."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_default_is_a_minute_and_a_second():
    assert DEFAULT_RATE_LIMIT == "120/minute;10/second"
    limiter = RateLimiter()
    assert [(item.amount, item.get_expiry()) for item in limiter.items] == [(10, 1), (120, 60)]


def test_the_121st_hit_in_a_minute_is_refused():
    limiter = RateLimiter("120/minute")
    key = unique_key()
    results = hits(limiter, key, 121)
    assert all(result.allowed for result in results[:120])
    assert [result.remaining for result in results[:3]] == [119, 118, 117]
    assert results[119].remaining == 0
    refused = results[120]
    assert refused.allowed is False
    assert refused.limit == 120
    assert refused.remaining == 0
    assert 1 <= refused.retry_after <= 60
    assert refused.reset >= time.time()
    assert hit(limiter, key).allowed is False


def test_a_bare_number_is_requests_a_minute():
    assert RateLimiter(5).expression == RateLimiter("5").expression == "5 per 1 minute"
    result = hit(RateLimiter(5), unique_key())
    assert (result.limit, result.remaining) == (5, 4)


def test_an_allowed_hit_has_no_retry_after_and_a_reset_within_the_minute():
    limiter = RateLimiter("5/minute")
    before = time.time()
    result = hit(limiter, unique_key())
    assert result == RateLimitResult(
        allowed=True, limit=5, remaining=4, reset=result.reset, retry_after=0
    )
    assert before < result.reset <= before + 61


def test_keys_are_counted_independently():
    limiter = RateLimiter("3/minute")
    first, second = unique_key(), unique_key()
    assert all(result.allowed for result in hits(limiter, first, 3))
    assert not hit(limiter, first).allowed
    fresh = hit(limiter, second)
    assert fresh.allowed and fresh.remaining == 2


def test_the_window_reopens_after_a_minute():
    clock = Clock()
    limiter = RateLimiter("2/minute")
    limiter.clock = clock
    key = unique_key()
    assert hit(limiter, key).allowed
    clock.now += 30
    assert hit(limiter, key).allowed
    refused = hit(limiter, key)
    assert not refused.allowed
    assert refused.reset == 1_000_060
    assert refused.retry_after == 30
    clock.now += 31
    reopened = hit(limiter, key)
    assert reopened.allowed and reopened.remaining == 1


def test_every_item_is_counted_and_the_most_constrained_one_answers():
    clock = Clock()
    limiter = RateLimiter("12/minute;5/second")
    limiter.clock = clock
    key = unique_key()
    first = hits(limiter, key, 6)
    assert [r.allowed for r in first] == [True] * 5 + [False]
    assert [(r.limit, r.remaining) for r in first[:2]] == [(5, 4), (5, 3)]  # the second's
    assert first[5].retry_after == 1 and first[5].limit == 5
    clock.now += 1
    second = hits(limiter, key, 6)
    # the refused hit used none of the minute: 10 of 12 after this second
    assert [r.allowed for r in second] == [True] * 5 + [False]
    assert [(r.limit, r.remaining) for r in second[:5]] == [(5, 4), (5, 3), (5, 2), (5, 1), (5, 0)]
    clock.now += 1
    third = hits(limiter, key, 3)
    assert [r.allowed for r in third] == [True, True, False]
    assert [(r.limit, r.remaining) for r in third[:2]] == [(12, 1), (12, 0)]  # the minute's now
    refused = third[2]
    assert (refused.limit, refused.remaining) == (12, 0)  # the minute refused it
    assert refused.retry_after == 58 and refused.reset == 1_000_060
    clock.now += 30
    assert not hit(limiter, key).allowed  # still the minute's window, remembered


def test_expressions_are_read_by_limits_and_bad_ones_stop_the_start():
    items = parse_rate_limit("1000 per hour; 10/second, 100/minute")
    assert [item.get_expiry() for item in items] == [1, 60, 3600]  # the shortest first
    for bad in ("", "fast", "10/fortnight", "0/minute", "-1"):
        with pytest.raises(ValueError, match="NLENTRY_RATE_LIMIT"):
            RateLimiter(bad)
    assert rate_limit_from_env({}) == DEFAULT_RATE_LIMIT
    assert rate_limit_from_env({"NLENTRY_RATE_LIMIT": " 5/second "}) == "5/second"
    with pytest.raises(ValueError, match="'ten'"):
        rate_limit_from_env({"NLENTRY_RATE_LIMIT": "ten"})


def test_headers_of_an_allowed_hit():
    limiter = RateLimiter("10/minute")
    result = hit(limiter, unique_key())
    assert limiter.headers(result) == {
        "X-RateLimit-Limit": "10",
        "X-RateLimit-Remaining": "9",
        "X-RateLimit-Reset": str(result.reset),
    }


def test_headers_of_a_refused_hit_add_retry_after():
    limiter = RateLimiter("1/minute")
    key = unique_key()
    result = hits(limiter, key, 2)[1]
    headers = limiter.headers(result)
    assert headers["X-RateLimit-Limit"] == "1"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset"] == str(result.reset)
    assert int(headers["Retry-After"]) == result.retry_after >= 1


def test_counting_in_memory_starts_no_thread_and_no_task():
    """limits' memory storages start a timer thread (or a task walking every key) per hit."""
    limiter = RateLimiter()
    threads = threading.active_count()

    async def run():
        before = len(asyncio.all_tasks())
        for n in range(500):
            await limiter.hit(f"k{n % 7}")
        return len(asyncio.all_tasks()) - before

    assert asyncio.run(run()) == 0
    assert threading.active_count() == threads


def test_memory_counts_are_exact_from_many_threads():
    counts = MemoryCounts()
    now = time.time()

    def count():
        for n in range(200):
            counts.incr(f"k{n % 3}", 60, now)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts.get(f"k{n}", now)[0] for n in range(3)) == 8 * 200


def test_memory_counts_sweep_ended_windows():
    counts = MemoryCounts(min_sweep=100)
    for n in range(100):
        counts.incr(f"old{n}", 1, 0.0)
    counts.incr("new", 60, 10.0)  # the table is full: the ended windows go
    assert len(counts) == 1
    assert counts.get("new", 10.0) == (1, 70.0)


def test_an_unreachable_redis_counts_in_memory_and_warns_once(caplog):
    """Nothing is refused because Redis is down: hits are counted here, Redis tried later."""
    limiter = RateLimiter("3/minute", storage_uri=f"redis://:s3cret@127.0.0.1:{_free_port()}/0")
    with caplog.at_level("WARNING", logger="nlentry.api"):
        results = hits(limiter, "k", 4)
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results[:3]] == [2, 1, 0]
    assert 0 < results[0].reset - time.time() <= 61  # whole seconds, rounded up
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1  # Redis is not tried (nor warned about) on every hit
    assert "127.0.0.1" in warnings[0].getMessage() and "s3cret" not in caplog.text


def test_counting_goes_back_to_the_storage_once_it_answers(monkeypatch):
    limiter = RateLimiter("10/minute", storage_uri=f"redis://127.0.0.1:{_free_port()}/0")

    class Flaky:  # a storage that is down, then answers with its own count
        base_exceptions = ConnectionError
        down = True
        tries = 0

        async def incr(self, keys, periods, amounts):
            self.tries += 1
            if self.down:
                raise ConnectionError("down")
            return [(100 + self.tries, 60.0)]  # far above the limit: its counts are told apart

    flaky = Flaky()
    monkeypatch.setattr(limiter, "_make_storage", lambda: flaky)
    limiter._loop_storage = None
    assert hit(limiter, "k").remaining == 9  # counted in memory
    assert hit(limiter, "k").remaining == 8  # the storage not tried: within the retry delay
    assert flaky.tries == 1
    limiter._retry_at = 0  # the delay is over
    flaky.down = False
    assert not hit(limiter, "k").allowed  # the storage's count again
    assert flaky.tries == 2


def test_a_redis_hit_does_not_block_the_event_loop(monkeypatch):
    """While Redis answers slowly, the loop goes on serving others."""
    limiter = RateLimiter("10/minute", storage_uri=f"redis://127.0.0.1:{_free_port()}/0")
    release = None

    class Slow:
        base_exceptions = ConnectionError

        async def incr(self, keys, periods, amounts):
            await release.wait()
            return [(1, 60.0)]

    monkeypatch.setattr(limiter, "_make_storage", Slow)
    limiter._loop_storage = None

    async def run():
        nonlocal release
        release = asyncio.Event()
        counting = asyncio.create_task(limiter.hit("k"))
        ticks = 0
        for _ in range(5):  # the loop runs other work while the hit waits on the storage
            await asyncio.sleep(0)
            ticks += 1
        assert not counting.done()
        release.set()
        return ticks, await counting

    ticks, result = asyncio.run(run())
    assert ticks == 5 and result.allowed and result.remaining == 9


def test_one_round_trip_counts_every_item_and_stops_at_the_refusing_one(redis_url):
    limiter = RateLimiter("5/minute;2/second", storage_uri=redis_url)
    key = unique_key()

    async def run():
        storage = limiter._storage()
        calls = []
        real = storage.script

        async def counted(**kwargs):
            calls.append(kwargs["keys"])
            return await real(**kwargs)

        storage.script = counted
        results = [await limiter.hit(key) for _ in range(3)]
        return calls, results, await storage.client.get(
            "LIMITS:" + limiter.items[1].key_for(key))

    calls, results, minute_count = asyncio.run(run())
    assert len(calls) == 3 and all(len(keys) == 2 for keys in calls)  # one call per hit
    assert [r.allowed for r in results] == [True, True, False]
    assert (results[2].limit, results[2].retry_after) == (2, 1)
    assert int(minute_count) == 2  # the refused hit was not counted in the minute
    assert 0 < results[0].reset - time.time() <= 2  # the second's window, to the ms


def test_a_storage_uri_that_is_not_redis_is_refused():
    with pytest.raises(ValueError, match="memory or Redis"):
        RateLimiter(storage_uri="memcached://127.0.0.1:11211")


# --- Redis: two limiters (two workers) on one server share the count ---------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_redis(port: int, process: subprocess.Popen, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on port {port} within {timeout} s")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """``NLENTRY_TEST_REDIS_URL`` if set, else a redis-server started here."""
    configured = os.environ.get("NLENTRY_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "the shared rate limit test needs Redis: set NLENTRY_TEST_REDIS_URL or "
            "install redis-server (apt-get install -y redis-server)"
        )
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_redis(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_two_limiters_on_one_redis_share_the_limit(redis_url):
    first = RateLimiter("120/minute", storage_uri=redis_url)
    second = RateLimiter("120/minute", storage_uri=redis_url)
    key = unique_key()

    async def run():
        assert await first._storage().check() and await second._storage().check()
        results = [await (first if n % 2 else second).hit(key) for n in range(120)]
        return results, await first.hit(key), await second.hit(key), await second.hit(
            unique_key())

    results, refused, refused_too, other = asyncio.run(run())
    assert all(result.allowed for result in results)
    assert results[-1].remaining == 0
    assert not refused.allowed
    assert 1 <= refused.retry_after <= 60
    assert not refused_too.allowed
    assert other.allowed and other.remaining == 119


def test_every_item_is_shared_on_redis_and_concurrent_hits_are_exact(redis_url):
    """Hits awaited at once from two limiters (two workers) on one loop: each counted once."""
    first = RateLimiter("30/minute;20/second", storage_uri=redis_url)
    second = RateLimiter("30/minute;20/second", storage_uri=redis_url)
    key = unique_key()

    async def run():
        return await asyncio.gather(*[(first if n % 2 else second).hit(key) for n in range(25)])

    results = asyncio.run(run())
    assert sum(result.allowed for result in results) == 20
    refused = [result for result in results if not result.allowed]
    assert len(refused) == 5 and all(r.limit == 20 and r.retry_after == 1 for r in refused)


def test_a_limiter_used_from_another_event_loop_opens_its_own_connections(redis_url):
    """A test client runs each request on a new loop: the counts go on in Redis."""
    limiter = RateLimiter("3/minute", storage_uri=redis_url)
    key = unique_key()
    assert [hit(limiter, key).remaining for _ in range(3)] == [2, 1, 0]  # three loops
    assert not hit(limiter, key).allowed


def test_hits_made_during_a_round_trip_go_together_and_stay_exact(redis_url):
    """25 hits at once on one limiter: fewer script calls than hits, each hit counted once,
    each told its own count."""
    limiter = RateLimiter("30/minute;20/second", storage_uri=redis_url)
    key, other = unique_key(), unique_key()

    async def run():
        storage = limiter._storage()
        calls = []
        real = storage.script

        async def counted(**kwargs):
            calls.append(len(kwargs["keys"]))
            return await real(**kwargs)

        storage.script = counted
        results = await asyncio.gather(*[limiter.hit(key if n < 25 else other)
                                         for n in range(27)])  # fmt: skip
        return calls, results

    calls, results = asyncio.run(run())
    assert len(calls) < 27 and sum(calls) == 2 * 27  # both items of every hit, in fewer calls
    mine = results[:25]
    assert sorted(r.remaining for r in mine if r.allowed) == list(range(20))  # 19 .. 0, once
    assert sum(not r.allowed for r in mine) == 5
    assert all(r.allowed and r.remaining == 19 - n for n, r in enumerate(results[25:]))


def test_a_hit_given_up_by_its_request_leaves_the_others_counted(redis_url):
    limiter = RateLimiter("100/minute", storage_uri=redis_url)
    key = unique_key()

    async def run():
        first = asyncio.ensure_future(limiter.hit(key))
        others = [asyncio.ensure_future(limiter.hit(key)) for _ in range(5)]
        await asyncio.sleep(0)
        first.cancel()  # its request went away while the round trip was under way
        done = await asyncio.wait_for(asyncio.gather(*others), timeout=30)
        return done, await limiter.hit(key)

    done, after = asyncio.run(run())
    assert all(r.allowed for r in done)
    assert after.remaining == 100 - 7  # the cancelled hit was sent, so it counts


def test_hits_go_on_after_redis_forgets_the_script_and_drops_the_connection(redis_url):
    """SCRIPT FLUSH (a Redis restarted empty) and CLIENT KILL (a dropped connection):
    the next hits are counted in Redis all the same, none falls back to memory."""
    limiter = RateLimiter("50/minute", storage_uri=redis_url)
    key = unique_key()

    async def run():
        storage = limiter._storage()
        first = await limiter.hit(key)
        await storage.client.script_flush()
        second = await limiter.hit(key)
        await storage.client.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        after_kill = [await limiter.hit(key) for _ in range(3)]
        count = await storage.client.get("LIMITS:" + limiter.items[0].key_for(key))
        return first, second, after_kill, int(count), limiter._redis_ready()

    first, second, after_kill, count, redis_ready = asyncio.run(run())
    assert (first.remaining, second.remaining) == (49, 48)
    assert [hit.remaining for hit in after_kill] == [47, 46, 45]
    assert count == 5 and redis_ready  # every hit counted in Redis, no fallback to memory
