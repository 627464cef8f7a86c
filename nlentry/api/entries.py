"""``/time_entries``: the caller's own entries; list, show, create, update, delete."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.responses import JSONResponse, Response

from nlentry.storage.models import Project, Service, TimeEntry, utcnow

from . import idempotency
from .entry_input import read_entry_input
from .errors import APIError
from .handlers import Call, authenticated
from .lookups import own_entry, path_id
from .shapes import entry_json, entry_payload, project_ref, service_ref
from .validation import MAX_ID, read_date, read_id_list, read_integer

MAX_PER_PAGE = 100
_WRITE_ATTEMPTS = 5


@authenticated
def list_entries(call: Call) -> Response:
    errors = call.errors()
    query = call.query
    conditions = [TimeEntry.user_id == call.caller.user_id]
    for name, compare in (("date", "eq"), ("start_date", "ge"), ("end_date", "le")):
        if name in query:  # given blank is refused: an empty filter is no "all entries"
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
            if ids is not None:
                conditions.append(column.in_(ids))
    if query.get("client_ids"):
        ids = read_id_list(query["client_ids"], "client_ids", errors)
        if ids is not None:
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
    return min(number, MAX_ID)


@authenticated
def show_entry(call: Call) -> Response:
    entry = own_entry(call.session, call.caller, path_id(call.path_params["id"]))
    return JSONResponse(entry_json(entry))


@authenticated
def create_entry(call: Call) -> Response:
    """Validate and parse in the reading transaction; then one short write.

    With an ``Idempotency-Key`` the key is claimed in the write, beside the
    entry; a 422 answer is kept for the key too (and nothing else stored).
    """
    key = idempotency.read_key(call)
    request_hash = idempotency.fingerprint(call.fields) if key is not None else ""
    if key is not None:
        claimed = idempotency.find_claim(call.session, call.caller.user_id, key)
        if claimed is not None:
            return idempotency.replay(call, claimed, request_hash)
    try:
        prepared = _prepare(call)
        refused = None
    except APIError as error:
        if key is None:
            raise
        prepared, refused = None, error.response()
    call.session.close()  # give the reading connection back before waiting to write
    for _ in range(_WRITE_ATTEMPTS):
        with call.state.db.write() as session:
            row = None
            if key is not None:
                row = idempotency.claim(session, call.caller.user_id, key, request_hash)
                if row is None:  # a concurrent request holds the key: answer as it did
                    claimed = idempotency.find_claim(session, call.caller.user_id, key)
                    if claimed is not None:
                        return idempotency.replay(call, claimed, request_hash)
                    continue
            response = refused if prepared is None else _insert(call, session, *prepared)
            if row is not None:
                idempotency.record(row, response)
            session.commit()
            return response
    raise RuntimeError("could not claim an idempotency key")


def _prepare(call: Call) -> tuple[dict, dict | None, dict | None]:
    """The values to insert, with the project and service as the answer shows them."""
    values = read_entry_input(call, body_required=True, need_duration=True).values
    return values, _project(call, values.get("project_id")), _service(call, values.get("service_id"))


def _project(call: Call, id: int | None) -> dict | None:
    if id is None:
        return None
    item = call.state.catalogs.item(call.session, call.caller, "project", id)
    if item is None:  # not in the catalog (archived): read it
        return project_ref(call.session.get(Project, id))
    client = None if item.client_id is None else {"id": item.client_id, "name": item.client_name}
    return {"id": item.id, "name": item.name, "client": client}


def _service(call: Call, id: int | None) -> dict | None:
    if id is None:
        return None
    item = call.state.catalogs.item(call.session, call.caller, "service", id)
    if item is None:
        return service_ref(call.session.get(Service, id))
    return {"id": item.id, "name": item.name}


def _insert(call: Call, session, values: dict, project, service) -> Response:
    now = utcnow()
    entry = TimeEntry(user_id=call.caller.user_id, created_at=now, updated_at=now, **values)
    session.add(entry)
    session.flush()
    payload = entry_payload(
        entry, project, service, call.caller.user_id, call.caller.display_name, now
    )
    return JSONResponse(payload, 201)


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
