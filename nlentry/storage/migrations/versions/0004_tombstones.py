"""tombstones of deleted time entries, for ``GET /time_entries/deleted``

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:00:00

One new table, ``deleted_time_entries``: the id of a deleted entry (ids are
never reused, revision 0002, so it is the key), its user and workspace and
when it was deleted. Read by ``(user_id, deleted_at)``, which is also what
the pruning of tombstones older than 90 days uses (docs/sync.md). Entries
deleted before this revision have no tombstone: a client that synced before
the upgrade cannot learn of them and should resynchronise fully once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deleted_time_entries",
        sa.Column("entry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("entry_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_deleted_time_entries_user_deleted", "deleted_time_entries",
                    ["user_id", "deleted_at"])


def downgrade() -> None:
    op.drop_index("ix_deleted_time_entries_user_deleted", "deleted_time_entries")
    op.drop_table("deleted_time_entries")
