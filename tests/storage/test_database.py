"""Storage guarantees: migrations, SQLite durability settings, demo seeding."""

from __future__ import annotations

from sqlalchemy import inspect, text

from nlentry.storage import Database, migrate
from nlentry.storage.api_tokens import find_token
from nlentry.storage.demo import demo_data, seed_demo


def test_migrations_create_every_table_and_run_twice(database_url):
    db = Database(database_url)
    try:
        migrate(db.engine)
        migrate(db.engine)
        tables = set(inspect(db.engine).get_table_names())
        assert {"workspaces", "users", "api_tokens", "clients", "projects", "services",
                "aliases", "time_entries", "idempotency_keys", "alembic_version"} <= tables
        with db.read() as session:
            assert session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        db.dispose()


def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with db.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
            assert pragma("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()


def test_demo_seed_gives_a_working_token_and_the_spec_catalog(database_url):
    db = Database(database_url)
    try:
        migrate(db.engine)
        with db.write() as session:
            token = seed_demo(session)
            session.commit()
        with db.read() as session:
            row = find_token(session, token.value)
            assert row is not None and row.user.email == demo_data()["demo"]["email"]
            names = session.execute(text("SELECT id, name FROM projects ORDER BY id")).all()
        assert (2, "Timi") in names and (3327, "Website") in names
        with db.write() as session:  # seeding again only issues another token
            again = seed_demo(session)
            session.commit()
        assert again.value != token.value
    finally:
        db.dispose()
