"""chat: links of chat users, one-time link codes, deliveries handled

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 09:00:00

Three new tables (``nlentry.storage.chat_models``, docs/chat.md). Nothing
existing changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("chat_user", sa.String(64), nullable=False),
        sa.Column("chat", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("last_entry_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "team", "chat_user", name="uq_chat_links_identity"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_chat_links_user_id", "chat_links", ["user_id"])
    op.create_table(
        "chat_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("chat_user", sa.String(64), nullable=False),
        sa.Column("chat", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_chat_link_codes_expires_at", "chat_link_codes", ["expires_at"])
    op.create_table(
        "chat_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("delivery", sa.String(128), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "delivery", name="uq_chat_deliveries_delivery"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_chat_deliveries_created_at", "chat_deliveries", ["created_at"])


def downgrade() -> None:
    op.drop_table("chat_deliveries")
    op.drop_table("chat_link_codes")
    op.drop_table("chat_links")
