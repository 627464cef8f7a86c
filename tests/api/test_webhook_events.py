"""The ``time_entry.*`` webhook events of every change to an entry, read from the outbox.

Each committed change has exactly one event of its type, naming its entry, with the
entry's JSON as ``data`` (as ``GET /time_entries/{id}`` answers it; for a delete, as
it was): a create (plain, keyed: a replay has none), a batch (one per entry), an
import (one per stored row), ``PATCH`` (a running timer's too), ``DELETE``, and the
bulk actions (one per entry acted on). A change refused or rolled back has none; a
member's subscription carries no one else's; many concurrent creates through the
group-commit writer have exactly as many events as rows.

No delivery worker runs (no lifespan): the tables are looked at as they are.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from nlentry.api.webhook_urls import ALLOW_PRIVATE_ENV
from nlentry.storage.models import TimeEntry
from nlentry.storage.webhook_models import WebhookDelivery, WebhookEvent

HOOKS = "/api/v1/webhooks.json"
ENTRIES = "/api/v1/time_entries.json"
BATCH = "/api/v1/time_entries/batch.json"
IMPORT = "/api/v1/time_entries/import.json"
BULK = "/api/v1/time_entries/bulk.json"
TIMER = "/api/v1/time_entries/timer.json"
NOTES = ("warnings", "candidates")


@pytest.fixture(autouse=True)
def private_allowed(monkeypatch):
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")


def subscribe(client, account, **data) -> dict:
    answer = client.post(HOOKS, json={"url": "http://127.0.0.1:9/hook", **data},
                         headers=account.headers)  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def hook(client, alice) -> dict:
    """Alice's subscription to every event."""
    return subscribe(client, alice, events=["*"])


def events(app) -> list[tuple[str, int, int, dict]]:
    """Every event written: (type, entry id, acting user, data), oldest first."""
    with app.state.db.read() as session:
        rows = session.execute(select(WebhookEvent.type, WebhookEvent.entry_id,
                                      WebhookEvent.user_id, WebhookEvent.payload)
                               .order_by(WebhookEvent.id))  # fmt: skip
        return [tuple(row) for row in rows]


def types(app) -> list[tuple[str, int]]:
    return [(type, entry_id) for type, entry_id, _, _ in events(app)]


