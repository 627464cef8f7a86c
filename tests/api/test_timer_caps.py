"""Finding 12 of issue 10: no timer makes an entry longer than 24 hours, and a timer
start with an ``Idempotency-Key`` stores once.

The clock is injected (the timer resource's ``utcnow``; the local clock is the user's
zone's, the server's default ``NLENTRY_TIMEZONE`` here): nothing here sleeps or reads
the wall clock.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from nlentry.api.resources import time_entries as entries_resource
from nlentry.api.resources import timer as timer_resource
from nlentry.storage.models import IdempotencyKey, TimeEntry
from nlentry.storage.queries import timers

TIMER = "/api/v1/time_entries/timer.json"
DAY = 24 * 60 * 60
T0 = dt.datetime(2026, 3, 18, 8, 0, 0)  # naive UTC, as stored


class Clock:
    """The timer resource's time: UTC ``now`` and the local clock (UTC+1 all year: the
    server's default zone, the users having none of their own), moved by the test."""

    def __init__(self, monkeypatch, now: dt.datetime, local: dt.datetime):
        self.now, self.local = now, local
        monkeypatch.setattr(timer_resource, "utcnow", lambda: self.now)
        monkeypatch.setattr(entries_resource, "utcnow", lambda: self.now)
        monkeypatch.setenv("NLENTRY_TIMEZONE", "Africa/Lagos")  # UTC+1, no summer time

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
        self.local += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch, T0, dt.datetime(2026, 3, 18, 9, 0, 0))  # local: UTC+1


def _row(app, entry_id: int) -> TimeEntry:
    with app.state.db.read() as session:
        entry = session.get(TimeEntry, entry_id)
        session.expunge(entry)
        return entry


def _entries(app, user_id: int) -> int:
    with app.state.db.read() as session:
        return session.scalar(
            select(func.count()).select_from(TimeEntry).where(TimeEntry.user_id == user_id)
        )


# --- the 24-hour cap ---------------------------------------------------------------------


def test_a_timer_left_running_three_days_stops_at_24_hours_with_a_warning(
    app, client, alice, clock
):
    started = client.post(TIMER, data={"body": "werk"}, headers=alice.headers)
    assert started.status_code == 201
    assert started.json()["start_time"] == "09:00"
    clock.advance(3 * DAY + 1)  # as in the finding: 259,201 s

    stopped = client.delete(TIMER, headers=alice.headers)

    assert stopped.status_code == 200
    answer = stopped.json()
    assert answer["duration"] == DAY
    assert answer["timer_started_at"] is None
    assert answer["end_time"] == "09:00"  # the clock when its 24 hours were full
    assert [w["code"] for w in answer["warnings"]] == ["timer_capped"]
    assert answer["warnings"][0]["message"]
    row = _row(app, answer["id"])
    assert (row.duration, row.timer_started_at) == (DAY, None)
    assert client.get(TIMER, headers=alice.headers).json() == {}


def test_patch_duration_on_a_running_timer_then_stopping_never_exceeds_24_hours(
    app, client, alice, clock
):
    entry_id = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()["id"]
    clock.advance(3 * DAY + 1)
    patched = client.patch(f"/api/v1/time_entries/{entry_id}.json", data={"duration": DAY},
                           headers=alice.headers)  # fmt: skip
    # PATCH cannot make a running timer run past 24 hours: refused, nothing changed
    assert patched.status_code == 422
    assert list(patched.json()["errors"]) == ["duration"]
    assert _row(app, entry_id).duration == 0

    stopped = client.delete(TIMER, headers=alice.headers).json()

    assert stopped["duration"] == DAY  # was 345,601 s
    assert [w["code"] for w in stopped["warnings"]] == ["timer_capped"]
    assert _row(app, entry_id).duration == DAY


@pytest.mark.parametrize(("seconds", "duration", "capped"), [
    (2 * 60 * 60, 2 * 60 * 60, False),
    (DAY - 1, DAY - 1, False),
    (DAY, DAY, False),  # exactly 24 hours: not more
    (DAY + 1, DAY, True),
])  # fmt: skip
def test_a_timer_is_capped_only_past_24_hours(client, alice, clock, seconds, duration, capped):
    client.post(TIMER, data={"body": "werk"}, headers=alice.headers)
    clock.advance(seconds)
    stopped = client.delete(TIMER, headers=alice.headers).json()
    assert stopped["duration"] == duration
    assert [w["code"] for w in stopped["warnings"]] == (["timer_capped"] if capped else [])


def test_a_start_stops_a_timer_left_running_too_long_at_24_hours(app, client, alice, clock):
    first = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()["id"]
    clock.advance(3 * DAY + 1)
    second = client.post(TIMER, data={"body": "meer werk"}, headers=alice.headers)
    assert second.status_code == 201
    stopped = _row(app, first)
    assert stopped.duration == DAY and stopped.timer_started_at is None
    assert stopped.end_time == dt.time(9, 0)
    assert client.get(TIMER, headers=alice.headers).json()["id"] == second.json()["id"]


