"""The tables: workspaces, users, tokens, catalog, aliases, entries, keys.

Times are stored as naive UTC datetimes. ``metadata`` (string keys to string
values) and ``tags`` (a list of strings) are JSON columns; the attribute of a
``metadata`` column is ``meta`` (SQLAlchemy's declarative classes own the name
``metadata``). A user's ``timezone`` is an IANA name, or ``NULL`` for the
server's default (``nlentry.api.user_time``); a token's ``scopes`` are
space-separated scope names (``nlentry.api.scopes``).

One running timer per user is a partial unique index on ``time_entries.user_id`` where ``timer_started_at``
is set, so the database itself refuses a second one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from nlentry.limits import MAX_IDEMPOTENCY_KEY_LENGTH, MAX_NAME_LENGTH


def utcnow() -> dt.datetime:
    """The current time as a naive UTC datetime (what the columns hold)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    # bumped whenever a project or service changes: keys the parser catalog cache
    catalog_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH), unique=True)
    display_name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    locale: Mapped[str] = mapped_column(String(8), default="nl")
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # bumped whenever one of the user's aliases changes
    catalog_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    workspace: Mapped[Workspace] = relationship()


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH), default="", server_default="")
    scopes: Mapped[str] = mapped_column(Text, default="admin:all", server_default="admin:all")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship()


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    active: Mapped[bool] = mapped_column(default=True)
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict, server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    active: Mapped[bool] = mapped_column(default=True)
    billable: Mapped[bool] = mapped_column(default=True, server_default=true())
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict, server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    client: Mapped[Client | None] = relationship(lazy="joined")


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    active: Mapped[bool] = mapped_column(default=True)
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict, server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Alias(Base):
    """A user's own name for one project or one service."""

    __tablename__ = "aliases"
    __table_args__ = (
        UniqueConstraint("user_id", "normalized", name="uq_aliases_user_normalized"),
        CheckConstraint(
            "(project_id IS NULL) <> (service_id IS NULL)", name="ck_aliases_one_target"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=True, index=True
    )
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    normalized: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))


class TimeEntry(Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_user_date", "user_id", "date"),
        Index("ix_time_entries_user_updated", "user_id", "updated_at"),
        Index(
            "uq_time_entries_running_timer",
            "user_id",
            unique=True,
            sqlite_where=text("timer_started_at IS NOT NULL"),
            postgresql_where=text("timer_started_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date] = mapped_column(Date)
    duration: Mapped[int] = mapped_column(Integer, default=0)
    start_time: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    end_time: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("services.id", ondelete="SET NULL"), nullable=True
    )
    timer_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    billable: Mapped[bool] = mapped_column(default=True, server_default=true())
    tags: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict, server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    project: Mapped[Project | None] = relationship(lazy="joined")
    service: Mapped[Service | None] = relationship(lazy="joined")


class DeletedTimeEntry(Base):
    """The tombstone of a deleted time entry: written with the delete, kept 90 days."""

    __tablename__ = "deleted_time_entries"
    __table_args__ = (Index("ix_deleted_time_entries_user_deleted", "user_id", "deleted_at"),)

    # the deleted entry's id: ids are never reused, so it is the key
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class IdempotencyKey(Base):
    """A claimed ``Idempotency-Key`` and the answer first given to it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_IDEMPOTENCY_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


# SQLite gives a new row the largest rowid + 1, so without AUTOINCREMENT a
# deleted newest row's id comes back: a retried DELETE of it, or an
# idempotent replay naming it, would then hit someone else's row. With
# AUTOINCREMENT an id is never used twice (PostgreSQL's sequences never reuse
# one either). Migration 0002 rebuilds the tables of existing databases.
for _table in Base.metadata.tables.values():
    _table.dialect_kwargs["sqlite_autoincrement"] = True
