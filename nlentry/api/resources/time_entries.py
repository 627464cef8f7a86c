"""``/time_entries``: the caller's own entries; list, show, update, delete.

Creating one is ``nlentry.api.resources.entry_create`` (the hot path).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import or_404
from nlentry.api.json_shapes import entry_json
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.entry_fields import read_entry_input
from nlentry.api.request.fields import MAX_ID, path_id, read_date, read_id_list, read_integer
from nlentry.storage.models import TimeEntry, utcnow
from nlentry.storage.queries import entries as stored
from nlentry.storage.queries.entries import EntryFilter

MAX_PER_PAGE = 100


@authenticated
def list_entries(call: Call) -> Response:
    errors = call.errors()
    query = call.query
    where = {}
    for name in ("date", "start_date", "end_date"):
        if name in query:  # given blank is refused: an empty filter is no "all entries"
            date = read_date(query[name], name, errors)
            if date is not None:
                where[name] = date
    for name in ("project_ids", "service_ids", "client_ids"):
        if query.get(name):
            ids = read_id_list(query[name], name, errors)
            if ids is not None:
                where[name] = ids
    page = _positive(call, "page", 1, errors)
    per_page = min(_positive(call, "per_page", MAX_PER_PAGE, errors), MAX_PER_PAGE)
    errors.raise_if_any()
    total, entries = stored.list_entries(call.session, call.caller.user_id, EntryFilter(**where),
                                         offset=(page - 1) * per_page, limit=per_page)  # fmt: skip
    now = utcnow()
    return JSONResponse({
        "current_page": page,
        "per_page": per_page,
        "total_entries": total,
        "time_entries": [entry_json(entry, now) for entry in entries],
    })


def _positive(call: Call, name: str, default: int, errors) -> int:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    number = read_integer(raw, name, errors)
    if number is None:
        return default
    if number < 1:
        errors.add(name, "must_be_positive")
        return default
    return min(number, MAX_ID)


def _own_entry(call: Call) -> TimeEntry:
    id = path_id(call.path_params["id"])
    return or_404(stored.own_entry(call.session, call.caller.user_id, id))


@authenticated
def show_entry(call: Call) -> Response:
    return JSONResponse(entry_json(_own_entry(call)))


@authenticated(write=True)
def update_entry(call: Call) -> Response:
    entry = _own_entry(call)
    entry_input = read_entry_input(call, body_required="body" in call.fields, need_duration=True)
    stored.update_entry(call.session, entry, entry_input.values, utcnow())
    return JSONResponse(entry_json(entry))


@authenticated(write=True)
def delete_entry(call: Call) -> Response:
    stored.delete_entry(call.session, _own_entry(call))
    return Response(status_code=204)
