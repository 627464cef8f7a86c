"""Ids are never used twice, on a new database and on one upgraded from revision 0001;
revision 0004 (tombstones) on a database at 0003; the migrated schema is the models'."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, delete, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from nlentry.storage import Database, migrate
from nlentry.storage.migrate import alembic_config
from nlentry.storage.models import Alias, Base, DeletedTimeEntry, TimeEntry, User, utcnow
from nlentry.storage.queries.entries import delete_entry
from nlentry.storage.queries.tombstones import deleted_since
from tests.support.api_fixtures import TEST_DATABASE_URL_ENV

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


# --- 0004: tombstones of deleted entries ------------------------------------------------------


@pytest.fixture
def empty_database(tmp_path):
    """A URL of an empty database: a SQLite file, or (``NLENTRY_TEST_DATABASE_URL`` set)
    a PostgreSQL database of its own, dropped after."""
    server = os.environ.get(TEST_DATABASE_URL_ENV)
    if not server:
        yield f"sqlite:///{tmp_path / 'at_0003.db'}"
        return
    name = f"nlentry_migration_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_0004_upgrades_a_database_at_0003(empty_database):
    db = Database(empty_database)
    try:
        migrate(db.engine, "0003")
        assert "deleted_time_entries" not in inspect(db.engine).get_table_names()
        with db.engine.begin() as connection:  # rows as revision 0003 wrote them
            now = utcnow()
            workspace = connection.execute(text(
                "INSERT INTO workspaces (name, catalog_version, created_at) "
                "VALUES ('Acme', 0, :now) RETURNING id"), {"now": now}).scalar_one()
            user = connection.execute(text(
                "INSERT INTO users (workspace_id, email, display_name, locale, catalog_version, "
                "created_at) VALUES (:ws, 'old@acme.nl', 'old', 'nl', 0, :now) RETURNING id"),
                {"ws": workspace, "now": now}).scalar_one()  # fmt: skip
            ids = [connection.execute(text(
                "INSERT INTO time_entries (user_id, body, description, date, duration, "
                "created_at, updated_at) VALUES (:user, :body, '', '2026-03-01', 3600, :now, :now) "
                "RETURNING id"), {"user": user, "body": f"{n} uur", "now": now}).scalar_one()
                for n in (1, 2)]  # fmt: skip

        migrate(db.engine, "0004")

        schema = inspect(db.engine)
        assert {c["name"] for c in schema.get_columns("deleted_time_entries")} == {
            "entry_id", "user_id", "workspace_id", "deleted_at"}
        assert schema.get_pk_constraint("deleted_time_entries")["constrained_columns"] == [
            "entry_id"]
        indexes = {i["name"]: i["column_names"] for i in schema.get_indexes("deleted_time_entries")}
        assert indexes == {"ix_deleted_time_entries_user_deleted": ["user_id", "deleted_at"]}
        with db.write() as session:  # the entries are all there; a delete leaves its tombstone
            assert sorted(session.scalars(select(TimeEntry.id))) == ids
            delete_entry(session, session.get(TimeEntry, ids[0]), now)
            session.commit()
        with db.write() as session:
            tombstone = session.scalar(select(DeletedTimeEntry))
            assert (tombstone.entry_id, tombstone.user_id, tombstone.workspace_id) == (
                ids[0], user, workspace)
            assert deleted_since(session, user, now) == [(ids[0], now)]
            session.execute(delete(User))  # a user's tombstones go with the user
            session.commit()
            assert session.scalar(select(func.count()).select_from(DeletedTimeEntry)) == 0
        command.downgrade(alembic_config(db.engine), "0003")
        assert "deleted_time_entries" not in inspect(db.engine).get_table_names()
        migrate(db.engine, "0004")  # and up again
        assert "deleted_time_entries" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()


def test_the_migrated_schema_is_the_models(empty_database):
    """What the migrations make is what ``models`` declares (Alembic finds no difference)."""
    db = Database(empty_database)
    try:
        migrate(db.engine)
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        db.dispose()
