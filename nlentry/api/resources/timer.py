"""``/time_entries/timer``: the caller's one running timer (show, start, stop).

Starting stops the running one first; the storage side
(``nlentry.storage.queries.timers``) makes a user's starts take turns, and
stops a timer that ran past 24 hours at 24 hours: the stop answer then
carries a ``timer_capped`` warning. A start with an ``Idempotency-Key``
claims the key in its own transaction, as ``POST /time_entries`` does
(``nlentry.api.idempotency``): a retry gets the first answer, a refusal
included, and starts nothing.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry import message
from nlentry.api import idempotency
from nlentry.api.errors import APIError, or_404
from nlentry.api.json_shapes import entry_json, parse_notes
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.entry_fields import default_billable, find_project, read_entry_input
from nlentry.api.request.models import IdempotencyHeaders, TimerInput
from nlentry.api.response_models import RunningTimer, StartedTimer, StoppedTimer
from nlentry.api.user_time import local_clock, local_today, zone_of
from nlentry.storage.entry_submissions import Claimed
from nlentry.storage.models import utcnow
from nlentry.storage.queries import timers
from nlentry.storage.webhook_outbox import emit_with_session

TAG = "Timer"
PATH = "/time_entries/timer"
NO_TIMER = {"NotFound": "no timer runs"}
#: The warning of a timer that ran past 24 hours and was stopped there.
TIMER_CAPPED = "timer_capped"


@operation("GET", PATH, tag=TAG, scope="read:time_entries", summary="The caller's running timer", response=RunningTimer,
           answer="the running entry (`duration` recorded before `timer_started_at`, "
                  "`total_duration` with the time since), or `{}` when none runs")  # fmt: skip
def show_timer(call: Call) -> Response:
    running = timers.running_timer(call.session, call.caller.user_id)
    if running is None:  # Timi answers {} (a client takes any other object for a timer)
        return JSONResponse({})
    return JSONResponse(entry_json(running, zone_of(call.caller), utcnow()))


@operation("POST", PATH, tag=TAG, scope="write:time_entries", summary="Start a timer from a sentence",
           description="Project and service are parsed from `body`; the date is the "
                       "caller's local date and the start the caller's local clock unless "
                       "given. A running timer is stopped first and kept as an ordinary entry "
                       "(at most 24 hours long).",
           headers=IdempotencyHeaders, request=TimerInput,
           request_description="what the timer is for", request_required=False,
           response=StartedTimer, status=201, errors=BODY_ERRORS, write=True,
           answer="the running entry, with the parser's `warnings` and `candidates`")  # fmt: skip
def start_timer(call: Call) -> Response:
    key = idempotency.read_key(call)
    if key is None:
        return _start(call)
    request_hash = idempotency.fingerprint(call.fields)
    claim = timers.claim_key(call.session, call.caller.user_id, key, request_hash, utcnow())
    if isinstance(claim, Claimed):  # a retry: the first answer, nothing started
        return idempotency.replay(call, claim, request_hash)
    try:
        response = _start(call)
    except APIError as error:  # kept for the key too, and answered (nothing else stored)
        if error.status_code != 422:
            raise
        response = error.response()
    timers.record_answer(call.session, claim, response.status_code, bytes(response.body).decode())
    return response


def _start(call: Call) -> Response:
    if call.fields.get("body") is None:  # no text, or null: a timer without a description
        call.fields["body"] = ""
    entry_input = read_entry_input(call, TimerInput, need_duration=False)
    values = {k: v for k, v in entry_input.values.items()
              if k not in ("duration", "start_time", "end_time")}
    now = utcnow()
    values.setdefault("date", local_today(call.caller, now))
    if "billable" not in values:
        project = entry_input.found.get("project_id") or find_project(call, values.get("project_id"))
        values["billable"] = default_billable(project)
    clock = local_clock(call.caller, now)
    # the running timer is stopped first (as start_timer would), so that its event is known
    previous = timers.stop_timer(call.session, call.caller.user_id, now, clock)
    entry = timers.start_timer(call.session, call.caller.user_id, values, now, clock)
    if previous is not None:
        _emit(call, "timer.stopped", previous.entry, now)
    _emit(call, "timer.started", entry, now)
    answer = entry_json(entry, zone_of(call.caller), now)
    answer.update(parse_notes(entry_input.parsed))
    return JSONResponse(answer, 201)


@operation("DELETE", PATH, tag=TAG, scope="write:time_entries", summary="Stop the running timer", response=StoppedTimer,
           answer="the stopped entry with its measured duration (at most 24 hours: a timer "
                  "left running longer stops at 24 hours, with a `timer_capped` warning)",
           errors=NO_TIMER, write=True)  # fmt: skip
def stop_timer(call: Call) -> Response:
    now = utcnow()
    stopped = or_404(timers.stop_timer(call.session, call.caller.user_id, now,
                                       local_clock(call.caller, now)))  # fmt: skip
    _emit(call, "timer.stopped", stopped.entry, now)
    answer = entry_json(stopped.entry, zone_of(call.caller), now)
    answer["warnings"] = [_capped_warning(call.locale)] if stopped.capped else []
    return JSONResponse(answer)


def _emit(call: Call, type: str, entry, now) -> None:
    """The webhook event of ``entry`` (its JSON in the caller's zone), in this transaction."""
    emit_with_session(call.session, user_id=call.caller.user_id, type=type,
                      data=entry_json(entry, zone_of(call.caller), now), entry_id=entry.id)


def _capped_warning(locale: str) -> dict:
    """A warning in the parser's shape, about the entry as a whole (no place in its text)."""
    return {"code": TIMER_CAPPED, "message": message(locale, f"warning_{TIMER_CAPPED}"),
            "start": None, "end": None, "suggestion": None}  # fmt: skip
