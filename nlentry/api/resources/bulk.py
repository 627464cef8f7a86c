"""``POST /time_entries/bulk``: one action on many of the caller's own entries, in one
transaction (docs/sync.md).

The ids that are not the caller's entries (another user's, another workspace's, none
at all) are skipped, and so is a running timer for any action but ``delete``
(``DELETE /time_entries/{id}`` deletes a running timer too, so a bulk delete does).
Every entry acted on is written, its ``updated_at`` bumped even when its value was
already the one set, so an ``updated_since`` sync sees what the bulk touched; a
deleted one gets its tombstone. ``set_project`` gives an entry whose project changes
the new project's ``billable`` default, as a ``PATCH`` of ``project_id`` does; archived
projects and services may be set, as ``PATCH`` allows.

Each entry acted on gets its webhook event in the same transaction: a deleted one
``time_entry.deleted`` with its JSON as it was (written before the delete), a
changed one ``time_entry.updated`` with its JSON after the change. The entries are
read for it (one query) only when some subscription wants the events.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from pydantic import create_model
from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import entry_json
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.entry_fields import default_billable
from nlentry.api.request.entry_types import merge_tags
from nlentry.api.request.fields import (
    Boolean,
    FieldErrors,
    OptionalId,
    Strict,
    Tags,
    is_blank,
    read_model,
)
from nlentry.api.sync_models import BulkInput, BulkResult
from nlentry.api.user_time import zone_of
from nlentry.limits import MAX_ID
from nlentry.storage.models import Project, Service, utcnow
from nlentry.storage.queries import bulk as stored
from nlentry.storage.queries.workspace_objects import find_in_workspace
from nlentry.storage.webhook_outbox import Event, emit_many_with_session

TAG = "Time entries"

#: How each action's ``value`` is read (None: the action takes none).
_VALUE_TYPES: dict[str, Any] = {
    "delete": None,
    "set_project": OptionalId,
    "set_service": OptionalId,
    "set_billable": Boolean,
    "add_tag": Tags,
    "remove_tag": Tags,
}
_VALUE_MODELS = {
    action: create_model(f"_{action}_value", __base__=Strict, value=(kind, ...))
    for action, kind in _VALUE_TYPES.items() if kind is not None
}
_CATALOG = {"set_project": Project, "set_service": Service}
_DESCRIPTION = """One `action` on each of `entry_ids` that is the caller's own entry, all in
one transaction: `{"updated": N, "skipped": [ids]}`. Skipped: ids that are not the
caller's (another user's, another workspace's, none at all) and, for any action but
`delete`, a running timer. Every entry acted on gets a new `updated_at` (so
`updated_since` sees it); a deleted one is listed by `GET /time_entries/deleted`.
`set_project` gives an entry whose project changes that project's `billable` default,
as `PATCH` does. `value` per action: `delete` none; `set_project`, `set_service` an id
of the workspace (archived ones too) or null; `set_billable` a boolean; `add_tag`,
`remove_tag` one or more tags. An unknown field is 422 naming it."""


def _read_value(call: Call, action: str, fields: dict[str, Any], errors: FieldErrors) -> Any:
    """The action's ``value``, read by its type and checked; a problem goes to ``errors``."""
    given = "value" in fields
    if _VALUE_TYPES[action] is None:
        if given and fields["value"] is not None:
            errors.add("value", "not_for_action")
        return None
    if not given or (action not in _CATALOG and is_blank(fields["value"])):
        errors.add("value", "blank")
        return None
    read = read_model(_VALUE_MODELS[action], {"value": fields["value"]}, errors)
    value = read.get("value")
    if action in ("add_tag", "remove_tag") and "value" in read and not value:
        errors.add("value", "blank")
    if action in _CATALOG and value is not None:
        row = find_in_workspace(call.session, _CATALOG[action], call.caller.workspace_id, value)
        if row is None:
            errors.add("value", "not_found")
        return row
    return value


@operation("POST", "/time_entries/bulk", name="bulk_time_entries", tag=TAG,
           scope="write:time_entries", summary="One action on many of the caller's entries",
           description=_DESCRIPTION, request=BulkInput,
           request_description="the entries, the action and its value", response=BulkResult,
           answer="how many entries were changed, and the ids skipped",
           errors=BODY_ERRORS, write=True)  # fmt: skip
def bulk_entries(call: Call) -> Response:
    errors = call.errors()
    fields = read_model(BulkInput, call.fields, errors)
    value = None
    if "action" in fields:
        value = _read_value(call, fields["action"], call.fields, errors)
    errors.raise_if_any()
    action, ids = fields["action"], fields["entry_ids"]
    targets = stored.own_targets(call.session, call.caller.user_id,
                                 [id for id in ids if 0 < id <= MAX_ID])  # fmt: skip
    now = utcnow()  # once the rows are locked: as close to the commit as can be (docs/sync.md)
    acted = [id for id in ids if id in targets
             and (action == "delete" or not targets[id].running)]  # fmt: skip
    skipped = [id for id in ids if id not in acted]
    user_id = call.caller.user_id
    if action == "delete":
        _emit(call, "time_entry.deleted", acted, now)  # the entries as they were
        updated = stored.delete_entries(call.session, user_id, call.caller.workspace_id, acted,
                                        now)  # fmt: skip
    elif action == "set_project":
        updated = stored.set_project(call.session, user_id, acted,
                                     value.id if value is not None else None,
                                     default_billable(value), now)  # fmt: skip
    elif action == "set_service":
        updated = stored.update_entries(call.session, user_id, acted,
                                        {"service_id": value.id if value else None}, now)  # fmt: skip
    elif action == "set_billable":
        updated = stored.update_entries(call.session, user_id, acted, {"billable": value}, now)
    else:
        updated = stored.set_tags(call.session, _new_tags(action, value, targets, acted, errors),
                                  now)  # fmt: skip
    if action != "delete":
        _emit(call, "time_entry.updated", acted, now)  # the entries as they are now
    return JSONResponse({"updated": updated, "skipped": skipped})


def _emit(call: Call, type: str, ids: list[int], now: dt.datetime) -> None:
    """The webhook event ``type`` of each of the caller's entries ``ids`` (their JSON in
    the caller's zone), in this transaction; the entries are read, in one query, only
    when some subscription wants the events."""
    if not ids:
        return
    user_id, zone = call.caller.user_id, zone_of(call.caller)
    loaded: dict[int, Any] = {}

    def data(id: int) -> dict[str, Any]:
        if not loaded:
            loaded.update((entry.id, entry)
                          for entry in stored.own_entries(call.session, user_id, ids))  # fmt: skip
        return entry_json(loaded[id], zone, now)

    emit_many_with_session(call.session, [Event(user_id, type, functools.partial(data, id), id)
                                          for id in ids])  # fmt: skip


def _new_tags(action: str, tags: list[str], targets: dict[int, stored.Target], ids: list[int],
              errors: FieldErrors) -> dict[int, list[str]]:  # fmt: skip
    """Each entry's tags once ``tags`` are added (merged, case aside) or removed; more
    than an entry may hold is 422 naming ``value``, and nothing changes."""
    gone = {tag.casefold() for tag in tags}
    new = {}
    for id in ids:
        current = list(targets[id].tags)
        if action == "remove_tag":
            new[id] = [tag for tag in current if tag.casefold() not in gone]
            continue
        try:
            new[id] = merge_tags(current, tags)
        except ValueError as error:
            errors.add("value", str(error))
            errors.raise_if_any()
    return new
