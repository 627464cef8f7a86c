"""``/time_entries``: the caller's own entries; list, show, create, update, delete."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.responses import JSONResponse, Response

from nlentry.storage.models import Project, TimeEntry, utcnow

from .entry_input import read_entry_input
from .handlers import Call, authenticated
from .idempotency import idempotent
from .lookups import own_entry, path_id
from .shapes import entry_json
from .validation import read_date, read_id_list, read_integer

MAX_PER_PAGE = 100


@authenticated
def list_entries(call: Call) -> Response:
    errors = call.errors()
    query = call.query
    conditions = [TimeEntry.user_id == call.caller.user_id]
    for name, compare in (("date", "eq"), ("start_date", "ge"), ("end_date", "le")):
        if query.get(name):
            date = read_date(query[name], name, errors)
            if date is not None:
                column = TimeEntry.date
                conditions.append(
                    column == date if compare == "eq" else column >= date if compare == "ge"
                    else column <= date
                )
    for name, column in (("project_ids", TimeEntry.project_id),
                         ("service_ids", TimeEntry.service_id)):
        if query.get(name):
            ids = read_id_list(query[name], name, errors)
            if ids:
                conditions.append(column.in_(ids))
    if query.get("client_ids"):
        ids = read_id_list(query["client_ids"], "client_ids", errors)
        if ids:
            conditions.append(
                TimeEntry.project_id.in_(select(Project.id).where(Project.client_id.in_(ids)))
            )
    page = _positive(call, "page", 1, errors)
    per_page = min(_positive(call, "per_page", MAX_PER_PAGE, errors), MAX_PER_PAGE)
    errors.raise_if_any()
    total = call.session.scalar(select(func.count()).select_from(TimeEntry).where(*conditions))
    entries = call.session.scalars(
        select(TimeEntry)
        .where(*conditions)
        .order_by(TimeEntry.date.desc(), TimeEntry.created_at.desc(), TimeEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
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
    return number


@authenticated
def show_entry(call: Call) -> Response:
    entry = own_entry(call.session, call.caller, path_id(call.path_params["id"]))
    return JSONResponse(entry_json(entry))


def create_entry_now(call: Call) -> Response:
    entry_input = read_entry_input(call, body_required=True, need_duration=True)
    entry = TimeEntry(user_id=call.caller.user_id, **entry_input.values)
    call.session.add(entry)
    call.session.flush()
    call.session.refresh(entry)
    return JSONResponse(entry_json(entry), 201)


@authenticated(write=True)
def create_entry(call: Call) -> Response:
    return idempotent(call, create_entry_now)


@authenticated(write=True)
def update_entry(call: Call) -> Response:
    entry = own_entry(call.session, call.caller, path_id(call.path_params["id"]))
    entry_input = read_entry_input(call, body_required="body" in call.fields, need_duration=True)
    for name, value in entry_input.values.items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    call.session.flush()
    call.session.refresh(entry)
    return JSONResponse(entry_json(entry))


@authenticated(write=True)
def delete_entry(call: Call) -> Response:
    entry = own_entry(call.session, call.caller, path_id(call.path_params["id"]))
    call.session.delete(entry)
    return Response(status_code=204)
