"""``/time_entries``: the caller's own entries; list, show, update, delete.

Creating one is ``nlentry.api.resources.entry_create`` (the hot path). Timestamps
in the answers carry the caller's offset (``nlentry.api.user_time``).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import or_404
from nlentry.api.json_shapes import entry_json, parse_notes
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pagination import ENTRY_SORTS, check_sort, list_answer, page_of, pagination
from nlentry.api.pipeline import Call
from nlentry.api.request.entry_fields import default_billable, find_project, read_entry_input
from nlentry.api.request.fields import path_id, read_query
from nlentry.api.request.models import TimeEntryInput, TimeEntryQuery
from nlentry.api.resources import export
from nlentry.api.response_models import CreatedTimeEntry, TimeEntryPage
from nlentry.api.response_models import TimeEntry as EntryShape
from nlentry.api.user_time import zone_of
from nlentry.storage.models import TimeEntry, utcnow
from nlentry.storage.queries import bulk as many
from nlentry.storage.queries import entries as stored
from nlentry.storage.queries import timers
from nlentry.storage.queries.entries import EntryFilter
from nlentry.storage.webhook_outbox import emit_with_session

TAG = "Time entries"
ID = {"id": "the entry's id"}
_FILTERS = ("date", "start_date", "end_date", "project_ids", "service_ids", "client_ids",
            "user_ids", "billable", "updated_since")  # fmt: skip
_LIST = """The caller's own entries (an admin's `user_ids`: those of the workspace's users
named), `-date` first unless `sort` says otherwise. Dates are the users' local dates.
An unknown parameter is 422 naming it (`_`-prefixed cache busters are ignored). The
answer has an `ETag`: a request with a matching `If-None-Match` is answered `304`
without a body."""


@operation("GET", "/time_entries", name="list_time_entries", tag=TAG,
           scope="read:time_entries", summary="The caller's entries, newest first",
           description=_LIST, query=TimeEntryQuery, response=TimeEntryPage,
           answer="one page of entries", more={304: ("not modified (`If-None-Match`)", None)},
           errors=("Invalid",))  # fmt: skip
def list_entries(call: Call) -> Response:
    if export.wants_csv(call.headers.get("accept")):  # or .csv: every entry, streamed
        return export.csv_export(call)
    # a date given blank is refused (an empty filter is no "all entries"); blank ids: no filter
    errors = call.errors()
    query = read_query(TimeEntryQuery, call.query, errors)
    sort = check_sort(query, ENTRY_SORTS, errors)
    start, end = query.get("start_date"), query.get("end_date")
    if start is not None and end is not None and start > end:
        errors.add("start_date", "start_after_end")
    if query.get("user_ids") is not None and not call.caller.is_admin:
        errors.add("user_ids", "admins_only")
    errors.raise_if_any()
    where = EntryFilter(**{name: query[name] for name in _FILTERS if query.get(name) is not None},
                        tags=tuple(query.get("tag") or ()), words=tuple(query.get("q") or ()))  # fmt: skip
    page = page_of(query)
    total, entries = stored.list_entries(call.session, call.caller.user_id, where,
                                         offset=page.offset, limit=page.per_page,
                                         workspace_id=call.caller.workspace_id, sort=sort)  # fmt: skip
    now, zone = utcnow(), zone_of(call.caller)
    return list_answer(call.headers, {
        "current_page": page.page,
        "per_page": page.per_page,
        "total_entries": total,
        "time_entries": [entry_json(entry, zone, now) for entry in entries],
        "pagination": pagination(page, total),
    })


def _own_entry(call: Call) -> TimeEntry:
    id = path_id(call.path_params["id"])
    return or_404(stored.own_entry(call.session, call.caller.user_id, id))


@operation("GET", "/time_entries/{id:int}", name="show_time_entry", tag=TAG,
           scope="read:time_entries", summary="One of the caller's entries", path_params=ID, response=EntryShape,
           answer="the entry", errors=("NotFound",))  # fmt: skip
def show_entry(call: Call) -> Response:
    return JSONResponse(entry_json(_own_entry(call), zone_of(call.caller)))


@operation("PATCH", "/time_entries/{id:int}", name="update_time_entry", tag=TAG,
           scope="write:time_entries", summary="Change an entry", path_params=ID,
           description="A new `body` is parsed again; explicit fields still win. `metadata` is "
                       "merged into the entry's (a key set to `\"\"` or null is removed); "
                       "`tags` replaces the entry's tags. A new project without `billable` "
                       "gives the entry that project's default. An unknown field is 422 "
                       "naming it.",
           request=TimeEntryInput, request_description="the fields to change",
           request_required=False, response=CreatedTimeEntry,
           answer="the changed entry, with the parser's `warnings` and `candidates` for a "
                  "new `body`",
           errors=("NotFound", *BODY_ERRORS), write=True)  # fmt: skip
def update_entry(call: Call) -> Response:
    entry = _own_entry(call)
    entry_input = read_entry_input(call, TimeEntryInput, need_duration=True, current=entry)
    values = entry_input.values
    now = utcnow()
    if timers.exceeds_cap(entry, values.get("duration"), now):
        errors = call.errors()  # a running timer never runs past 24 hours (docs/api.md)
        errors.add("duration", "duration_too_long")
        errors.raise_if_any()
    project_id = values.get("project_id", entry.project_id)
    if "billable" not in values and project_id != entry.project_id:  # the new project's default
        project = entry_input.found.get("project_id") or find_project(call, project_id)
        values["billable"] = default_billable(project)
    stored.update_entry(call.session, entry, values, now)
    answer = entry_json(entry, zone_of(call.caller), now)
    # the change's webhook event, in its transaction (a running timer's too: docs/webhooks.md)
    emit_with_session(call.session, user_id=call.caller.user_id, type="time_entry.updated",
                      data=dict(answer), entry_id=entry.id)  # fmt: skip
    answer.update(parse_notes(entry_input.parsed))
    return JSONResponse(answer)


@operation("DELETE", "/time_entries/{id:int}", name="delete_time_entry", tag=TAG,
           scope="write:time_entries", summary="Delete an entry", path_params=ID, status=204, answer="deleted; no body",
           errors=("NotFound",), write=True)  # fmt: skip
def delete_entry(call: Call) -> Response:
    # locked as it is read: a change committed meanwhile is in the event, its event first
    id, user_id = path_id(call.path_params["id"]), call.caller.user_id
    entry = or_404(next(iter(many.own_entries(call.session, user_id, [id], lock=True)), None))
    now = utcnow()
    emit_with_session(call.session, user_id=user_id, type="time_entry.deleted",
                      data=entry_json(entry, zone_of(call.caller), now),
                      entry_id=entry.id)  # the entry as it was, in the delete's transaction
    stored.delete_entry(call.session, entry, now)  # with its tombstone
    return Response(status_code=204)
