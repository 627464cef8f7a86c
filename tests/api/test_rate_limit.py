"""The per-token rate limiter, in memory and on a real Redis server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from nlentry.api.rate_limit import RateLimiter, RateLimitResult


def unique_key() -> str:
    return f"token:{uuid.uuid4().hex}"


def test_the_121st_hit_in_a_minute_is_refused():
    limiter = RateLimiter()
    key = unique_key()
    results = [limiter.hit(key) for _ in range(121)]
    assert all(result.allowed for result in results[:120])
    assert [result.remaining for result in results[:3]] == [119, 118, 117]
    assert results[119].remaining == 0
    refused = results[120]
    assert refused.allowed is False
    assert refused.limit == 120
    assert refused.remaining == 0
    assert 1 <= refused.retry_after <= 60
    assert refused.reset >= time.time()
    assert limiter.hit(key).allowed is False


def test_an_allowed_hit_has_no_retry_after_and_a_reset_within_the_minute():
    limiter = RateLimiter(per_minute=5)
    before = time.time()
    result = limiter.hit(unique_key())
    assert result == RateLimitResult(
        allowed=True, limit=5, remaining=4, reset=result.reset, retry_after=0
    )
    assert before < result.reset <= before + 61


def test_keys_are_counted_independently():
    limiter = RateLimiter(per_minute=3)
    first, second = unique_key(), unique_key()
    for _ in range(3):
        assert limiter.hit(first).allowed
    assert not limiter.hit(first).allowed
    fresh = limiter.hit(second)
    assert fresh.allowed and fresh.remaining == 2


def test_the_window_reopens_after_a_minute(monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    limiter = RateLimiter(per_minute=2)
    key = unique_key()
    assert limiter.hit(key).allowed
    clock[0] += 30
    assert limiter.hit(key).allowed
    refused = limiter.hit(key)
    assert not refused.allowed
    assert refused.reset == 1_000_060
    assert refused.retry_after == 30
    clock[0] += 31
    reopened = limiter.hit(key)
    assert reopened.allowed and reopened.remaining == 1


def test_headers_of_an_allowed_hit():
    limiter = RateLimiter(per_minute=10)
    result = limiter.hit(unique_key())
    assert limiter.headers(result) == {
        "X-RateLimit-Limit": "10",
        "X-RateLimit-Remaining": "9",
        "X-RateLimit-Reset": str(result.reset),
    }


def test_headers_of_a_refused_hit_add_retry_after():
    limiter = RateLimiter(per_minute=1)
    key = unique_key()
    limiter.hit(key)
    result = limiter.hit(key)
    headers = limiter.headers(result)
    assert headers["X-RateLimit-Limit"] == "1"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset"] == str(result.reset)
    assert int(headers["Retry-After"]) == result.retry_after >= 1


def test_hits_from_many_threads_reach_the_storage_one_at_a_time():
    """limits' memory storage is not thread-safe (its expiry timer can be started twice)."""
    limiter = RateLimiter(per_minute=1_000)
    storage = limiter.storage
    inside, most = [], [0]

    class Watched:
        def __getattr__(self, name):
            return getattr(storage, name)

        def incr(self, *args, **kwargs):
            inside.append(1)
            most[0] = max(most[0], len(inside))
            time.sleep(0.001)  # a slow storage call: others arrive meanwhile
            try:
                return storage.incr(*args, **kwargs)
            finally:
                inside.pop()

    limiter.storage = Watched()
    threads = [threading.Thread(target=lambda i=i: [limiter.hit(f"k{i % 3}") for _ in range(20)])
               for i in range(8)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    assert sum(limiter.hit(f"k{i}").remaining for i in range(3)) == 3 * 1_000 - 160 - 3


def test_an_unreachable_redis_counts_in_memory_and_warns_once(caplog):
    """Nothing is refused because Redis is down: hits are counted here, Redis tried later."""
    limiter = RateLimiter(per_minute=3, storage_uri=f"redis://:s3cret@127.0.0.1:{_free_port()}/0")
    with caplog.at_level("WARNING", logger="nlentry.api"):
        results = [limiter.hit("k") for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results[:3]] == [2, 1, 0]
    assert 0 < results[0].reset - time.time() <= 61  # whole seconds, rounded up
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1  # Redis is not tried (nor warned about) on every hit
    assert "127.0.0.1" in warnings[0].getMessage() and "s3cret" not in caplog.text


def test_counting_goes_back_to_the_storage_once_it_answers():
    limiter = RateLimiter(per_minute=10, storage_uri=f"redis://127.0.0.1:{_free_port()}/0")

    class Flaky:  # a storage that is down, then answers with its own count
        base_exceptions = ConnectionError
        down = True
        tries = 0

        def incr(self, key, expiry):
            self.tries += 1
            if self.down:
                raise ConnectionError("down")
            return 100 + self.tries  # far above the limit: its counts are told apart

        def get_expiry(self, key):
            return time.time() + 60

    flaky = limiter.storage = Flaky()
    assert limiter.hit("k").remaining == 9  # counted in memory
    assert limiter.hit("k").remaining == 8  # the storage not tried: within the retry delay
    assert flaky.tries == 1
    limiter._retry_at = 0  # the delay is over
    flaky.down = False
    assert not limiter.hit("k").allowed  # the storage's count again
    assert flaky.tries == 2


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0)


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
    first = RateLimiter(per_minute=120, storage_uri=redis_url)
    second = RateLimiter(per_minute=120, storage_uri=redis_url)
    assert first.storage.check() and second.storage.check()
    key = unique_key()
    results = [(first if n % 2 else second).hit(key) for n in range(120)]
    assert all(result.allowed for result in results)
    assert results[-1].remaining == 0
    refused = first.hit(key)
    assert not refused.allowed
    assert 1 <= refused.retry_after <= 60
    assert not second.hit(key).allowed
    other = second.hit(unique_key())
    assert other.allowed and other.remaining == 119
