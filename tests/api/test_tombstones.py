"""Tombstones of deleted entries (issue 12): written in the delete's own transaction (a
delete that fails leaves none, a tombstone that cannot be written keeps the entry),
kept 90 days and pruned after, and ``GET /time_entries/deleted.json?since=``: its
reading of ``since``, its order, the caller's offset, its ``ETag``, 401/403/422.

"Now" is injected (the ``utcnow`` the resources read); nothing reads the wall clock.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from nlentry.api.resources import bulk, deleted, time_entries
from nlentry.storage.models import DeletedTimeEntry, TimeEntry
from nlentry.storage.queries import entries as entry_queries
from nlentry.storage.queries import tombstones as tombstone_queries

ENTRIES = "/api/v1/time_entries.json"
DELETED = "/api/v1/time_entries/deleted.json"
T0 = dt.datetime(2026, 3, 18, 9, 30, 15)  # naive UTC
TOO_OLD = ("is meer dan 90 dagen geleden: zo oude verwijderingen worden niet bewaard; haal de "
           "hele lijst opnieuw op")


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(T0)
    for module in (time_entries, deleted, bulk):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


def create(client, account, body="1 uur werk"):
    answer = client.post(ENTRIES, json={"body": body}, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def delete(client, account, id, expect=204):
    answer = client.delete(f"/api/v1/time_entries/{id}.json", headers=account.headers)
    assert answer.status_code == expect, answer.text
    return answer


def listed(client, account, since, expect=200, **headers):
    answer = client.get(DELETED, params={"since": since}, headers={**account.headers, **headers})
    assert answer.status_code == expect, answer.text
    return answer


def stored(app):
    with app.state.db.read() as session:
        return {row.entry_id: (row.user_id, row.workspace_id, row.deleted_at)
                for row in session.scalars(select(DeletedTimeEntry))}


def entry_ids(app):
    with app.state.db.read() as session:
        return sorted(session.scalars(select(TimeEntry.id)))


# --- written with the delete -------------------------------------------------------------------


def test_a_delete_writes_its_tombstone(app, client, alice, clock):
    id = create(client, alice)
    delete(client, alice, id)
    assert stored(app) == {id: (alice.id, alice.workspace_id, T0)}
    assert listed(client, alice, "2026-03-18").json() == [
        {"id": id, "deleted_at": "2026-03-18T09:30:15+00:00"}]
    delete(client, alice, id, expect=404)  # a retry: no second tombstone, no error
    assert list(stored(app)) == [id]


def test_a_delete_that_fails_leaves_no_tombstone(app, client, alice, clock, monkeypatch):
    id = create(client, alice)
    real = entry_queries.record_deletes

    def then_fail(*args, **kwargs):
        real(*args, **kwargs)  # the tombstone is written in the transaction ...
        raise RuntimeError("the disk is gone")  # ... which then fails

    monkeypatch.setattr(entry_queries, "record_deletes", then_fail)
    assert client.delete(f"/api/v1/time_entries/{id}.json", headers=alice.headers).status_code == 500
    assert stored(app) == {} and entry_ids(app) == [id]
    monkeypatch.setattr(entry_queries, "record_deletes", real)
    delete(client, alice, id)
    assert list(stored(app)) == [id] and entry_ids(app) == []


def test_a_tombstone_that_cannot_be_written_keeps_the_entry(app, client, alice, clock):
    """Both or neither: a tombstone row in the way (its key taken) fails the whole delete."""
    id = create(client, alice)
    with app.state.db.write() as session:
        session.add(DeletedTimeEntry(entry_id=id, user_id=alice.id,
                                     workspace_id=alice.workspace_id, deleted_at=T0))  # fmt: skip
        session.commit()
    answer = client.delete(f"/api/v1/time_entries/{id}.json", headers=alice.headers)
    assert answer.status_code >= 500
    assert entry_ids(app) == [id]


def test_a_failed_bulk_delete_leaves_no_tombstone(app, client, alice, clock, monkeypatch):
    ids = [create(client, alice), create(client, alice)]

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(tombstone_queries, "prune", fail)  # after the tombstones' insert
    answer = client.post("/api/v1/time_entries/bulk.json",
                         json={"entry_ids": ids, "action": "delete"}, headers=alice.headers)
    assert answer.status_code == 500
    assert stored(app) == {} and entry_ids(app) == ids


# --- kept 90 days ------------------------------------------------------------------------------


def test_tombstones_are_kept_90_days_then_pruned_by_a_later_delete(app, client, alice, bob,
                                                                    clock):  # fmt: skip
    old, bobs = create(client, alice), create(client, bob)
    delete(client, alice, old)
    delete(client, bob, bobs)
    later = [create(client, alice) for _ in range(3)]
    clock.now = T0 + dt.timedelta(days=90)  # exactly 90 days: still kept
    delete(client, alice, later[0])
    assert set(stored(app)) == {old, bobs, later[0]}
    clock.now = T0 + dt.timedelta(days=90, seconds=1)
    delete(client, alice, later[1])
    assert set(stored(app)) == {bobs, later[0], later[1]}  # Bob's are his own deletes' to prune
    assert [t["id"] for t in listed(client, alice, "2026-06-01").json()] == later[:2]
    # a bulk delete prunes too
    clock.now = T0 + dt.timedelta(days=181)
    client.post("/api/v1/time_entries/bulk.json", json={"entry_ids": [later[2]],
                "action": "delete"}, headers=alice.headers)  # fmt: skip
    assert set(stored(app)) == {bobs, later[2]}


def test_pruning_is_bounded_per_delete(app, alice):
    with app.state.db.write() as session:
        session.add_all(DeletedTimeEntry(entry_id=10_000 + n, user_id=alice.id,
                                         workspace_id=alice.workspace_id,
                                         deleted_at=T0 + dt.timedelta(seconds=n))
                        for n in range(5))  # fmt: skip
        session.flush()
        later = T0 + dt.timedelta(days=100)
        assert tombstone_queries.prune(session, alice.id, later, at_most=2) == 2
        assert tombstone_queries.prune(session, alice.id, later, at_most=2) == 2
        left = session.scalars(select(DeletedTimeEntry.entry_id)).all()
        assert left == [10_004]  # the oldest went first
        session.commit()


# --- the list ------------------------------------------------------------------------------------


def test_since_is_inclusive_and_the_list_oldest_first(app, client, alice, clock):
    ids = [create(client, alice) for _ in range(3)]
    for n, id in enumerate(reversed(ids)):  # deleted newest first
        clock.now = T0 + dt.timedelta(seconds=n)
        delete(client, alice, id)
    answer = listed(client, alice, "2026-03-18T09:30:16Z").json()
    assert answer == [{"id": ids[1], "deleted_at": "2026-03-18T09:30:16+00:00"},
                      {"id": ids[0], "deleted_at": "2026-03-18T09:30:17+00:00"}]
    assert [t["id"] for t in listed(client, alice, "2026-03-18T09:30:17Z").json()] == [ids[0]]
    assert listed(client, alice, "2026-03-18T09:30:17.000001Z").json() == []


@pytest.mark.parametrize(("since", "count"), [
    ("2026-03-18", 1),  # a date alone: its midnight, UTC
    ("2026-03-18T09:30:15", 1),  # no offset: UTC
    ("2026-03-18T10:30:15+01:00", 1),
    ("2026-03-18T10:30:16+01:00", 0),
    ("2026-03-18T10:30:15 01:00", 1),  # a + the query string turned into a space
    ("2026-03-18 09:30:15Z", 1),
    ("2026-03-18T09:30:15.5Z", 0),
])
def test_since_is_read_like_updated_since(client, alice, clock, since, count):
    delete(client, alice, create(client, alice))
    assert len(listed(client, alice, since).json()) == count


def test_timestamps_carry_the_callers_offset(app, client, make_account, clock):
    dana = make_account(app, "dana@acme.nl", timezone="Europe/Amsterdam")
    id = create(client, dana)
    delete(client, dana, id)
    assert listed(client, dana, "2026-03-18T10:00:00+01:00").json() == [
        {"id": id, "deleted_at": "2026-03-18T10:30:15+01:00"}]


def test_only_the_callers_own_tombstones(client, alice, bob, carol, clock):
    for account in (bob, carol):
        delete(client, account, create(client, account))
    mine = create(client, alice)
    delete(client, alice, mine)
    assert [t["id"] for t in listed(client, alice, "2026-03-01").json()] == [mine]


@pytest.mark.parametrize(("params", "errors"), [
    ({}, {"since": ["moet opgegeven zijn"]}),
    ({"since": ""}, {"since": ["is ongeldig"]}),
    ({"since": "gisteren"}, {"since": ["is ongeldig"]}),
    ({"since": "2026-13-01"}, {"since": ["is ongeldig"]}),
    ({"since": "2025-12-17T09:30:14Z"}, {"since": [TOO_OLD]}),
    ({"since": "2026-03-01", "page": "1"}, {"page": ["is geen bekende parameter"]}),
])
def test_invalid_parameters_are_422(client, alice, clock, params, errors):
    answer = client.get(DELETED, params=params, headers=alice.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == errors and answer.json()["param"] == next(iter(errors))


def test_exactly_90_days_back_is_served(client, alice, clock):
    listed(client, alice, "2025-12-18T09:30:15Z")


def test_cache_busters_and_credentials_are_no_parameters(client, alice, clock):
    answer = client.get(DELETED, params={"since": "2026-03-01", "_": "123", "email": alice.email},
                        headers=alice.headers)  # fmt: skip
    assert answer.status_code == 200 and answer.json() == []


def test_the_list_has_an_etag(client, alice, clock):
    first = listed(client, alice, "2026-03-01")
    etag = first.headers["ETag"]
    again = listed(client, alice, "2026-03-01", expect=304, **{"If-None-Match": etag})
    assert again.content == b"" and again.headers["ETag"] == etag
    delete(client, alice, create(client, alice))
    changed = listed(client, alice, "2026-03-01", **{"If-None-Match": etag})
    assert changed.headers["ETag"] != etag and len(changed.json()) == 1


def test_401_and_403(client, alice, make_token, app, clock):
    assert client.get(DELETED, params={"since": "2026-03-01"}).status_code == 401
    writer = make_token(app, alice, scopes=("write:time_entries",))
    answer = client.get(DELETED, params={"since": "2026-03-01"}, headers=writer.headers)
    assert answer.status_code == 403 and answer.json()["required_scope"] == "read:time_entries"
    reader = make_token(app, alice, scopes=("read:time_entries",))
    assert listed(client, reader, "2026-03-01").json() == []