def entry(client, account, id: int) -> dict:
    answer = client.get(f"/api/v1/time_entries/{id}.json", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def without_notes(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in NOTES}


def create(client, account, key: str | None = None, expect: int = 201, **data) -> dict:
    headers = {**account.headers, **({"Idempotency-Key": key} if key else {})}
    answer = client.post(ENTRIES, json=data, headers=headers)
    assert answer.status_code == expect, answer.text
    return answer.json()


def assert_created(app, client, account, answers: list[dict]) -> None:
    """Exactly one ``time_entry.created`` per answer, in order, with the entry as its data
    (``id`` first), and no other event."""
    found = events(app)
    assert [(t, e) for t, e, _, _ in found] == [("time_entry.created", a["id"]) for a in answers]
    for (_, _, user_id, data), answer in zip(found, answers, strict=True):
        assert user_id == account.id
        assert next(iter(data)) == "id"
        assert data == without_notes(answer) == entry(client, account, answer["id"])


# --- creating ----------------------------------------------------------------------------


def test_a_create_has_one_created_event_with_the_entry(app, client, alice, hook):
    answers = [create(client, alice, body="2 uur werk #klant"),
               create(client, alice, body="gisteren 3 kwartier mail", billable=False)]
    assert_created(app, client, alice, answers)
    with app.state.db.read() as session:  # one pending delivery each, to the subscription
        found = session.execute(select(WebhookDelivery.subscription_id, WebhookDelivery.entry_id,
                                       WebhookDelivery.status)).all()  # fmt: skip
    assert sorted(found) == sorted((hook["id"], a["id"], "pending") for a in answers)


def test_a_keyed_create_has_one_event_and_its_replay_none(app, client, alice, hook):
    first = create(client, alice, key="k-1", body="2 uur werk")
    again = client.post(ENTRIES, json={"body": "2 uur werk"},
                        headers={**alice.headers, "Idempotency-Key": "k-1"})  # fmt: skip
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first
    assert_created(app, client, alice, [first])


def test_a_refused_create_has_no_event_keyed_or_not(app, client, alice, hook):
    create(client, alice, expect=422, body="werk zonder duur")
    create(client, alice, key="k-2", expect=422, body="werk zonder duur")  # kept for the key
    create(client, alice, key="k-2", expect=422, body="werk zonder duur")  # its replay
    assert events(app) == []


def test_a_batch_has_one_event_per_entry(app, client, alice, hook):
    answer = client.post(BATCH, json={"body": "2 uur werk; 1 uur mail #inbox; 30 min bellen"},
                         headers=alice.headers)  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert_created(app, client, alice, answer.json()["time_entries"])


def test_a_keyed_batch_replayed_has_its_events_once(app, client, alice, hook):
    headers = {**alice.headers, "Idempotency-Key": "batch-1"}
    first = client.post(BATCH, json={"body": "2 uur werk; 1 uur mail"}, headers=headers)
    again = client.post(BATCH, json={"body": "2 uur werk; 1 uur mail"}, headers=headers)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert_created(app, client, alice, first.json()["time_entries"])


def test_a_batch_with_one_bad_entry_has_no_event(app, client, alice, hook):
    answer = client.post(BATCH, json={"body": "2 uur werk; mail zonder duur"},
                         headers=alice.headers)  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert events(app) == []
    assert client.get(ENTRIES, headers=alice.headers).json()["total_entries"] == 0


CSV = ("date,duration_seconds,description,tags\n"
       "2026-03-01,3600,bugs,a\n"
       "2026-03-02,,geen duur,\n"
       "2026-03-03,900,mail,\n")  # fmt: skip


def test_an_import_has_one_event_per_stored_row(app, client, example_catalog, hook):
    alice = example_catalog
    csv = "body,date\n2 uur aan Timi,2026-03-01\n45 min css,2026-03-02\n1 uur mail,\n"
    answer = client.post(IMPORT, json={"csv": csv}, headers=alice.headers)
    assert answer.status_code == 201, answer.text
    ids = [row["id"] for row in answer.json()["rows"]]
    stored = [entry(client, alice, id) for id in ids]
    assert_created(app, client, alice, stored)
    assert stored[0]["project"]["name"] == "Timi" and stored[1]["service"]["name"] == "Development"


def test_a_partial_import_has_events_for_its_stored_rows_only(app, client, alice, hook):
    answer = client.post(IMPORT, json={"csv": CSV, "partial": True}, headers=alice.headers)
    assert answer.status_code == 201, answer.text
    rows = answer.json()["rows"]
    assert [("id" in row) for row in rows] == [True, False, True]
    assert_created(app, client, alice, [entry(client, alice, row["id"]) for row in rows
                                        if "id" in row])  # fmt: skip


def test_an_import_refused_has_no_event(app, client, alice, hook):
    answer = client.post(IMPORT, json={"csv": CSV}, headers=alice.headers)
    assert answer.status_code == 422, answer.text
    assert events(app) == []


def test_starting_a_timer_is_no_created_event(app, client, alice, hook):
    started = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()
    assert types(app) == [("timer.started", started["id"])]


# --- changing and deleting ---------------------------------------------------------------


def test_a_patch_has_one_updated_event_with_the_entry_after_it(app, client, alice, hook):
    made = create(client, alice, body="2 uur werk")
    answer = client.patch(f"/api/v1/time_entries/{made['id']}.json",
                          json={"body": "3 uur mail #klant", "billable": False},
                          headers=alice.headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert types(app) == [("time_entry.created", made["id"]), ("time_entry.updated", made["id"])]
    _, _, user_id, data = events(app)[1]
    assert user_id == alice.id and next(iter(data)) == "id"
    assert data == without_notes(changed) == entry(client, alice, made["id"])
    assert data["duration"] == 3 * 3600 and data["tags"] == ["klant"] and not data["billable"]


def test_a_patch_refused_has_no_event(app, client, alice, hook):
    made = create(client, alice, body="2 uur werk")
    answer = client.patch(f"/api/v1/time_entries/{made['id']}.json", json={"duration": "lang"},
                          headers=alice.headers)  # fmt: skip
    assert answer.status_code == 422, answer.text
    missing = client.patch("/api/v1/time_entries/999999.json", json={"duration": 60},
                           headers=alice.headers)  # fmt: skip
    assert missing.status_code == 404
    assert types(app) == [("time_entry.created", made["id"])]


def test_a_patch_of_a_running_timer_is_an_updated_event(app, client, alice, hook):
    started = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()
    answer = client.patch(f"/api/v1/time_entries/{started['id']}.json",
                          json={"description": "ander werk"}, headers=alice.headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert types(app) == [("timer.started", started["id"]), ("time_entry.updated", started["id"])]
    data = events(app)[1][3]
    assert data["description"] == "ander werk" and data["timer_started_at"] is not None
    assert data["timer_started_at"] == started["timer_started_at"]


def test_a_delete_has_one_deleted_event_with_the_entry_as_it_was(app, client, alice, hook):
    made = create(client, alice, body="2 uur werk #weg")
    before = entry(client, alice, made["id"])
    path = f"/api/v1/time_entries/{made['id']}.json"
    assert client.delete(path, headers=alice.headers).status_code == 204
    assert client.delete(path, headers=alice.headers).status_code == 404  # nothing more
    assert types(app) == [("time_entry.created", made["id"]), ("time_entry.deleted", made["id"])]
    _, _, user_id, data = events(app)[1]
    assert user_id == alice.id and data == before


def test_deleting_a_running_timer_is_a_deleted_event(app, client, alice, hook):
    started = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()
    path = f"/api/v1/time_entries/{started['id']}.json"
    assert client.delete(path, headers=alice.headers).status_code == 204
    assert types(app) == [("timer.started", started["id"]), ("time_entry.deleted", started["id"])]
    assert events(app)[1][3]["timer_started_at"] == started["timer_started_at"]


def _three(client, alice) -> list[dict]:
    return [create(client, alice, body=f"{n} uur werk #oud") for n in (1, 2, 3)]


def test_a_bulk_change_has_one_updated_event_per_entry_changed(app, client, alice, bob, hook):
    made = _three(client, alice)
    theirs = create(client, bob, body="1 uur werk")
    timer = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()
    ids = [made[2]["id"], theirs["id"], made[0]["id"], timer["id"], 999999]
    answer = client.post(BULK, json={"entry_ids": ids, "action": "set_billable", "value": False},
                         headers=alice.headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"updated": 2, "skipped": [theirs["id"], timer["id"], 999999]}
    changed = events(app)[4:]  # after three creates and the timer's start
    assert [(t, e) for t, e, _, _ in changed] == [("time_entry.updated", made[2]["id"]),
                                                  ("time_entry.updated", made[0]["id"])]
    for _, entry_id, user_id, data in changed:
        assert user_id == alice.id and data == entry(client, alice, entry_id)
        assert data["billable"] is False
    answer = client.post(BULK, json={"entry_ids": [made[1]["id"]] * 2, "action": "add_tag",
                                     "value": "nieuw"}, headers=alice.headers)  # each id once
    assert answer.status_code == 200, answer.text
    assert events(app)[-1][:2] == ("time_entry.updated", made[1]["id"])
    assert events(app)[-1][3]["tags"] == ["oud", "nieuw"]
    assert len(events(app)) == 7


def test_a_bulk_delete_has_one_deleted_event_per_entry_as_it_was(app, client, alice, hook):
    made = _three(client, alice)
    timer = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()
    before = {e["id"]: entry(client, alice, e["id"]) for e in (made[0], made[2], timer)}
    ids = [made[2]["id"], made[0]["id"], timer["id"]]
    answer = client.post(BULK, json={"entry_ids": ids, "action": "delete"}, headers=alice.headers)
    assert answer.json() == {"updated": 3, "skipped": []}
    deleted = events(app)[4:]
    assert [(t, e) for t, e, _, _ in deleted] == [("time_entry.deleted", id) for id in ids]
    for _, entry_id, _, data in deleted:
        assert data == before[entry_id]


def test_a_bulk_action_refused_or_failed_has_no_event(app, client, alice, hook, monkeypatch):
    made = _three(client, alice)
    ids = [e["id"] for e in made]
    answer = client.post(BULK, json={"entry_ids": ids, "action": "add_tag",
                                     "value": [f"t{n}" for n in range(100)]},
                         headers=alice.headers)  # fmt: skip
    assert answer.status_code == 422
    from nlentry.api.resources import bulk as bulk_resource

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(bulk_resource.stored, "delete_entries", broken)  # after the events
    answer = client.post(BULK, json={"entry_ids": ids, "action": "delete"}, headers=alice.headers)
    assert answer.status_code == 500
    assert types(app) == [("time_entry.created", id) for id in ids]  # the deletes' rolled back


def test_a_failed_delete_rolls_its_event_back(app, client, alice, hook, monkeypatch):
    made = create(client, alice, body="2 uur werk")
    from nlentry.api.resources import time_entries

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(time_entries.stored, "delete_entry", broken)  # after the event
    path = f"/api/v1/time_entries/{made['id']}.json"
    assert client.delete(path, headers=alice.headers).status_code == 500
    assert types(app) == [("time_entry.created", made["id"])]


# --- who gets them -----------------------------------------------------------------------


def test_a_members_subscription_sees_no_one_elses_events(app, client, alice, bob, carol):
    bobs = subscribe(client, bob)
    carols = subscribe(client, carol)
    alices = subscribe(client, alice)  # an admin, but without all_users: her own
    mine = create(client, alice, body="2 uur werk")
    client.patch(f"/api/v1/time_entries/{mine['id']}.json", json={"duration": 60},
                 headers=alice.headers)  # fmt: skip
    client.delete(f"/api/v1/time_entries/{mine['id']}.json", headers=alice.headers)
    his = create(client, bob, body="1 uur werk")

    def seen(hook, account):
        answer = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries.json",
                            headers=account.headers)  # fmt: skip
        return sorted(d["type"] for d in answer.json())

    assert seen(alices, alice) == ["time_entry.created", "time_entry.deleted",
                                   "time_entry.updated"]  # fmt: skip
    assert seen(bobs, bob) == ["time_entry.created"]
    assert seen(carols, carol) == []
    with app.state.db.read() as session:
        found = session.execute(select(WebhookDelivery.subscription_id, WebhookDelivery.entry_id)
                                .where(WebhookDelivery.subscription_id == bobs["id"])).all()
    assert found == [(bobs["id"], his["id"])]


def test_a_subscription_gets_only_the_types_it_asked_for(app, client, alice):
    subscribe(client, alice, events=["time_entry.deleted"])
    made = create(client, alice, body="2 uur werk")
    client.patch(f"/api/v1/time_entries/{made['id']}.json", json={"duration": 60},
                 headers=alice.headers)  # fmt: skip
    client.delete(f"/api/v1/time_entries/{made['id']}.json", headers=alice.headers)
    assert types(app) == [("time_entry.deleted", made["id"])]


# --- many at once ------------------------------------------------------------------------


def test_concurrent_creates_have_exactly_as_many_events_as_rows(app, alice, bob, hook):
    """Threads, each with its client (its own event loop), through the one writer: plain
    creates, batches and keyed creates (each key sent twice, racing), of two users."""
    client = TestClient(app)
    subscribe(client, bob)
    threads, each = 8, 12
    barrier = threading.Barrier(threads)
    answers: list[tuple[int, int, list[int]]] = []  # (user, status, ids)
    lock = threading.Lock()

    def run(n: int) -> None:
        own = TestClient(app)
        account = alice if n % 2 else bob
        barrier.wait()
        for i in range(each):
            headers = dict(account.headers)
            if i % 4 == 0:  # the same key from two threads of this user
                headers["Idempotency-Key"] = f"key-{n // 4}-{i}"
            if i % 3 == 0:
                answer = own.post(BATCH, json={"body": f"{i} uur werk; 5 min mail"},
                                  headers=headers)  # fmt: skip
                ids = [e["id"] for e in answer.json().get("time_entries", [])]
            else:
                answer = own.post(ENTRIES, json={"body": f"{i + 1} uur werk"}, headers=headers)
                ids = [answer.json()["id"]] if answer.status_code == 201 else []
            with lock:
                answers.append((account.id, answer.status_code, ids))

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers)
    assert {status for _, status, _ in answers} <= {201, 422}  # 422: a key's other request
    with app.state.db.read() as session:
        stored = dict(session.execute(select(TimeEntry.id, TimeEntry.user_id)).all())
        total = session.scalar(select(func.count()).select_from(WebhookEvent))
    answered = {id for _, status, ids in answers if status == 201 for id in ids}
    assert answered == set(stored)  # every row answered (a replay names the first one's)
    found = events(app)
    assert total == len(found) == len(stored)
    assert Counter((t, e) for t, e, _, _ in found) == Counter(
        ("time_entry.created", id) for id in stored)  # one each, for every row
    assert all(stored[e] == user for _, e, user, _ in found)


def test_racing_deletes_of_one_entry_have_one_event(app, client, alice, hook):
    """The entry is locked as it is read (PostgreSQL): the others wait, then find it gone."""
    made = create(client, alice, body="2 uur werk")
    count = 6
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def delete() -> None:
        own = TestClient(app)
        barrier.wait()
        statuses.append(own.delete(f"/api/v1/time_entries/{made['id']}.json",
                                   headers=alice.headers).status_code)  # fmt: skip

    workers = [threading.Thread(target=delete) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(statuses) == [204] + [404] * (count - 1)
    assert types(app) == [("time_entry.created", made["id"]), ("time_entry.deleted", made["id"])]
