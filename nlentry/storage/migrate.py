"""Applying the Alembic migrations shipped in ``nlentry/storage/migrations``.

No ``alembic.ini`` is needed: the configuration is built here. On PostgreSQL
an advisory lock keeps two starting workers from migrating at once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x6E6C656E  # "nlen"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database at ``engine`` up to ``revision``.

    On SQLite foreign keys are off while the migrations run (a table rebuilt
    by a migration is dropped and created again; with foreign keys on, the
    drop would delete the rows that refer to it); such a migration checks
    them before its transaction commits.
    """
    config = alembic_config(engine)
    if engine.dialect.name == "sqlite":
        _migrate_sqlite(engine, config, revision)
        return
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
        finally:
            if engine.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
                connection.commit()


def _migrate_sqlite(engine: Engine, config: Config, revision: str) -> None:
    with engine.connect() as connection:
        raw = connection.connection.driver_connection  # no transaction is open yet
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
