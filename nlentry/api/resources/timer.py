"""``/time_entries/timer``: the caller's one running timer (show, start, stop).

Starting stops the running one first; the storage side
(``nlentry.storage.queries.timers``) makes a user's starts take turns.
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import or_404
from nlentry.api.json_shapes import entry_json
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.entry_fields import read_entry_input
from nlentry.api.request.models import TimerInput
from nlentry.api.response_models import TimeEntry
from nlentry.storage.models import utcnow
from nlentry.storage.queries import timers

TAG = "Timer"
PATH = "/time_entries/timer"
NO_TIMER = {"NotFound": "no timer runs"}


def _local_clock() -> dt.time:
    return dt.datetime.now().time().replace(second=0, microsecond=0)


@operation("GET", PATH, tag=TAG, summary="The caller's running timer", response=TimeEntry,
           answer="the running entry, `duration` so far", errors=NO_TIMER)  # fmt: skip
def show_timer(call: Call) -> Response:
    return JSONResponse(entry_json(or_404(timers.running_timer(call.session, call.caller.user_id))))


@operation("POST", PATH, tag=TAG, summary="Start a timer from a sentence",
           description="Project and service are parsed from `body`. A running timer is stopped "
                       "first and kept as an ordinary entry.",
           request=TimerInput, request_description="what the timer is for",
           request_required=False, response=TimeEntry, status=201, answer="the running entry",
           errors=BODY_ERRORS, write=True)  # fmt: skip
def start_timer(call: Call) -> Response:
    if call.fields.get("body") is None:  # no text, or null: a timer without a description
        call.fields["body"] = ""
    entry_input = read_entry_input(call, TimerInput, need_duration=False)
    values = {k: v for k, v in entry_input.values.items()
              if k not in ("duration", "start_time", "end_time")}
    values.setdefault("date", dt.date.today())
    entry = timers.start_timer(call.session, call.caller.user_id, values, utcnow(), _local_clock())
    return JSONResponse(entry_json(entry), 201)


@operation("DELETE", PATH, tag=TAG, summary="Stop the running timer", response=TimeEntry,
           answer="the stopped entry with its measured duration", errors=NO_TIMER,
           write=True)  # fmt: skip
def stop_timer(call: Call) -> Response:
    entry = timers.stop_timer(call.session, call.caller.user_id, utcnow(), _local_clock())
    return JSONResponse(entry_json(or_404(entry)))
