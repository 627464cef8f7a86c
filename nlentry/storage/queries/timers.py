"""A user's one running timer: a time entry with ``timer_started_at`` set.

A partial unique index allows one per user. A user's starts take turns: each
first locks the user's row (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL,
which leaves inserts referencing the user unblocked; on SQLite the writing
transaction, ``BEGIN IMMEDIATE``, is already alone), so the running timer it
then reads is the one to stop and its insert cannot collide. The index stays
as the last guard. Stopping adds the measured seconds to the duration.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nlentry.storage.models import TimeEntry, User


def elapsed_seconds(started_at: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds a timer has run, counting a started second (at least 1)."""
    return max(1, math.ceil((now - started_at).total_seconds()))


def running_timer(session: Session, user_id: int, *, lock: bool = False) -> TimeEntry | None:
    query = select(TimeEntry).where(
        TimeEntry.user_id == user_id, TimeEntry.timer_started_at.is_not(None)
    )
    if lock:
        query = query.with_for_update(of=TimeEntry)
    return session.scalar(query)


def _take_turn(session: Session, user_id: int) -> None:
    """Wait for the user's other timer starts to finish (a row lock until commit)."""
    session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


def _stop(entry: TimeEntry, now: dt.datetime, clock: dt.time) -> None:
    entry.duration = entry.duration + elapsed_seconds(entry.timer_started_at, now)
    entry.timer_started_at = None
    entry.end_time = clock
    entry.updated_at = now


def start_timer(
    session: Session, user_id: int, values: dict[str, Any], now: dt.datetime, clock: dt.time
) -> TimeEntry:
    """Stop the running timer, if any, and start a new one with ``values`` at ``clock``."""
    _take_turn(session, user_id)
    current = running_timer(session, user_id, lock=True)
    if current is not None:
        _stop(current, now, clock)
        session.flush()
    entry = TimeEntry(user_id=user_id, duration=0, start_time=clock, timer_started_at=now,
                      created_at=now, updated_at=now, **values)  # fmt: skip
    session.add(entry)
    session.flush()
    session.refresh(entry)
    return entry


def stop_timer(
    session: Session, user_id: int, now: dt.datetime, clock: dt.time
) -> TimeEntry | None:
    """Stop the running timer at ``clock``: the entry, or ``None`` when none runs."""
    _take_turn(session, user_id)
    entry = running_timer(session, user_id, lock=True)
    if entry is None:
        return None
    _stop(entry, now, clock)
    session.flush()
    session.refresh(entry)
    return entry
