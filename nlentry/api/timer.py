"""``/time_entries/timer``: the caller's one running timer.

A running timer is a time entry with ``timer_started_at`` set; a partial
unique index allows one per user. Starting stops the running one first; two
racing starts make one of them hit the index, roll back and try again, so
exactly one timer is left running. Stopping adds the measured seconds to the
entry's duration.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from nlentry.storage.models import TimeEntry, utcnow

from .auth import Caller
from .entry_input import read_entry_input
from .errors import not_found
from .handlers import Call, authenticated
from .shapes import elapsed_seconds, entry_json

_START_ATTEMPTS = 10


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


@authenticated(write=True)
def start_timer(call: Call) -> Response:
    if "body" not in call.fields:
        call.fields["body"] = ""
    entry_input = read_entry_input(call, body_required=False, need_duration=False)
    values = {k: v for k, v in entry_input.values.items()
              if k not in ("duration", "start_time", "end_time")}
    values.setdefault("date", dt.date.today())
    session = call.session
    for _ in range(_START_ATTEMPTS):
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
        try:
            session.flush()
        except IntegrityError:  # another start won the race: stop that one and retry
            session.rollback()
            continue
        session.refresh(entry)
        return JSONResponse(entry_json(entry), 201)
    raise RuntimeError("could not start a timer")


@authenticated(write=True)
def stop_timer(call: Call) -> Response:
    entry = running_timer(call.session, call.caller, lock=True)
    if entry is None:
        raise not_found()
    stop(entry, utcnow())
    call.session.flush()
    call.session.refresh(entry)
    return JSONResponse(entry_json(entry))
