"""A user's one running timer: a time entry with ``timer_started_at`` set.

A partial unique index allows one per user. A user's starts take turns: each
first locks the user's row (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL,
which leaves inserts referencing the user unblocked; on SQLite the writing
transaction, ``BEGIN IMMEDIATE``, is already alone), so the running timer it
then reads is the one to stop and its insert cannot collide. The index stays
as the last guard. Stopping adds the measured seconds to the duration.

No timer makes an entry longer than a day (``MAX_DURATION_SECONDS``): one
left running longer stops at 24 hours, its ``end_time`` the clock at that
moment, and ``stop`` says it was capped (``Stopped.capped``).

A start with an ``Idempotency-Key`` claims the key in the same transaction,
with the entry writer's statements (``nlentry.storage.entry_sql``) and
rules (``KEEP_KEYS_FOR``): a retry finds the claim and the answer kept
beside it, and stores nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, select
from sqlalchemy.orm import Session

from nlentry.limits import MAX_DURATION_SECONDS
from nlentry.storage.entry_sql import EntrySQL
from nlentry.storage.entry_submissions import Claimed
from nlentry.storage.entry_writer import KEEP_KEYS_FOR
from nlentry.storage.models import TimeEntry, User

#: The most seconds a timer's entry can hold: a timer left running longer stops there.
TIMER_CAP_SECONDS = MAX_DURATION_SECONDS


def elapsed_seconds(started_at: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds a timer has run, counting a started second (at least 1)."""
    return max(1, math.ceil((now - started_at).total_seconds()))


def total_seconds(entry: TimeEntry, now: dt.datetime) -> int:
    """A running timer's seconds so far (recorded before it started, plus measured),
    capped at ``TIMER_CAP_SECONDS``; a stopped entry's ``duration``."""
    if entry.timer_started_at is None:
        return entry.duration
    return min(TIMER_CAP_SECONDS, entry.duration + elapsed_seconds(entry.timer_started_at, now))


def exceeds_cap(entry: TimeEntry, duration: int | None, now: dt.datetime) -> bool:
    """Whether setting ``duration`` (seconds before the start) on ``entry``, when it is
    a running timer, would make it run past ``TIMER_CAP_SECONDS`` now: what a change
    of a running timer must refuse. Never for a stopped entry or no ``duration``."""
    if entry.timer_started_at is None or duration is None:
        return False
    return duration + elapsed_seconds(entry.timer_started_at, now) > TIMER_CAP_SECONDS


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


def _stop(entry: TimeEntry, now: dt.datetime, clock: dt.time) -> bool:
    """Stop ``entry`` at ``now`` (``clock`` on the user's clock), or at 24 hours when it
    has run past them: whether it was capped."""
    measured = entry.duration + elapsed_seconds(entry.timer_started_at, now)
    capped = measured > TIMER_CAP_SECONDS
    if capped:
        # It stopped when its 24 hours were full: that moment on the user's clock, from
        # ``clock`` (``now`` to the minute; UTC offsets are whole minutes, so ``now``'s
        # seconds are the ones ``clock`` left out).
        cap_at = entry.timer_started_at + dt.timedelta(
            seconds=max(0, TIMER_CAP_SECONDS - entry.duration)
        )
        local_now = dt.datetime.combine(dt.date(2000, 1, 1), clock) + dt.timedelta(
            seconds=now.second, microseconds=now.microsecond
        )
        clock = (local_now - (now - cap_at)).time().replace(second=0, microsecond=0)
    entry.duration = min(measured, TIMER_CAP_SECONDS)
    entry.timer_started_at = None
    entry.end_time = clock
    entry.updated_at = now
    return capped


def start_timer(
    session: Session, user_id: int, values: dict[str, Any], now: dt.datetime, clock: dt.time
) -> TimeEntry:
    """Stop the running timer, if any, and start a new one with ``values`` (``metadata``
    for the ``meta`` attribute) at ``clock``, the user's local clock at ``now``."""
    _take_turn(session, user_id)
    current = running_timer(session, user_id, lock=True)
    if current is not None:
        _stop(current, now, clock)
        session.flush()
    fields = {"meta" if name == "metadata" else name: value for name, value in values.items()}
    entry = TimeEntry(user_id=user_id, duration=0, start_time=clock, timer_started_at=now,
                      created_at=now, updated_at=now, **fields)  # fmt: skip
    session.add(entry)
    session.flush()
    session.refresh(entry)
    return entry


@dataclass(frozen=True)
class Stopped:
    """A stopped timer's entry, and whether it ran past 24 hours and was stopped there."""

    entry: TimeEntry
    capped: bool


def stop_timer(
    session: Session, user_id: int, now: dt.datetime, clock: dt.time
) -> Stopped | None:
    """Stop the running timer at ``clock`` (or at 24 hours): ``None`` when none runs."""
    _take_turn(session, user_id)
    entry = running_timer(session, user_id, lock=True)
    if entry is None:
        return None
    capped = _stop(entry, now, clock)
    session.flush()
    session.refresh(entry)
    return Stopped(entry, capped)


# --- Idempotency-Key: the entry writer's claims, in this session's transaction ------------


def claim_key(
    session: Session, user_id: int, key: str, request_hash: str, now: dt.datetime
) -> int | Claimed:
    """Claim ``key`` for the user in the session's transaction: the claim's id, or
    what an earlier request with the key stored (``Claimed``). Of two racing
    claims one waits for the other's commit (the unique ``(user_id, key)``)."""
    with _statements(session) as (sql, cursor):
        claim_id = sql.claim_key(cursor, user_id, key, request_hash, now, KEEP_KEYS_FOR)
        if claim_id is not None:
            return claim_id
        return Claimed(*sql.find_claim(cursor, user_id, key, now, KEEP_KEYS_FOR))


def record_answer(session: Session, claim_id: int, status: int, body: str) -> None:
    """Keep the answer given to the request that claimed ``claim_id``."""
    with _statements(session) as (sql, cursor):
        sql.record_answer(cursor, claim_id, status, body)


@contextlib.contextmanager
def _statements(session: Session) -> Iterator[tuple[EntrySQL, Any]]:
    """The entry writer's statements, and a cursor on the session's own connection
    (so in its transaction). What the session has pending is written first."""
    session.flush()
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        yield _entry_sql(connection.dialect), cursor
    finally:
        cursor.close()


@functools.lru_cache(maxsize=8)
def _entry_sql(dialect: Dialect) -> EntrySQL:
    return EntrySQL(dialect)
