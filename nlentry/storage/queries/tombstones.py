"""Tombstones of deleted time entries: written with the delete, read by sync clients.

Every delete of an entry (``entries.delete_entry``, ``bulk.delete_entries``)
records ``(entry id, user, workspace, deleted_at)`` in ``deleted_time_entries``
in the same transaction, so a delete that rolls back leaves no tombstone and
one that commits always has one. Entry ids are never reused (revision 0002),
so the id is the key.

Tombstones are kept at least ``TOMBSTONE_DAYS`` (90). Older ones of the user
are pruned in the same transaction as each delete, at most ``PRUNE_AT_MOST``
at a time: one indexed range ``(user_id, deleted_at < cutoff)`` that finds
nothing almost always, so a delete never does unbounded work and no timer or
start-up job is needed. A user who never deletes again keeps their old
tombstones (at most what they deleted); that is harmless, the 90 days are a
floor, not a ceiling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from nlentry.limits import TOMBSTONE_DAYS
from nlentry.storage.models import DeletedTimeEntry

#: How long a tombstone is kept at least.
KEEP_TOMBSTONES_FOR = dt.timedelta(days=TOMBSTONE_DAYS)
#: The most old tombstones one delete prunes.
PRUNE_AT_MOST = 1000


def record_deletes(session: Session, user_id: int, workspace_id: int,
                   entry_ids: Iterable[int], now: dt.datetime) -> None:  # fmt: skip
    """Write the tombstones of the user's entries ``entry_ids``, deleted ``now`` (in the
    session's transaction), and prune the user's tombstones past ``KEEP_TOMBSTONES_FOR``."""
    rows = [{"entry_id": id, "user_id": user_id, "workspace_id": workspace_id, "deleted_at": now}
            for id in entry_ids]  # fmt: skip
    if rows:
        session.execute(insert(DeletedTimeEntry), rows)
    prune(session, user_id, now)


def prune(session: Session, user_id: int, now: dt.datetime, at_most: int = PRUNE_AT_MOST) -> int:
    """Remove up to ``at_most`` of the user's tombstones older than ``KEEP_TOMBSTONES_FOR``
    (oldest first): how many went."""
    old = (
        select(DeletedTimeEntry.entry_id)
        .where(DeletedTimeEntry.user_id == user_id,
               DeletedTimeEntry.deleted_at < now - KEEP_TOMBSTONES_FOR)
        .order_by(DeletedTimeEntry.deleted_at)
        .limit(at_most)
    )  # fmt: skip
    result = session.execute(
        delete(DeletedTimeEntry).where(DeletedTimeEntry.entry_id.in_(old)),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


def deleted_since(session: Session, user_id: int, since: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """``(entry id, deleted_at)`` of the user's entries deleted at or after ``since``
    (naive UTC), oldest first (ties by id)."""
    rows = session.execute(
        select(DeletedTimeEntry.entry_id, DeletedTimeEntry.deleted_at)
        .where(DeletedTimeEntry.user_id == user_id, DeletedTimeEntry.deleted_at >= since)
        .order_by(DeletedTimeEntry.deleted_at, DeletedTimeEntry.entry_id)
    )
    return [(id, at) for id, at in rows]


def oldest_kept(now: dt.datetime) -> dt.datetime:
    """The earliest moment whose tombstones are still certainly kept."""
    return now - KEEP_TOMBSTONES_FOR
