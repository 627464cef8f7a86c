"""``POST /time_entries``: parse (on the event loop when short), store through the writer, answer.

The caller comes from the worker's cache when it can, and so does its
catalog; the entry writer's transaction (``nlentry.storage.entry_writer``)
confirms both before the entry is stored (a revoked token is 401, a changed
catalog means parsing again), and a refusal is only given once a fresh
lookup confirms them too. The answer is rendered here, before the entry is
stored, as bytes with a place for the new id (``idempotency.created_answer``);
with an ``Idempotency-Key`` the writer keeps it beside the key's claim, and a
422 answer is kept for the key too (and nothing else stored). The entry's
``time_entry.created`` webhook event goes with it (``NewEntry.event_data``: the
answer's entry, without the parser's notes), written by the writer in the
transaction that stores the row; a refusal kept for a key has none.

``write_entries`` is that path for any submission to the writer: the batch
(``resources.batch``) and the CSV import (``resources.import_csv``) hand it
a group of rows, stored all or none, with an answer holding a place per id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from types import SimpleNamespace

from starlette.responses import Response

from nlentry import Entry
from nlentry.api import idempotency
from nlentry.api.catalog_cache import NotCached
from nlentry.api.errors import APIError, unauthorized
from nlentry.api.json_shapes import entry_payload, parse_notes, project_ref, service_ref
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call, in_thread, look_up_caller
from nlentry.api.request.entry_fields import (
    EntryInput,
    default_billable,
    find_project,
    find_service,
    read_entry_input,
)
from nlentry.api.request.models import IdempotencyHeaders, TimeEntryCreate
from nlentry.api.response_models import CreatedTimeEntry
from nlentry.api.user_time import zone_of
from nlentry.api.webhook_shapes import entry_event_data
from nlentry.storage.entry_submissions import (
    REVOKED,
    Answer,
    Claimed,
    NewEntry,
    Stale,
    entry_row,
)
from nlentry.storage.models import utcnow

_LOOKED_UP = frozenset({"project_id", "service_id"})  # overrides read_entry_input checks in the db
# Parsing stays on the event loop only while it is certainly short: a cached catalog of
# at most this many items and a body of at most this many characters (about 0.1 ms of
# parsing). A larger catalog or a longer text (up to limits.MAX_BODY_LENGTH, a few ms
# even with a thousand same-named projects) is parsed in a thread, so that no request
# holds a worker's loop while others wait (docs/reliability.md).
ON_LOOP_MAX_CATALOG = 300
ON_LOOP_MAX_TEXT = 300


@operation("POST", "/time_entries", name="create_time_entry", tag="Time entries",
           scope="write:time_entries", summary="Create an entry from a sentence",
           description="The `body` is parsed with the caller's aliases and the workspace's "
                       "projects and services, \"today\" being the caller's local date; "
                       "`date`, `project_id`, `service_id`, `duration`, `start_time`, `end_time`, "
                       "`description`, `billable` and `tags` override what the parser found "
                       "(`tags` are merged with the text's `#words`). A text with no duration "
                       "and no override is refused with 422 naming `duration`; an unknown field "
                       "is refused naming it. The answer carries the parser's `warnings` and "
                       "`candidates`.",
           headers=IdempotencyHeaders, request=TimeEntryCreate,
           request_description="the sentence and optional overrides", response=CreatedTimeEntry,
           status=201, answer="the stored entry", errors=BODY_ERRORS, on_loop=True)  # fmt: skip
async def create_entry(call: Call) -> Response:
    return await write_entries(call, _new_entry)


async def write_entries(call: Call, prepare: Callable[[Call], Awaitable[NewEntry]]) -> Response:
    """``prepare(call)`` stored through the entry writer, and the answer to give.

    The path of every new entry, one or a group (``POST /time_entries``, the batch, the
    CSV import): a refusal (``APIError``) made with a catalog that has changed since
    is made again with the caller read afresh, and so is a submission the writer
    finds ``Stale``; a revoked token is 401; a claimed ``Idempotency-Key`` replays
    the answer first given to it (``prepare`` gives ``request_hash``).
    """
    state = call.state
    credentials = call.credentials
    while True:  # parsed again while the catalog changes under it: no cap a workload can exhaust
        try:
            entry = await prepare(call)
        except APIError:
            fresh = await in_thread(state, look_up_caller, state, credentials)  # 401 if revoked
            if fresh.catalog_versions == call.caller.catalog_versions:
                raise
            call = replace(call, caller=fresh)  # parsed with an old catalog: again
            continue
        outcome = await state.db.entry_writer.write(entry)
        if outcome is REVOKED:
            state.callers.forget(credentials)
            raise unauthorized()
        if isinstance(outcome, Stale):  # read the caller again: its zone (so "today") too
            fresh = await in_thread(state, look_up_caller, state, credentials)  # 401 if revoked
            call = replace(call, caller=fresh)
            continue
        if isinstance(outcome, Claimed):
            return idempotency.replay(call, outcome, entry.request_hash)
        return Response(outcome.body, outcome.status, media_type="application/json")


async def _new_entry(call: Call) -> NewEntry:
    """The entry to store (or, with a key, the refusal to keep); 422 without a key.

    Parsing needs no database once the caller's catalog is cached and no
    project or service id is given: then it runs right here, on the event
    loop; else in a thread, with a session to read what is missing.
    """
    key = idempotency.read_key(call)
    if _short_to_parse(call):
        try:
            return _prepare_entry(call, key)
        except NotCached:  # dropped from the cache meanwhile
            pass
    return await in_thread(call.state, _prepare_entry_reading, call, key)


def _short_to_parse(call: Call) -> bool:
    """Whether the entry can be read on the event loop: no database needed, and a
    parse that is certainly short (a small cached catalog, a short body)."""
    if not _LOOKED_UP.isdisjoint(call.fields):
        return False
    body = call.fields.get("body")
    if isinstance(body, str) and len(body) > ON_LOOP_MAX_TEXT:
        return False
    try:  # None: no session, so only a cached catalog (NotCached otherwise)
        return len(call.state.catalogs.get(None, call.caller)) <= ON_LOOP_MAX_CATALOG
    except NotCached:
        return False


def _prepare_entry_reading(call: Call, key: str | None) -> NewEntry:
    with call.state.db.read() as session:
        return _prepare_entry(replace(call, session=session), key)


def _prepare_entry(call: Call, key: str | None) -> NewEntry:
    caller = call.caller
    request_hash = idempotency.fingerprint(call.fields) if key is not None else ""
    try:
        entry_input = read_entry_input(call, TimeEntryCreate, need_duration=True)
    except APIError as error:
        if key is None:
            raise
        row, answer, data = None, idempotency.refusal_answer(error), ()
    else:
        row, answer, data = _row_and_answer(call, entry_input)
    return NewEntry(caller.token_id, caller.user_id, caller.catalog_versions, row, answer,
                    key, request_hash, event_data=data)  # fmt: skip


def _row_and_answer(call: Call, entry_input: EntryInput) -> tuple[dict, Answer, tuple[dict]]:
    """The new entry's row (``billable`` the project's unless given), its 201 answer and
    its created event's data."""
    row, payload = row_and_payload(call, entry_input.values, entry_input.parsed,
                                   entry_input.found, utcnow())  # fmt: skip
    return row, idempotency.created_answer(payload), (entry_event_data(payload),)


