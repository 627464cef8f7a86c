"""Finding 10 of issue 10: failed logins are limited per client address.

Past ``$NLENTRY_LOGIN_FAILURES_PER_MINUTE`` (default 20) failures a minute
from one address, a login from there is ``429`` with ``Retry-After`` and its
token is not looked up (the storage function is counted); another address,
or a token this worker already confirmed, is not affected; the count is
shared through Redis. Time is frozen (``time.time``), never slept on.
"""

from __future__ import annotations

import base64
import time
import uuid

import pytest
from starlette.testclient import TestClient

from nlentry.api import credentials as credentials_module
from nlentry.api.app import create_app
from nlentry.api.rate_limit import (
    DEFAULT_LOGIN_FAILURES_PER_MINUTE,
    LOGIN_FAILURES_ENV,
    LoginLimiter,
    login_failures_from_env,
)
from tests.api.test_rate_limit import redis_url  # noqa: F401 - the Redis fixture

ENTRIES = "/api/v1/time_entries.json"
PROJECTS = "/api/v1/projects.json"
BAD = {"Authorization": "Bearer 0123456789ab.not-the-secret"}


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """Every token lookup in the database (``token_owner``), by token."""
    seen: list[str] = []
    real = credentials_module.token_owner

    def counted(session, token, email=None):
        seen.append(token)
        return real(session, token, email)

    monkeypatch.setattr(credentials_module, "token_owner", counted)
    return seen


