"""Many of a user's own entries changed or deleted at once (``POST /time_entries/bulk``).

The caller first reads the named entries that are the user's (``own_targets``:
locked ``FOR UPDATE`` on PostgreSQL, so a concurrent change waits and a tag
list is never written from a stale read; SQLite's writing transaction is
alone already), decides which to touch, then changes them with one statement
(or one ``executemany`` for tags, which differ per entry). Every changed
entry gets ``updated_at = now``, so a sync by ``updated_since`` sees it; a
deleted one gets its tombstone in the same transaction (``tombstones``).

``own_entries`` reads the entries themselves (their project, service and user
joined: one query), as their webhook events need them; with ``lock`` it
locks them as ``own_targets`` does (``DELETE /time_entries/{id}`` reads the
entry it deletes so: a change committed meanwhile is seen, and its event comes
first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from nlentry.storage.models import TimeEntry
from nlentry.storage.queries.tombstones import record_deletes

_NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class Target:
    """What a bulk action needs to know of one of the user's entries."""

    id: int
    running: bool  # a running timer
    tags: tuple[str, ...]


def own_targets(session: Session, user_id: int, ids: Collection[int]) -> dict[int, Target]:
    """The user's own entries among ``ids``, by id, locked until the transaction ends."""
    if not ids:
        return {}
    rows = session.execute(
        select(TimeEntry.id, TimeEntry.timer_started_at, TimeEntry.tags)
        .where(TimeEntry.user_id == user_id, TimeEntry.id.in_(list(ids)))
        .with_for_update()
    )
    return {id: Target(id, started is not None, tuple(tags or ())) for id, started, tags in rows}


def own_entries(session: Session, user_id: int, ids: Collection[int], *,
                lock: bool = False) -> list[TimeEntry]:  # fmt: skip
    """The user's own entries among ``ids``, as they are now (read again even when the
    session holds them), by id; with ``lock``, locked until the transaction ends."""
    if not ids:
        return []
    query = (select(TimeEntry)
             .where(TimeEntry.user_id == user_id, TimeEntry.id.in_(list(ids)))
             .order_by(TimeEntry.id)
             .execution_options(populate_existing=True))  # fmt: skip
    if lock:
        query = query.with_for_update(of=TimeEntry)
    return list(session.scalars(query).unique())


def delete_entries(session: Session, user_id: int, workspace_id: int, ids: Collection[int],
                   now: dt.datetime) -> int:  # fmt: skip
    """Delete the user's entries ``ids`` (read with ``own_targets``) and write their
    tombstones: how many were deleted."""
    if not ids:
        return 0
    record_deletes(session, user_id, workspace_id, sorted(ids), now)
    result = session.execute(
        delete(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.id.in_(list(ids))),
        execution_options=_NO_SYNC,
    )
    return result.rowcount or 0


def update_entries(session: Session, user_id: int, ids: Collection[int], values: Mapping[str, Any],
                   now: dt.datetime) -> int:  # fmt: skip
    """Set ``values`` (column attributes) and ``updated_at = now`` on the user's entries
    ``ids``: how many were changed."""
    if not ids:
        return 0
    result = session.execute(
        update(TimeEntry)
        .where(TimeEntry.user_id == user_id, TimeEntry.id.in_(list(ids)))
        .values(**values, updated_at=now),
        execution_options=_NO_SYNC,
    )
    return result.rowcount or 0


def set_project(session: Session, user_id: int, ids: Collection[int], project_id: int | None,
                billable: bool, now: dt.datetime) -> int:  # fmt: skip
    """Give the user's entries ``ids`` the project ``project_id`` (None: none); an entry
    whose project changes gets ``billable`` (the new project's default), as a ``PATCH``
    of ``project_id`` alone does; one that had this project keeps its own."""
    kept = case((TimeEntry.project_id.is_not_distinct_from(project_id), TimeEntry.billable),
                else_=billable)  # fmt: skip
    return update_entries(session, user_id, ids, {"project_id": project_id, "billable": kept}, now)


def set_tags(session: Session, tags: Mapping[int, list[str]], now: dt.datetime) -> int:
    """Give each entry its new ``tags`` (entry id -> tags; ids read with ``own_targets``)."""
    if not tags:
        return 0
    session.execute(
        update(TimeEntry),
        [{"id": id, "tags": list(value), "updated_at": now} for id, value in tags.items()],
        execution_options=_NO_SYNC,
    )
    return len(tags)
