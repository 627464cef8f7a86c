"""roles, token scopes and expiry, user time zones, billable, tags and metadata

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 07:30:00

Columns only, each with a server default, so existing rows get their value
(``ALTER TABLE ... ADD COLUMN`` on both SQLite and PostgreSQL). Existing
tokens keep every right they had (``admin:all``); the first user of each
existing workspace becomes its admin, as a new workspace's first user does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OBJECT = {"type_": sa.JSON(), "server_default": "{}", "nullable": False}


def upgrade() -> None:
    op.add_column("users", sa.Column("role", sa.String(16), server_default="member",
                                     nullable=False))
    op.add_column("users", sa.Column("timezone", sa.String(64), nullable=True))
    op.add_column("api_tokens", sa.Column("name", sa.String(255), server_default="",
                                          nullable=False))
    op.add_column("api_tokens", sa.Column("scopes", sa.Text(), server_default="admin:all",
                                          nullable=False))
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(), nullable=True))
    op.add_column("api_tokens", sa.Column("last_used_at", sa.DateTime(), nullable=True))
    for table in ("clients", "projects", "services", "time_entries"):
        op.add_column(table, sa.Column("metadata", **_OBJECT))
    for table in ("projects", "time_entries"):
        op.add_column(table, sa.Column("billable", sa.Boolean(), server_default=sa.true(),
                                       nullable=False))
    op.add_column("time_entries", sa.Column("tags", sa.JSON(), server_default="[]",
                                            nullable=False))
    op.create_index("ix_time_entries_user_updated", "time_entries", ["user_id", "updated_at"])
    op.execute(
        "UPDATE users SET role = 'admin' WHERE id IN "
        "(SELECT MIN(id) FROM users GROUP BY workspace_id)"
    )


def downgrade() -> None:
    op.drop_index("ix_time_entries_user_updated", "time_entries")
    for table, column in (("time_entries", "tags"), ("time_entries", "billable"),
                          ("projects", "billable"), ("time_entries", "metadata"),
                          ("services", "metadata"), ("projects", "metadata"),
                          ("clients", "metadata"), ("api_tokens", "last_used_at"),
                          ("api_tokens", "expires_at"), ("api_tokens", "scopes"),
                          ("api_tokens", "name"), ("users", "timezone"), ("users", "role")):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
