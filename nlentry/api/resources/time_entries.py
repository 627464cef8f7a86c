"""``/time_entries``: the caller's own entries; list, show, create, update, delete."""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nlentry import parse
from nlentry.api import idempotency
from nlentry.api.catalog_cache import NotCached
from nlentry.api.credentials import Caller, Credentials
from nlentry.api.errors import APIError, unauthorized
from nlentry.api.json_shapes import entry_json, entry_payload, project_ref, service_ref
from nlentry.api.lookups import own_entry, path_id
from nlentry.api.pipeline import (
    Call,
    answer_error,
    arrive,
    authenticated,
    in_thread,
    look_up_caller,
    make_call,
    rate_limit,
)
from nlentry.api.request.entry_fields import read_entry_input
from nlentry.api.request.fields import MAX_ID, read_date, read_id_list, read_integer
from nlentry.storage.entry_writer import (
    REVOKED,
    Claimed,
    EntryWriter,
    NewEntry,
    Outcome,
    Stale,
    entry_row,
)
from nlentry.storage.models import Project, Service, TimeEntry, utcnow

MAX_PER_PAGE = 100
_ATTEMPTS = 5  # parses of one request, should the catalog change meanwhile
_LOOKED_UP = frozenset({"project_id", "service_id"})  # overrides read_entry_input checks in the db


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


async def create_entry(request: Request) -> Response:
    """Parse on the event loop, store through the writer (group commit), answer.

    The caller comes from the worker's cache when it can, and so does its
    catalog; the writer's transaction confirms both before the entry is
    stored (a revoked token is 401, a changed catalog means parsing again),
    and a refusal is only given once a fresh lookup confirms them too. With
    an ``Idempotency-Key`` the key is claimed in the writer's transaction,
    beside the entry; a 422 answer is kept for the key too (and nothing else
    stored).
    """
    state = request.app.state
    arrival = await arrive(request)
    caller = arrival.caller
    if caller is None:
        caller = await in_thread(state, look_up_caller, state, arrival.credentials)
    limit_headers = arrival.limit_headers
    if limit_headers is None:
        limit_headers = rate_limit(state, caller)
    call = make_call(request, state, caller, None, arrival.fields)
    try:
        response = await _create(call, arrival.credentials)
    except APIError as error:
        response = answer_error(error)
    response.headers.update(limit_headers)
    return response


async def _create(call: Call, credentials: Credentials | None) -> Response:
    state = call.state
    for _ in range(_ATTEMPTS):
        try:
            entry = await _new_entry(call)
        except APIError:
            fresh = await in_thread(state, look_up_caller, state, credentials)  # 401 if revoked
            if fresh.catalog_versions == call.caller.catalog_versions:
                raise
            call = replace(call, caller=fresh)  # parsed with an old catalog: again
            continue
        outcome = await _store(state.db.entry_writer, entry)
        if outcome is REVOKED:
            state.callers.forget(credentials)
            raise unauthorized()
        if isinstance(outcome, Stale):
            call = replace(call, caller=replace(call.caller, catalog_versions=outcome.catalog_versions))
            state.callers.put(credentials, call.caller)
            continue
        if isinstance(outcome, Claimed):
            return idempotency.replay(call, outcome, entry.request_hash)
        return Response(outcome.body, outcome.status, media_type="application/json")
    raise RuntimeError(f"the catalog changed {_ATTEMPTS} times while parsing")


async def _new_entry(call: Call) -> NewEntry:
    """The entry to store (or, with a key, the refusal to keep); 422 without a key.

    Parsing needs no database once the caller's catalog is cached and no
    project or service id is given: then it runs right here, on the event
    loop; else in a thread, with a session to read what is missing.
    """
    key = idempotency.read_key(call)
    if call.state.catalogs.has(call.caller) and _LOOKED_UP.isdisjoint(call.fields):
        try:
            return _prepare_entry(call, key)
        except NotCached:  # dropped from the cache meanwhile
            pass
    return await in_thread(call.state, _prepare_entry_reading, call, key)


def _prepare_entry_reading(call: Call, key: str | None) -> NewEntry:
    with call.state.db.read() as session:
        return _prepare_entry(replace(call, session=session), key)


def _prepare_entry(call: Call, key: str | None) -> NewEntry:
    caller = call.caller
    request_hash = idempotency.fingerprint(call.fields) if key is not None else ""
    try:
        values, project, service = _prepare(call)
    except APIError as error:
        if key is None:
            raise
        refused = error.response()
        answer = functools.partial(_refusal, refused.status_code, bytes(refused.body))
        row = None
    else:
        row = entry_row(caller.user_id, values, utcnow())
        answer = functools.partial(_created, row, project, service, caller)
    return NewEntry(caller.token_id, caller.user_id, caller.catalog_versions, row, answer,
                    key, request_hash)  # fmt: skip


def _created(row: dict, project, service, caller: Caller, entry_id: int) -> tuple[int, bytes]:
    entry = SimpleNamespace(**row, id=entry_id, timer_started_at=None)
    payload = entry_payload(
        entry, project, service, caller.user_id, caller.display_name, row["created_at"]
    )
    return 201, _json(payload)


def _refusal(status: int, body: bytes, entry_id: None) -> tuple[int, bytes]:
    return status, body


def _json(content: Any) -> bytes:
    """As ``JSONResponse`` renders it."""
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


async def _store(writer: EntryWriter, entry: NewEntry) -> Outcome:
    """Hand ``entry`` to the writer thread and wait for its committed outcome."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(outcome: Outcome | BaseException) -> None:  # on the event loop
        if future.done():  # the request was cancelled meanwhile
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    writer.submit(entry, lambda outcome: loop.call_soon_threadsafe(settle, outcome))
    return await future


def warm_up() -> None:
    """Parse once, so that no request waits for the parser's grammar and lexicons to load."""
    parse("1 uur", locale="auto", today=utcnow().date())


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
