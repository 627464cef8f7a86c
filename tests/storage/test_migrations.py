"""Ids are never used twice, on a new database and on one upgraded from revision 0001."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nlentry.storage import Database, migrate
from nlentry.storage.models import Alias, Base, TimeEntry, User, utcnow

ENTRIES = "/api/v1/time_entries.json"


def test_a_deleted_newest_entry_keeps_its_id(client, alice):
    first = client.post(ENTRIES, data={"body": "1 uur werk"}, headers=alice.headers).json()
    newest = client.post(ENTRIES, data={"body": "2 uur werk"}, headers=alice.headers).json()
    assert client.delete(f"/api/v1/time_entries/{newest['id']}.json",
                         headers=alice.headers).status_code == 204  # fmt: skip
    again = client.post(ENTRIES, data={"body": "3 uur werk"}, headers=alice.headers).json()
    assert again["id"] > newest["id"] > first["id"]
    # a retried DELETE of the old id removes nothing
    retried = client.delete(f"/api/v1/time_entries/{newest['id']}.json", headers=alice.headers)
    assert retried.status_code == 404
    shown = client.get(f"/api/v1/time_entries/{again['id']}.json", headers=alice.headers)
    assert shown.status_code == 200 and shown.json()["duration"] == 3 * 3600


def _indexes(path) -> dict[str, str]:
    with sqlite3.connect(path) as raw:
        return dict(raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))


def test_a_new_sqlite_database_has_every_index_of_the_models(tmp_path):
    path = tmp_path / "new.db"
    db = Database(f"sqlite:///{path}")
    try:
        migrate(db.engine)
    finally:
        db.dispose()
    expected = {index.name for table in Base.metadata.tables.values() for index in table.indexes}
    assert len(expected) > 5 and set(_indexes(path)) == expected


def _entry(user_id: int, hours: int, **extra) -> TimeEntry:
    now = utcnow()
    return TimeEntry(user_id=user_id, body=f"{hours} uur", description="", date=dt.date(2026, 3, 1),
                     duration=hours * 3600, created_at=now, updated_at=now, **extra)  # fmt: skip


def test_an_upgraded_sqlite_database_keeps_its_rows_and_reuses_no_id(tmp_path):
    path = tmp_path / "old.db"
    db = Database(f"sqlite:///{path}")
    try:
        migrate(db.engine, "0001")  # the schema as it was before AUTOINCREMENT
        with sqlite3.connect(path) as raw:  # rows as revision 0001 wrote them
            now = utcnow().isoformat(sep=" ")
            raw.execute("INSERT INTO workspaces (name, catalog_version, created_at) "
                        "VALUES ('Acme', 0, ?)", (now,))  # fmt: skip
            raw.execute("INSERT INTO users (workspace_id, email, display_name, locale, "
                        "catalog_version, created_at) VALUES (1, 'old@acme.nl', 'old', 'nl', 0, ?)",
                        (now,))  # fmt: skip
            raw.execute("INSERT INTO projects (workspace_id, name, active, created_at) "
                        "VALUES (1, 'Timi', 1, ?)", (now,))  # fmt: skip
            raw.execute("INSERT INTO aliases (user_id, project_id, name, normalized) "
                        "VALUES (1, 1, 'Rowan', 'rowan')")  # fmt: skip
            for hours, timer in ((1, None), (2, None), (3, None), (0, now)):  # and a running timer
                raw.execute("INSERT INTO time_entries (user_id, body, description, date, duration, "
                            "project_id, timer_started_at, created_at, updated_at) VALUES "
                            "(1, ?, '', '2026-03-01', ?, 1, ?, ?, ?)",
                            (f"{hours} uur", hours * 3600, timer, now, now))  # fmt: skip
            user_id, project_id = 1, 1
            ids = [row[0] for row in raw.execute("SELECT id FROM time_entries ORDER BY id")]
        sql = sqlite3.connect(path).execute(
            "SELECT sql FROM sqlite_master WHERE name = 'time_entries'").fetchone()[0]
        assert "AUTOINCREMENT" not in sql  # the old schema, which reuses ids
        indexes_before = _indexes(path)

        migrate(db.engine, "0002")

        with sqlite3.connect(path) as raw:
            schema = dict(raw.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert "AUTOINCREMENT" in schema["time_entries"]
        assert "WHERE timer_started_at IS NOT NULL" in schema["uq_time_entries_running_timer"]
        assert _indexes(path) == indexes_before  # every index kept, exactly as it was
        migrate(db.engine)  # and on to today's schema
        with db.write() as session:
            assert sorted(session.scalars(select(TimeEntry.id))) == ids  # every row, its id kept
            assert session.scalar(select(Alias.project_id)) == project_id
            assert session.scalar(select(User.role)) == "admin"  # a workspace's first user
            assert session.scalar(select(TimeEntry.billable).limit(1)) is True
            assert session.scalar(select(TimeEntry.tags).limit(1)) == []
            session.delete(session.get(TimeEntry, ids[-1]))  # the newest
            session.flush()
            entry = _entry(user_id, 5)
            session.add(entry)
            session.flush()
            assert entry.id > ids[-1]
            session.add_all([_entry(user_id, 0, timer_started_at=utcnow()) for _ in range(2)])
            with pytest.raises(IntegrityError):  # still one running timer per user
                session.flush()
    finally:
        db.dispose()
