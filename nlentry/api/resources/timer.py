"""``/time_entries/timer``: the caller's one running timer.

A running timer is a time entry with ``timer_started_at`` set; a partial
unique index allows one per user. Starting stops the running one first. A
user's starts take turns: each first locks the user's row (``SELECT ... FOR
NO KEY UPDATE`` on PostgreSQL, which leaves inserts referencing the user
unblocked; on SQLite the writing transaction, ``BEGIN IMMEDIATE``, is
already alone), so the running timer it then reads is the one to stop and
its insert cannot collide. The index stays as the last guard. Stopping adds
the measured seconds to the entry's duration.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from nlentry.api.credentials import Caller
from nlentry.api.errors import not_found
from nlentry.api.json_shapes import elapsed_seconds, entry_json
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.entry_fields import read_entry_input
from nlentry.storage.models import TimeEntry, User, utcnow


def running_timer(session: Session, caller: Caller, *, lock: bool = False) -> TimeEntry | None:
    query = select(TimeEntry).where(
        TimeEntry.user_id == caller.user_id, TimeEntry.timer_started_at.is_not(None)
    )
    if lock:
        query = query.with_for_update(of=TimeEntry)
    return session.scalar(query)


def stop(entry: TimeEntry, now: dt.datetime) -> None:
    entry.duration = entry.duration + elapsed_seconds(entry.timer_started_at, now)
    entry.timer_started_at = None
    entry.end_time = _local_clock()
    entry.updated_at = now


def _local_clock() -> dt.time:
    return dt.datetime.now().time().replace(second=0, microsecond=0)


@authenticated
def show_timer(call: Call) -> Response:
    entry = running_timer(call.session, call.caller)
    if entry is None:
        raise not_found()
    return JSONResponse(entry_json(entry))


def lock_user_timers(session: Session, caller: Caller) -> None:
    """Wait for the caller's other timer starts to finish (a row lock until commit)."""
    session.execute(
        select(User.id).where(User.id == caller.user_id).with_for_update(key_share=True)
    )


@authenticated(write=True)
def start_timer(call: Call) -> Response:
    if call.fields.get("body") is None:  # no text, or null: a timer without a description
        call.fields["body"] = ""
    entry_input = read_entry_input(call, body_required=False, need_duration=False)
    values = {k: v for k, v in entry_input.values.items()
              if k not in ("duration", "start_time", "end_time")}
    values.setdefault("date", dt.date.today())
    session = call.session
    lock_user_timers(session, call.caller)
    now = utcnow()
    current = running_timer(session, call.caller, lock=True)
    if current is not None:
        stop(current, now)
        session.flush()
    entry = TimeEntry(
        user_id=call.caller.user_id,
        duration=0,
        start_time=_local_clock(),
        timer_started_at=now,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(entry)
    session.flush()
    session.refresh(entry)
    return JSONResponse(entry_json(entry), 201)


@authenticated(write=True)
def stop_timer(call: Call) -> Response:
    lock_user_timers(call.session, call.caller)
    entry = running_timer(call.session, call.caller, lock=True)
    if entry is None:
        raise not_found()
    stop(entry, utcnow())
    call.session.flush()
    call.session.refresh(entry)
    return JSONResponse(entry_json(entry))
