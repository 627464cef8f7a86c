"""``/time_entries/timer``: the caller's one running timer (show, start, stop).

Starting stops the running one first; the storage side
(``nlentry.storage.queries.timers``) makes a user's starts take turns.
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import or_404
from nlentry.api.json_shapes import entry_json
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.entry_fields import read_entry_input
from nlentry.storage.models import utcnow
from nlentry.storage.queries import timers


def _local_clock() -> dt.time:
    return dt.datetime.now().time().replace(second=0, microsecond=0)


@authenticated
def show_timer(call: Call) -> Response:
    return JSONResponse(entry_json(or_404(timers.running_timer(call.session, call.caller.user_id))))


@authenticated(write=True)
def start_timer(call: Call) -> Response:
    if call.fields.get("body") is None:  # no text, or null: a timer without a description
        call.fields["body"] = ""
    entry_input = read_entry_input(call, body_required=False, need_duration=False)
    values = {k: v for k, v in entry_input.values.items()
              if k not in ("duration", "start_time", "end_time")}
    values.setdefault("date", dt.date.today())
    entry = timers.start_timer(call.session, call.caller.user_id, values, utcnow(), _local_clock())
    return JSONResponse(entry_json(entry), 201)


@authenticated(write=True)
def stop_timer(call: Call) -> Response:
    entry = timers.stop_timer(call.session, call.caller.user_id, utcnow(), _local_clock())
    return JSONResponse(entry_json(or_404(entry)))
