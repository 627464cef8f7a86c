"""The default limit (``120/minute;10/second``) refuses a burst from one token.

Counts, never timings: the limiter's clock is stopped (``RateLimiter.clock``),
so all the requests of a test fall in one second however slowly the machine
sends them, and the clock moves only when the test moves it.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from nlentry.api import credentials as credentials_module
from nlentry.api.app import create_app
from nlentry.limits import DEFAULT_RATE_LIMIT

PROJECTS = "/api/v1/projects.json"
ENTRIES = "/api/v1/time_entries.json"


class Clock:
    def __init__(self, now: float = 1_900_000_000.25):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(database_url, monkeypatch):
    """An app with the default limit, its limiter's clock stopped."""
    monkeypatch.delenv("NLENTRY_RATE_LIMIT", raising=False)
    app = create_app(database_url)
    clock = Clock()
    app.state.limiter.clock = clock
    yield app, clock
    app.state.db.dispose()


def test_the_default_limit_is_the_spec_s():
    assert DEFAULT_RATE_LIMIT == "120/minute;10/second"


def test_15_requests_in_one_second_give_10_answers_and_5_refusals(limited, make_account):
    app, _ = limited
    user = make_account(app, "burst@acme.nl")
    client = TestClient(app)
    answers = [client.get(PROJECTS, headers=user.headers) for _ in range(15)]
    assert [a.status_code for a in answers] == [200] * 10 + [429] * 5
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:10]] == [
        str(n) for n in range(9, -1, -1)]  # the second's count: the most constrained
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"10"}
    for refused in answers[10:]:
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert int(refused.headers["X-RateLimit-Reset"]) == 1_900_000_002  # ceil(now + 1)
        assert refused.json()["code"] == "RATE_LIMIT_EXCEEDED"


def test_the_next_second_serves_again_and_the_refused_ones_did_not_count(limited, make_account):
    app, clock = limited
    user = make_account(app, "next@acme.nl")
    client = TestClient(app)
    statuses = [client.get(PROJECTS, headers=user.headers).status_code for _ in range(15)]
    assert statuses.count(429) == 5
    clock.now += 1
    again = client.get(PROJECTS, headers=user.headers)
    assert again.status_code == 200
    assert again.headers["X-RateLimit-Remaining"] == "9"


def test_the_minute_refuses_the_121st_request(limited, make_account):
    app, clock = limited
    user = make_account(app, "minute@acme.nl")
    client = TestClient(app)
    statuses = []
    for _ in range(12):  # ten a second, within the burst, for twelve seconds
        statuses += [client.get(PROJECTS, headers=user.headers).status_code for _ in range(10)]
        clock.now += 1
    assert statuses == [200] * 120
    refused = client.get(PROJECTS, headers=user.headers)
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Limit"] == "120"
    assert refused.headers["Retry-After"] == "48"  # the minute opened 12 s ago


def test_the_create_path_is_limited_too(limited, make_account):
    app, _ = limited
    user = make_account(app, "create@acme.nl")
    client = TestClient(app)
    answers = [client.post(ENTRIES, data={"body": f"{n + 1} minuten werk"}, headers=user.headers)
               for n in range(15)]  # fmt: skip
    assert [a.status_code for a in answers] == [201] * 10 + [429] * 5
    listed = client.get(ENTRIES, headers=user.headers)
    assert listed.status_code == 429  # still this second


def test_over_the_limit_a_refused_entry_is_429_too(limited, make_account):
    """The count comes first, even where it runs beside the parse (Redis): past the
    limit an entry that would be refused (422) is answered 429, and one that would be
    stored is not."""
    app, _ = limited
    user = make_account(app, "refused@acme.nl")
    client = TestClient(app)
    bodies = ["geen duur hier"] * 8 + ["2 uur werk"] * 2 + ["geen duur"] * 3 + ["3 uur werk"] * 2
    answers = [client.post(ENTRIES, data={"body": body}, headers=user.headers).status_code
               for body in bodies]  # fmt: skip
    assert answers == [422] * 8 + [201] * 2 + [429] * 5
    clock = limited[1]
    clock.now += 1  # the next second: the list shows the two stored, none of the refused
    listed = client.get(ENTRIES, headers=user.headers)
    assert listed.status_code == 200
    assert sorted(e["duration"] for e in listed.json()["time_entries"]) == [7200, 7200]


def test_tokens_are_counted_apart(limited, make_account):
    app, _ = limited
    first, second = make_account(app, "one@acme.nl"), make_account(app, "two@acme.nl")
    client = TestClient(app)
    assert [client.get(PROJECTS, headers=first.headers).status_code
            for _ in range(11)][-1] == 429  # fmt: skip
    assert client.get(PROJECTS, headers=second.headers).status_code == 200


def test_a_refused_burst_costs_no_lookup_and_no_body(limited, make_account, monkeypatch):
    """A flood from a token the worker knows is refused before the body is read and
    before any database work."""
    app, _ = limited
    user = make_account(app, "flood@acme.nl")
    client = TestClient(app)
    for _ in range(10):
        assert client.get(PROJECTS, headers=user.headers).status_code == 200
    lookups: list[str] = []
    real = credentials_module.token_owner
    monkeypatch.setattr(credentials_module, "token_owner",
                        lambda *args, **kw: lookups.append("x") or real(*args, **kw))  # fmt: skip
    too_big = b"a" * (app.state.max_body_bytes + 1)  # 413 if it were read
    answer = client.post(ENTRIES, content=too_big, headers=user.headers)
    assert answer.status_code == 429
    assert lookups == []


def test_a_304_counts_as_no_request(limited, make_account):
    app, _ = limited
    user = make_account(app, "poller@acme.nl")
    client = TestClient(app)
    first = client.get(ENTRIES, headers=user.headers)
    assert first.status_code == 200 and first.headers["X-RateLimit-Remaining"] == "9"
    unchanged = {**user.headers, "If-None-Match": first.headers["ETag"]}
    polls = [client.get(ENTRIES, headers=unchanged) for _ in range(20)]
    assert {poll.status_code for poll in polls} == {304}  # twice the second's limit: none refused
    assert {poll.headers["X-RateLimit-Remaining"] for poll in polls} == {"9"}  # none used
    again = client.get(ENTRIES, headers=user.headers)
    assert again.status_code == 200 and again.headers["X-RateLimit-Remaining"] == "8"
