"""The running timer: status, start, stop; one per user, even when starts race."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient

from nlentry.storage.models import TimeEntry, utcnow

TIMER = "/api/v1/time_entries/timer.json"


def test_no_timer_is_an_empty_object_as_timi_answers(client, alice):
    # a Timi client takes any non-empty object for a running timer: {} is none
    answer = client.get(TIMER, headers=alice.headers)
    assert answer.status_code == 200
    assert answer.json() == {}
    assert client.delete(TIMER, headers=alice.headers).status_code == 404  # nothing to stop


def test_lifecycle(client, example_catalog):
    alice = example_catalog
    started = client.post(TIMER, data={"body": "coden voor Rowan"}, headers=alice.headers)
    assert started.status_code == 201
    first = started.json()
    assert first["timer_started_at"] is not None
    assert first["project"]["id"] == 2 and first["service"]["id"] == 1
    shown = client.get(TIMER, headers=alice.headers).json()
    assert shown["id"] == first["id"] and shown["timer_started_at"] == first["timer_started_at"]
    time.sleep(1.1)
    later = client.get("/api/v1/time_entries/timer", headers=alice.headers).json()
    # as in Timi: duration is what was recorded before timer_started_at (clients add the
    # time since themselves); total_duration adds it
    assert later["duration"] == shown["duration"] == 0
    assert later["total_duration"] > shown["total_duration"] >= 0

    second = client.post(TIMER, data={"body": "meeting over de site"}, headers=alice.headers).json()
    assert second["id"] != first["id"]
    assert second["project"]["id"] == 3327 and second["service"]["id"] == 3
    stopped_first = client.get(f"/api/v1/time_entries/{first['id']}",
                               headers=alice.headers).json()
    assert stopped_first["timer_started_at"] is None
    assert stopped_first["duration"] >= 1 and stopped_first["end_time"] is not None
    assert client.get(TIMER, headers=alice.headers).json()["id"] == second["id"]

    stopped = client.delete(TIMER, headers=alice.headers)
    assert stopped.status_code == 200
    assert stopped.json()["id"] == second["id"]
    assert stopped.json()["timer_started_at"] is None and stopped.json()["duration"] >= 1
    assert client.get(TIMER, headers=alice.headers).json() == {}
    listed = client.get("/api/v1/time_entries", headers=alice.headers).json()
    assert listed["total_entries"] == 2


def test_timer_is_personal(client, alice, bob):
    client.post(TIMER, data={"body": "werk"}, headers=alice.headers)
    assert client.get(TIMER, headers=bob.headers).json() == {}
    assert client.delete(TIMER, headers=bob.headers).status_code == 404
    assert client.get(TIMER, headers=alice.headers).json()["timer_started_at"] is not None


def test_timer_without_body_and_with_overrides(client, alice):
    project = client.post("/api/v1/projects", data={"name": "P"}, headers=alice.headers).json()
    answer = client.post(TIMER, json={"project_id": project["id"]}, headers=alice.headers)
    assert answer.status_code == 201
    assert answer.json()["body"] == "" and answer.json()["project"]["id"] == project["id"]
    bad = client.post(TIMER, data={"project_id": "zz"}, headers=alice.headers)
    assert bad.status_code == 422 and bad.json()["errors"] == {"project_id": ["is geen getal"]}


def test_concurrent_starts_leave_exactly_one_running(app, alice):
    count = 8
    barrier = threading.Barrier(count)
    statuses = []

    def start(i):
        client = TestClient(app)
        barrier.wait()
        statuses.append(client.post(TIMER, data={"body": f"taak {i}"},
                                    headers=alice.headers).status_code)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * count
    with app.state.db.read() as session:
        running = session.scalar(select(func.count()).select_from(TimeEntry).where(
            TimeEntry.user_id == alice.id, TimeEntry.timer_started_at.is_not(None)))
        total = session.scalar(select(func.count()).select_from(TimeEntry))
    assert running == 1
    assert total == count


def test_the_database_refuses_a_second_running_timer(app, alice):
    def running_entry():
        return TimeEntry(user_id=alice.id, body="x", date=utcnow().date(), duration=0,
                         timer_started_at=utcnow())

    with app.state.db.write() as session:
        session.add(running_entry())
        session.commit()
        session.add(running_entry())
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_null_or_absent_body_starts_a_timer_without_text(client, alice):
    for fields in ({"body": None}, {}, {"body": 5}):
        answer = client.post(TIMER, json=fields, headers=alice.headers)
        assert answer.status_code == 201, (fields, answer.text)
        assert answer.json()["body"] == ("5" if fields.get("body") == 5 else "")
    for body in (["x"], {"a": 1}, True):
        answer = client.post(TIMER, json={"body": body}, headers=alice.headers)
        assert answer.status_code == 422 and list(answer.json()["errors"]) == ["body"]


def test_many_racing_starts_and_stops_all_answer_and_keep_every_entry(app, alice):
    """More racers than any retry budget: a user's starts take turns (a lock on the user)."""
    starts, stops = 24, 6
    barrier = threading.Barrier(starts + stops)
    statuses: dict[str, list[int]] = {"POST": [], "DELETE": []}

    def race(method, i):
        client = TestClient(app)
        barrier.wait()
        data = {"body": f"taak {i}"} if method == "POST" else None
        statuses[method].append(
            client.request(method, TIMER, data=data, headers=alice.headers).status_code
        )

    threads = [threading.Thread(target=race, args=("POST", i)) for i in range(starts)]
    threads += [threading.Thread(target=race, args=("DELETE", i)) for i in range(stops)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses["POST"] == [201] * starts
    assert set(statuses["DELETE"]) <= {200, 404}
    with app.state.db.read() as session:
        rows = session.execute(
            select(TimeEntry.timer_started_at, TimeEntry.end_time).where(
                TimeEntry.user_id == alice.id
            )
        ).all()
    assert len(rows) == starts
    running = [row for row in rows if row.timer_started_at is not None]
    assert len(running) <= 1
    assert all(row.end_time is not None for row in rows if row.timer_started_at is None)
