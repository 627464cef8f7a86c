"""``/time_entries``: the caller's own entries; list, show, update, delete.

Creating one is ``nlentry.api.resources.entry_create`` (the hot path).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import or_404
from nlentry.api.json_shapes import entry_json
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.entry_fields import read_entry_input
from nlentry.api.request.fields import path_id
from nlentry.api.request.models import TimeEntryInput, TimeEntryQuery
from nlentry.api.response_models import TimeEntry as EntryShape
from nlentry.api.response_models import TimeEntryPage
from nlentry.storage.models import TimeEntry, utcnow
from nlentry.storage.queries import entries as stored
from nlentry.storage.queries import timers
from nlentry.storage.queries.entries import EntryFilter

TAG = "Time entries"
ID = {"id": "the entry's id"}
_FILTERS = ("date", "start_date", "end_date", "project_ids", "service_ids", "client_ids")


@operation("GET", "/time_entries", name="list_time_entries", tag=TAG,
           scope="read:time_entries", summary="The caller's entries, newest first", query=TimeEntryQuery,
           response=TimeEntryPage, answer="one page of entries", errors=("Invalid",))  # fmt: skip
def list_entries(call: Call) -> Response:
    # a date given blank is refused (an empty filter is no "all entries"); blank ids: no filter
    query = call.read(TimeEntryQuery, dict(call.query))
    where = {name: query[name] for name in _FILTERS if query.get(name) is not None}
    page = query.get("page", 1)
    per_page = query.get("per_page", TimeEntryQuery.model_fields["per_page"].default)
    total, entries = stored.list_entries(call.session, call.caller.user_id, EntryFilter(**where),
                                         offset=(page - 1) * per_page, limit=per_page)  # fmt: skip
    now = utcnow()
    return JSONResponse({
        "current_page": page,
        "per_page": per_page,
        "total_entries": total,
        "time_entries": [entry_json(entry, now) for entry in entries],
    })


def _own_entry(call: Call) -> TimeEntry:
    id = path_id(call.path_params["id"])
    return or_404(stored.own_entry(call.session, call.caller.user_id, id))


@operation("GET", "/time_entries/{id:int}", name="show_time_entry", tag=TAG,
           scope="read:time_entries", summary="One of the caller's entries", path_params=ID, response=EntryShape,
           answer="the entry", errors=("NotFound",))  # fmt: skip
def show_entry(call: Call) -> Response:
    return JSONResponse(entry_json(_own_entry(call)))


@operation("PATCH", "/time_entries/{id:int}", name="update_time_entry", tag=TAG,
           scope="write:time_entries", summary="Change an entry", path_params=ID,
           description="A new `body` is parsed again; explicit fields still win.",
           request=TimeEntryInput, request_description="the fields to change",
           request_required=False, response=EntryShape, answer="the changed entry",
           errors=("NotFound", *BODY_ERRORS), write=True)  # fmt: skip
def update_entry(call: Call) -> Response:
    entry = _own_entry(call)
    entry_input = read_entry_input(call, TimeEntryInput, need_duration=True)
    now = utcnow()
    if timers.exceeds_cap(entry, entry_input.values.get("duration"), now):
        errors = call.errors()  # a running timer never runs past 24 hours (docs/api.md)
        errors.add("duration", "duration_too_long")
        errors.raise_if_any()
    stored.update_entry(call.session, entry, entry_input.values, now)
    return JSONResponse(entry_json(entry))


@operation("DELETE", "/time_entries/{id:int}", name="delete_time_entry", tag=TAG,
           scope="write:time_entries", summary="Delete an entry", path_params=ID, status=204, answer="deleted; no body",
           errors=("NotFound",), write=True)  # fmt: skip
def delete_entry(call: Call) -> Response:
    stored.delete_entry(call.session, _own_entry(call))
    return Response(status_code=204)
