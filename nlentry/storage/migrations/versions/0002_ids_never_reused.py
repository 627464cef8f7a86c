"""ids are never reused: AUTOINCREMENT on every SQLite table

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:10:00

SQLite only (PostgreSQL's sequences never hand out an id twice). Each table
is rebuilt from its own columns and constraints as the database has them
(reflected, not taken from today's models) with ``AUTOINCREMENT``, its rows
copied with their ids. Its indexes are dropped first and made again after
from their exact ``CREATE INDEX`` statements, so none is lost or changed (the
partial unique index of running timers keeps its ``WHERE``). ``migrate``
turns foreign keys off around the migrations, so dropping an old table
cascades nowhere; they are checked here, before the transaction commits.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    tables = [name for (name,) in bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'alembic_version' ORDER BY rowid")]  # fmt: skip
    for table in tables:
        indexes = bind.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL", (table,)).fetchall()  # fmt: skip
        for name, _ in indexes:
            op.execute(f'DROP INDEX "{name}"')
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass
        for _, sql in indexes:
            op.execute(sql)
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"rebuilding the tables broke foreign keys: {broken[:5]}")


def downgrade() -> None:
    pass  # AUTOINCREMENT does no harm to an older version
