"""ids are never reused: AUTOINCREMENT on every SQLite table

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:10:00

SQLite only (PostgreSQL's sequences never hand out an id twice): each table
is rebuilt with ``AUTOINCREMENT`` from its definition in the models (columns,
constraints and indexes, the partial unique index of running timers
included), its rows copied with their ids. ``migrate`` turns foreign keys off
around it, so dropping an old table cascades nowhere, and checks them after.
"""

from alembic import op

from nlentry.storage.models import Base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# parents before children
TABLES = ("workspaces", "users", "api_tokens", "clients", "projects", "services", "aliases",
          "time_entries", "idempotency_keys")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TABLES:
        table = Base.metadata.tables[name]
        with op.batch_alter_table(name, recreate="always", copy_from=table,
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    pass  # AUTOINCREMENT does no harm to an older version
