"""A user's own time entries: find, list with filters, change, delete."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nlentry.storage.models import Project, TimeEntry


@dataclass(frozen=True)
class EntryFilter:
    """Which entries a list shows; ``None`` is no condition."""

    date: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    project_ids: list[int] | None = None
    service_ids: list[int] | None = None
    client_ids: list[int] | None = None


def own_entry(session: Session, user_id: int, id: int) -> TimeEntry | None:
    """One of the user's own entries, or ``None``."""
    return session.scalar(select(TimeEntry).where(TimeEntry.id == id, TimeEntry.user_id == user_id))


def list_entries(
    session: Session, user_id: int, where: EntryFilter, *, offset: int, limit: int
) -> tuple[int, list[TimeEntry]]:
    """How many of the user's entries match, and one page of them, newest first."""
    conditions = [TimeEntry.user_id == user_id]
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
    total = session.scalar(select(func.count()).select_from(TimeEntry).where(*conditions))
    entries = session.scalars(
        select(TimeEntry)
        .where(*conditions)
        .order_by(TimeEntry.date.desc(), TimeEntry.created_at.desc(), TimeEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return total, list(entries)


def update_entry(session: Session, entry: TimeEntry, values: dict[str, Any], now: dt.datetime):
    """Set ``values`` on the entry, store it and read it back."""
    for name, value in values.items():
        setattr(entry, name, value)
    entry.updated_at = now
    session.flush()
    session.refresh(entry)
    return entry


def delete_entry(session: Session, entry: TimeEntry) -> None:
    session.delete(entry)
