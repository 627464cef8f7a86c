"""A user's own time entries: find, list with filters and an order, change, delete (with
its tombstone, ``tombstones``).

A list shows the user's own entries, or, for an admin who names ``user_ids``, those
of the named users of the admin's workspace (any other id matches nothing). The
``tags`` filter reads the JSON list per dialect: SQLite's ``json_each``, PostgreSQL's
``jsonb_array_elements_text``; tags and words compare case aside (on SQLite, ASCII
case only: its ``lower`` knows no other).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from nlentry.storage.models import Project, TimeEntry, User, utcnow
from nlentry.storage.queries.tombstones import record_deletes

#: The orders a list can have (``-``: descending), each with the newest id first on ties.
SORT_COLUMNS = {
    "date": TimeEntry.date,
    "duration": TimeEntry.duration,
    "created_at": TimeEntry.created_at,
    "updated_at": TimeEntry.updated_at,
}
DEFAULT_SORT = "-date"
_LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class EntryFilter:
    """Which entries a list shows; ``None`` (or empty) is no condition."""

    date: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    project_ids: list[int] | None = None
    service_ids: list[int] | None = None
    client_ids: list[int] | None = None
    #: the workspace's users whose entries to show instead of the user's own (admins)
    user_ids: list[int] | None = None
    billable: bool | None = None
    tags: tuple[str, ...] = ()  # an entry must have every one
    words: tuple[str, ...] = ()  # each in the body or the description
    updated_since: dt.datetime | None = None  # naive UTC


def own_entry(session: Session, user_id: int, id: int) -> TimeEntry | None:
    """One of the user's own entries, or ``None``."""
    return session.scalar(select(TimeEntry).where(TimeEntry.id == id, TimeEntry.user_id == user_id))


def list_entries(
    session: Session,
    user_id: int,
    where: EntryFilter,
    *,
    offset: int,
    limit: int,
    workspace_id: int | None = None,
    sort: str | None = None,
) -> tuple[int, list[TimeEntry]]:
    """How many entries match, and one page of them in the order ``sort`` (one of
    ``SORT_COLUMNS``, ``-`` first for descending; default ``-date``), ties newest id first.

    ``where.user_ids`` (an admin's) needs the caller's ``workspace_id``.
    """
    conditions = _conditions(session, user_id, where, workspace_id)
    total = session.scalar(select(func.count()).select_from(TimeEntry).where(*conditions))
    entries = session.scalars(
        select(TimeEntry)
        .where(*conditions)
        .order_by(*_order(sort or DEFAULT_SORT))
        .offset(offset)
        .limit(limit)
    )
    return total, list(entries)


def _order(sort: str) -> list[Any]:
    column = SORT_COLUMNS[sort.lstrip("-")]
    return [column.desc() if sort.startswith("-") else column.asc(), TimeEntry.id.desc()]


def _conditions(session: Session, user_id: int, where: EntryFilter,
                workspace_id: int | None) -> list[ColumnElement]:  # fmt: skip
    if where.user_ids is None:
        conditions: list[ColumnElement] = [TimeEntry.user_id == user_id]
    else:
        if workspace_id is None:
            raise ValueError("user_ids needs the workspace")
        conditions = [TimeEntry.user_id.in_(
            select(User.id).where(User.workspace_id == workspace_id, User.id.in_(where.user_ids))
        )]  # fmt: skip
    if where.date is not None:
        conditions.append(TimeEntry.date == where.date)
    if where.start_date is not None:
        conditions.append(TimeEntry.date >= where.start_date)
    if where.end_date is not None:
        conditions.append(TimeEntry.date <= where.end_date)
    if where.project_ids is not None:
        conditions.append(TimeEntry.project_id.in_(where.project_ids))
    if where.service_ids is not None:
        conditions.append(TimeEntry.service_id.in_(where.service_ids))
    if where.client_ids is not None:
        conditions.append(
            TimeEntry.project_id.in_(
                select(Project.id).where(Project.client_id.in_(where.client_ids))
            )
        )
    if where.billable is not None:
        conditions.append(TimeEntry.billable.is_(where.billable))
    if where.updated_since is not None:
        conditions.append(TimeEntry.updated_at >= where.updated_since)
    dialect = session.get_bind().dialect.name
    conditions.extend(has_tag(tag, dialect) for tag in where.tags)
    for word in where.words:
        pattern = f"%{escape_like(word)}%"
        conditions.append(or_(TimeEntry.body.ilike(pattern, escape=_LIKE_ESCAPE),
                              TimeEntry.description.ilike(pattern, escape=_LIKE_ESCAPE)))  # fmt: skip
    return conditions


def escape_like(text: str) -> str:
    """``text`` matched literally in a ``LIKE`` pattern (with ``ESCAPE '\\'``)."""
    return (text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
            .replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_"))  # fmt: skip


def has_tag(tag: str, dialect: str) -> ColumnElement:
    """Whether an entry's ``tags`` (a JSON list) hold ``tag``, case aside."""
    if dialect == "postgresql":
        elements = func.jsonb_array_elements_text(TimeEntry.tags.cast(JSONB))
    elif dialect == "sqlite":
        elements = func.json_each(TimeEntry.tags)
    else:
        raise ValueError(f"no tag filter for {dialect}")
    each = elements.table_valued("value").alias("entry_tag")
    return exists(
        select(literal(1)).select_from(each).where(func.lower(each.c.value) == func.lower(tag))
    )


def update_entry(session: Session, entry: TimeEntry, values: dict[str, Any], now: dt.datetime):
    """Set ``values`` on the entry (``metadata`` is its ``meta``), store it and read it back."""
    for name, value in values.items():
        setattr(entry, "meta" if name == "metadata" else name, value)
    entry.updated_at = now
    session.flush()
    session.refresh(entry)
    return entry


def delete_entry(session: Session, entry: TimeEntry, now: dt.datetime | None = None) -> None:
    """Delete the entry and write its tombstone (``tombstones``), in the session's
    transaction: both are committed, or neither."""
    record_deletes(session, entry.user_id, entry.user.workspace_id, [entry.id], now or utcnow())
    session.delete(entry)
    session.flush()