@pytest.fixture
def frozen(monkeypatch) -> list[float]:
    """``time.time`` stands still at ``frozen[0]`` until the test moves it."""
    clock = [1_900_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    return clock


@pytest.fixture(autouse=True)
def _default_limit(monkeypatch):
    monkeypatch.delenv(LOGIN_FAILURES_ENV, raising=False)


def _from(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def _address() -> str:
    return f"attacker-{uuid.uuid4().hex[:12]}"


def test_the_21st_bad_login_from_one_address_is_429_without_a_lookup(app, lookups, frozen):
    attacker = _from(app, "203.0.113.7")
    answers = [attacker.get(PROJECTS, headers=BAD) for _ in range(20)]
    assert [a.status_code for a in answers] == [401] * 20
    assert len(lookups) == 20

    refused = attacker.get(PROJECTS, headers=BAD)

    assert refused.status_code == 429
    assert refused.json()["message"] == "rate limit exceeded"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(lookups) == 20  # not looked up
    for _ in range(50):  # a flood: refused, and still no lookup
        assert attacker.get(PROJECTS, headers=BAD).status_code == 429
    assert len(lookups) == 20


def test_a_good_token_from_another_address_is_unaffected(app, alice, lookups, frozen):
    attacker = _from(app, "203.0.113.7")
    for _ in range(25):
        attacker.get(PROJECTS, headers=BAD)
    assert attacker.get(PROJECTS, headers=BAD).status_code == 429

    colleague = _from(app, "198.51.100.20")
    answer = colleague.get(PROJECTS, headers=alice.headers)
    assert answer.status_code == 200
    assert lookups[-1] == alice.token
    assert colleague.post(ENTRIES, data={"body": "2 uur werk"},
                          headers=alice.headers).status_code == 201  # fmt: skip


def test_a_token_this_worker_knows_keeps_working_from_a_refused_address(app, alice, frozen):
    """A colleague behind the same address, logged in before, is not shut out; an
    unknown token from there is refused, a good one included."""
    office = _from(app, "203.0.113.7")
    assert office.get(PROJECTS, headers=alice.headers).status_code == 200  # confirmed
    for _ in range(20):
        office.get(PROJECTS, headers=BAD)
    assert office.get(PROJECTS, headers=BAD).status_code == 429
    assert office.get(PROJECTS, headers=alice.headers).status_code == 200
    app.state.callers.forget(credentials_module.Credentials(alice.token))
    assert office.get(PROJECTS, headers=alice.headers).status_code == 429


def test_the_address_may_try_again_once_the_window_has_passed(app, alice, lookups, frozen):
    attacker = _from(app, "203.0.113.7")
    for _ in range(20):
        attacker.get(PROJECTS, headers=BAD)
    refused = attacker.get(PROJECTS, headers=BAD)
    assert refused.status_code == 429
    frozen[0] += 59
    assert attacker.get(PROJECTS, headers=BAD).status_code == 429
    assert len(lookups) == 20

    frozen[0] += 2  # the window opened by the first failure is over

    assert attacker.get(PROJECTS, headers=BAD).status_code == 401
    assert len(lookups) == 21
    assert attacker.get(PROJECTS, headers=alice.headers).status_code == 200


def test_every_way_of_sending_a_token_counts_and_is_refused(app, lookups, frozen):
    attacker = _from(app, "203.0.113.7")
    bad = "0123456789ab.not-the-secret"
    basic = base64.b64encode(f"alice@acme.nl:{bad}".encode()).decode()
    ways = [
        lambda: attacker.get(PROJECTS, headers={"X-Api-Key": f"alice@acme.nl:{bad}"}),
        lambda: attacker.get(PROJECTS, headers={"Authorization": f"Basic {basic}"}),
        lambda: attacker.get(PROJECTS, params={"token": bad}),
        lambda: attacker.post(ENTRIES, data={"token": bad, "body": "2 uur"}),  # on the loop
        lambda: attacker.post("/api/v1/time_entries/timer.json", headers=BAD),  # a writer
    ]
    statuses = [ways[n % len(ways)]().status_code for n in range(20)]
    assert statuses == [401] * 20
    for way in ways:
        assert way().status_code == 429
    assert len(lookups) == 20


def test_no_credentials_at_all_is_still_401(app, lookups, frozen):
    attacker = _from(app, "203.0.113.7")
    for _ in range(20):
        attacker.get(PROJECTS, headers=BAD)
    assert attacker.get(PROJECTS).status_code == 401  # nothing to look up, nothing guessed
    assert len(lookups) == 20


def test_the_limit_is_configured_by_the_environment(database_url, monkeypatch, lookups, frozen):
    monkeypatch.setenv(LOGIN_FAILURES_ENV, "3")
    app = create_app(database_url, rate_limit_per_minute=100_000)
    try:
        attacker = _from(app, "203.0.113.7")
        assert [attacker.get(PROJECTS, headers=BAD).status_code for _ in range(4)] == [
            401, 401, 401, 429]  # fmt: skip
        assert len(lookups) == 3
        assert app.state.login_limiter.per_minute == 3
    finally:
        app.state.db.dispose()


def test_the_environment_variable_is_read_strictly():
    assert login_failures_from_env({}) == DEFAULT_LOGIN_FAILURES_PER_MINUTE == 20
    assert login_failures_from_env({LOGIN_FAILURES_ENV: " 50 "}) == 50
    for wrong in ("0", "-1", "20/minute", "many"):
        with pytest.raises(ValueError, match=LOGIN_FAILURES_ENV):
            login_failures_from_env({LOGIN_FAILURES_ENV: wrong})


def test_the_limiter_counts_failures_and_refuses_only_past_them(frozen):
    limiter = LoginLimiter(per_minute=2)
    assert limiter.refusal("a") is None
    limiter.failed("a")
    assert limiter.refusal("a") is None
    limiter.failed("a")
    refused = limiter.refusal("a")
    assert refused is not None and refused.retry_after == 60
    assert limiter.headers(refused) == {"Retry-After": "60"}
    assert limiter.refusal("b") is None  # addresses are counted apart
    frozen[0] += 60
    assert limiter.refusal("a") is None


def test_two_workers_on_one_redis_share_the_count(database_url, redis_url, lookups):  # noqa: F811
    """20 failures on one worker: the 21st, on the other, is refused without a lookup."""
    first = create_app(database_url, rate_limit_per_minute=100_000, redis_url=redis_url)
    second = create_app(database_url, rate_limit_per_minute=100_000, redis_url=redis_url)
    address = _address()  # the Redis server may be shared: a count of this test's own
    try:
        for _ in range(20):
            assert _from(first, address).get(PROJECTS, headers=BAD).status_code == 401
        refused = _from(second, address).get(PROJECTS, headers=BAD)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert len(lookups) == 20
        assert _from(second, _address()).get(PROJECTS, headers=BAD).status_code == 401
    finally:
        first.state.db.dispose()
        second.state.db.dispose()


def test_a_bad_limit_in_the_environment_stops_the_start(database_url, monkeypatch):
    from nlentry.api.app import create_app

    monkeypatch.setenv(LOGIN_FAILURES_ENV, "many")
    with pytest.raises(ValueError, match=LOGIN_FAILURES_ENV):
        create_app(database_url)
