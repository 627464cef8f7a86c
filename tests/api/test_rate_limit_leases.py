"""Leases on Redis: a token allowed many requests counts them in blocks, never past its
amount (``nlentry.api.limit_counts.RedisCounts``); small amounts stay exact, hit by hit."""

from __future__ import annotations

import asyncio

from nlentry.api.limit_counts import LEASE_SHARE, MAX_LEASE, lease_size
from nlentry.api.rate_limit import RateLimiter
from tests.api.test_rate_limit import redis_url, unique_key  # noqa: F401 - the fixture


def counting_calls(limiter: RateLimiter) -> list[int]:
    """The script calls the limiter's storage makes from now on (their key counts)."""
    storage = limiter._storage()
    calls: list[int] = []
    real = storage.script

    async def counted(**kwargs):
        calls.append(len(kwargs["keys"]))
        return await real(**kwargs)

    storage.script = counted
    return calls


def test_the_lease_size_follows_the_smallest_amount():
    assert lease_size([120, 10]) == 1  # the default: every hit counted in Redis
    assert lease_size([2 * LEASE_SHARE - 1]) == 1
    assert lease_size([2 * LEASE_SHARE, 10**6]) == 2
    assert lease_size([10**9, 10**9]) == MAX_LEASE


def test_a_large_limit_costs_a_round_trip_a_lease_not_a_hit(redis_url):  # noqa: F811
    # windows of a minute and an hour: the 769 hits cannot outlast one on a slow machine
    limiter = RateLimiter("100000/hour;50000/minute", storage_uri=redis_url)
    key = unique_key()
    size = lease_size([100_000, 50_000])

    async def run():
        calls = counting_calls(limiter)
        results = [await limiter.hit(key) for _ in range(3 * size + 1)]
        count = await limiter._storage().client.get("LIMITS:" + limiter.items[0].key_for(key))
        return calls, results, int(count)

    calls, results, count = asyncio.run(run())
    assert all(r.allowed for r in results)
    assert len(calls) == 4  # 3 * size + 1 hits: four leases
    assert count == 4 * size  # Redis counted the leases: ahead of the hits, never behind
    # the per-minute item is the tighter one: each hit is told its place in the window
    assert [r.remaining for r in results[:3]] == [50_000 - 1, 50_000 - 2, 50_000 - 3]


def test_two_processes_leasing_one_token_never_pass_its_amount(redis_url):  # noqa: F811
    """Two limiters (two workers) taking turns on one token until it is refused: no more
    than the amount is allowed, and at most one lease of the other fewer."""
    amount = 200 * LEASE_SHARE
    first = RateLimiter(f"{amount}/minute", storage_uri=redis_url)
    second = RateLimiter(f"{amount}/minute", storage_uri=redis_url)
    key = unique_key()
    size = lease_size([amount])

    async def run():
        allowed = 0
        for n in range(amount + 3 * size):
            allowed += (await (first if n % 2 else second).hit(key)).allowed
        return allowed, await first.hit(key), await second.hit(key)

    allowed, refused, refused_too = asyncio.run(run())
    assert amount - size <= allowed <= amount
    assert not refused.allowed and not refused_too.allowed
    assert 1 <= refused.retry_after <= 60


def test_concurrent_hits_share_one_lease_and_a_take_back_returns_to_it(redis_url):  # noqa: F811
    limiter = RateLimiter("100000/minute", storage_uri=redis_url)
    key = unique_key()

    async def run():
        calls = counting_calls(limiter)
        results = await asyncio.gather(*[limiter.hit(key) for _ in range(50)])
        await limiter.take_back(key)
        after = await limiter.hit(key)
        return calls, results, after

    calls, results, after = asyncio.run(run())
    assert len(calls) == 1  # the first hit asked for the lease; the others waited for it
    assert sorted(r.remaining for r in results) == list(range(100_000 - 50, 100_000))
    assert after.remaining == 100_000 - 50  # the hit taken back was handed out again


def test_small_limits_are_still_counted_hit_by_hit(redis_url):  # noqa: F811
    limiter = RateLimiter("120/minute;10/second", storage_uri=redis_url)
    key = unique_key()

    async def run():
        calls = counting_calls(limiter)
        results = [await limiter.hit(key) for _ in range(12)]
        return calls, results

    calls, results = asyncio.run(run())
    assert len(calls) == 11  # each hit its round trip (the 12th is known refused: memory)
    assert sum(r.allowed for r in results) == 10


def test_hits_waiting_for_a_lease_that_fails_fail_with_it_in_one_try(redis_url):  # noqa: F811
    """Redis fails while a lease is asked for: every hit waiting for it learns at once
    (and is counted in memory), not one try after another, 0.5 s each."""
    limiter = RateLimiter("100000/minute", storage_uri=redis_url)
    key = unique_key()

    async def run():
        storage = limiter._storage()
        tries = []

        async def failing(*args):
            tries.append(args)
            await asyncio.sleep(0.01)
            raise ConnectionError("redis went away")

        storage._count = failing
        return tries, await asyncio.gather(*[limiter.hit(key) for _ in range(20)])

    tries, results = asyncio.run(run())
    assert len(tries) == 1
    assert all(r.allowed for r in results) and not limiter._redis_ready()


def test_a_lease_asked_for_by_a_request_that_went_away_is_kept(redis_url):  # noqa: F811
    limiter = RateLimiter("100000/minute", storage_uri=redis_url)
    key = unique_key()

    async def run():
        calls = counting_calls(limiter)
        first = asyncio.ensure_future(limiter.hit(key))
        await asyncio.sleep(0)
        first.cancel()  # its request went away while the lease was under way
        await asyncio.sleep(0.2)
        after = [await limiter.hit(key) for _ in range(5)]
        return calls, after

    calls, after = asyncio.run(run())
    assert len(calls) == 1  # the lease was kept: the later hits took no round trip
    assert [r.remaining for r in after] == [100_000 - n for n in range(1, 6)]