def test_time_recorded_before_the_start_counts_toward_the_24_hours(app, client, alice, clock):
    entry_id = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()["id"]
    with app.state.db.write() as session:  # 20 hours recorded before the timer started
        session.get(TimeEntry, entry_id).duration = 20 * 60 * 60
        session.commit()
    clock.advance(5 * 60 * 60)
    stopped = client.delete(TIMER, headers=alice.headers).json()
    assert stopped["duration"] == DAY
    assert stopped["end_time"] == "13:00"  # 4 of the 5 hours were left: stopped then
    assert [w["code"] for w in stopped["warnings"]] == ["timer_capped"]


def test_the_storage_tells_a_change_that_would_run_a_timer_past_24_hours():
    """The rule for a change of a running timer's ``duration`` (seconds before its start)."""
    now = T0 + dt.timedelta(hours=2)
    running = TimeEntry(duration=0, timer_started_at=T0)
    assert not timers.exceeds_cap(running, DAY - 2 * 60 * 60, now)
    assert timers.exceeds_cap(running, DAY - 2 * 60 * 60 + 1, now)
    assert timers.exceeds_cap(running, DAY, now)
    assert not timers.exceeds_cap(running, None, now)
    assert not timers.exceeds_cap(TimeEntry(duration=60, timer_started_at=None), DAY, now)
    assert timers.total_seconds(running, T0 + dt.timedelta(days=3)) == DAY
    assert timers.total_seconds(running, now) == 2 * 60 * 60


# --- Idempotency-Key on a timer start ----------------------------------------------------


def test_three_keyed_retries_of_a_timer_start_store_one_timer(app, client, alice, clock):
    headers = {**alice.headers, "Idempotency-Key": "start-1"}
    answers = []
    for _ in range(3):
        answers.append(client.post(TIMER, data={"body": "werk"}, headers=headers))
        clock.advance(60)

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[1].content == answers[0].content == answers[2].content
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert _entries(app, alice.id) == 1  # was 3
    running = client.get(TIMER, headers=alice.headers).json()
    assert running["id"] == answers[0].json()["id"]


def test_a_retried_start_does_not_stop_the_timer_it_started(app, client, alice, clock):
    client.post(TIMER, data={"body": "eerder"}, headers=alice.headers)
    headers = {**alice.headers, "Idempotency-Key": "start-2"}
    first = client.post(TIMER, data={"body": "werk"}, headers=headers).json()
    clock.advance(60)
    again = client.post(TIMER, data={"body": "werk"}, headers=headers)
    assert again.json() == first
    assert _entries(app, alice.id) == 2
    assert _row(app, first["id"]).timer_started_at is not None


def test_the_same_key_with_another_body_is_refused_naming_the_header(app, client, alice, clock):
    headers = {**alice.headers, "Idempotency-Key": "start-3"}
    assert client.post(TIMER, data={"body": "werk"}, headers=headers).status_code == 201
    other = client.post(TIMER, data={"body": "iets anders"}, headers=headers)
    assert other.status_code == 422
    assert list(other.json()["errors"]) == ["Idempotency-Key"]
    assert _entries(app, alice.id) == 1


def test_a_refused_keyed_start_is_kept_and_replayed(app, client, alice, clock):
    headers = {**alice.headers, "Idempotency-Key": "start-4"}
    first = client.post(TIMER, data={"body": "werk", "project_id": 999}, headers=headers)
    assert first.status_code == 422
    again = client.post(TIMER, data={"body": "werk", "project_id": 999}, headers=headers)
    assert (again.status_code, again.content) == (422, first.content)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _entries(app, alice.id) == 0


def test_keys_are_per_user(app, client, alice, bob, clock):
    headers = {"Idempotency-Key": "same"}
    for account in (alice, bob):
        answer = client.post(TIMER, data={"body": "werk"}, headers={**account.headers, **headers})
        assert answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers
    assert (_entries(app, alice.id), _entries(app, bob.id)) == (1, 1)


def test_racing_keyed_starts_store_one_timer_and_give_one_answer(app, alice):
    racers = 12
    barrier = threading.Barrier(racers)
    answers: list = []
    headers = {**alice.headers, "Idempotency-Key": "race"}

    def race():
        client = TestClient(app)
        barrier.wait()
        answers.append(client.post(TIMER, data={"body": "werk"}, headers=headers))

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status_code for a in answers] == [201] * racers
    assert len({a.content for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == racers - 1
    assert _entries(app, alice.id) == 1
    with app.state.db.read() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_patch_of_a_running_timer_is_refused_only_past_24_hours(app, client, alice, clock):
    entry_id = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()["id"]
    clock.advance(3600)
    path = f"/api/v1/time_entries/{entry_id}.json"
    assert client.patch(path, data={"duration": DAY - 3600},
                        headers=alice.headers).status_code == 200  # fmt: skip
    assert _row(app, entry_id).duration == DAY - 3600
    refused = client.patch(path, data={"duration": DAY - 3599}, headers=alice.headers)
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["duration"]
    assert _row(app, entry_id).duration == DAY - 3600