async def group_in_thread(call: Call, prepare: Callable[[Call, str | None], NewEntry]
                          ) -> NewEntry:  # fmt: skip
    """``prepare(call, key)`` of a group of entries (a batch, an import), in a thread with
    a reading session (a group names projects and services the cache may not hold)."""
    key = idempotency.read_key(call)

    def reading() -> NewEntry:
        with call.state.db.read() as session:
            return prepare(replace(call, session=session), key)

    return await in_thread(call.state, reading)


def group_entry(call: Call, key: str | None, request_hash: str,
                rows_and_answer: Callable[[], tuple[list[dict], idempotency.Answer, tuple]]
                ) -> NewEntry:  # fmt: skip
    """The group ``rows_and_answer()`` makes, to store (or, with a key, its refusal to
    keep); 422 without a key."""
    caller = call.caller
    try:
        rows, answer, data = rows_and_answer()
    except APIError as error:
        if key is None:
            raise
        return NewEntry(caller.token_id, caller.user_id, caller.catalog_versions, None,
                        idempotency.refusal_answer(error), key, request_hash)  # fmt: skip
    return NewEntry(caller.token_id, caller.user_id, caller.catalog_versions, None, answer,
                    key, request_hash, group=tuple(rows), event_data=data)  # fmt: skip


def row_and_payload(call: Call, values: dict, parsed: Entry | None, found: dict,
                    now: dt.datetime) -> tuple[dict, dict]:  # fmt: skip
    """A new entry's row from its ``values`` (``billable`` the project's unless given)
    and its answer as the create answer has it (``id`` None, for the writer to fill
    in), with the parser's ``warnings`` and ``candidates``. ``found`` holds the rows
    of explicit ids, read already."""
    caller = call.caller
    project = found.get("project_id") or find_project(call, values.get("project_id"))
    service = found.get("service_id") or find_service(call, values.get("service_id"))
    if "billable" not in values:
        values["billable"] = default_billable(project)
    row = entry_row(caller.user_id, values, now)
    payload = new_entry_json(row, project_ref(project), service_ref(service), caller.user_id,
                             caller.display_name, zone_of(caller))  # fmt: skip
    payload.update(parse_notes(parsed))
    return row, payload


def new_entry_json(row: dict, project: dict | None, service: dict | None, user_id: int,
                   display_name: str, zone: dt.tzinfo) -> dict:  # fmt: skip
    """A new entry's JSON from its row (``entry_row``) and its ``project_ref`` and
    ``service_ref``, ``id`` None: needs no database (a lazy event's data may call it
    from the writer, in its thread or on the loop)."""
    draft = SimpleNamespace(**row, id=None, timer_started_at=None, meta=row["metadata"])
    return entry_payload(draft, project, service, user_id, display_name, zone, row["created_at"])
