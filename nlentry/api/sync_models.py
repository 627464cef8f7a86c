"""The fields and answers of the sync operations: ``POST /time_entries/bulk`` and
``GET /time_entries/deleted`` (pydantic models, as in ``nlentry.api.request.models`` and
``nlentry.api.response_models``; see docs/sync.md).

``entry_ids`` takes a JSON list, repeated form fields or one comma-separated
string; each item must be an integer. An id no row can have (0, past
``MAX_ID``) is read, and answered as skipped, as any id that is not the
caller's. ``value`` is read by the action's own type once the action is known
(``nlentry.api.resources.bulk``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from nlentry.api.request.entry_types import Timestamp
from nlentry.api.request.fields import Messages, Strict, integer, is_blank, refuse
from nlentry.limits import MAX_BULK_ENTRIES, MAX_TAG_LENGTH, TOMBSTONE_DAYS

#: The actions of ``POST /time_entries/bulk``, and what each one's ``value`` is.
BULK_ACTIONS = {
    "delete": "none (absent or null)",
    "set_project": "a project id of the workspace (archived ones too), or null for none",
    "set_service": "a service id of the workspace (archived ones too), or null for none",
    "set_billable": "true or false",
    "add_tag": "a tag, a list of tags or comma-separated tags",
    "remove_tag": "a tag, a list of tags or comma-separated tags (case aside)",
}


def _entry_ids(value: Any) -> list[int]:
    """A JSON list, repeated form fields or comma-separated ids; each once, in order."""
    if is_blank(value):
        raise refuse("blank")
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise refuse("not_a_number")
    ids = [integer(item) for item in items if not (isinstance(item, str) and not item.strip())]
    if len(ids) > MAX_BULK_ENTRIES:
        raise refuse("too_many")
    return list(dict.fromkeys(ids))


def _action(value: Any) -> str:
    if is_blank(value):
        raise refuse("blank")
    if not isinstance(value, str) or value.strip() not in BULK_ACTIONS:
        raise refuse("unknown_action")
    return value.strip()


EntryIds = Annotated[
    list[int], BeforeValidator(_entry_ids),
    WithJsonSchema({"type": "array", "items": {"type": "integer"}, "maxItems": MAX_BULK_ENTRIES,
                    "examples": [[12, 13, 14]],
                    "description": f"at most {MAX_BULK_ENTRIES} ids of the caller's entries "
                                   "(a list, or comma-separated); each counts once"}),
]
BulkAction = Annotated[
    str, BeforeValidator(_action), Messages(unknown_action="unknown_action"),
    WithJsonSchema({"type": "string", "enum": list(BULK_ACTIONS)}),
]
BulkValue = Annotated[
    Any,
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "boolean"}, {"type": "string"},
                              {"type": "array", "items": {"type": "string",
                                                          "maxLength": MAX_TAG_LENGTH}},
                              {"type": "null"}],
                    "description": "; ".join(f"`{action}`: {value}"
                                             for action, value in BULK_ACTIONS.items())}),
]


class BulkInput(Strict):
    """The fields of ``POST /time_entries/bulk``."""

    entry_ids: EntryIds = Field(description="the entries to change")
    action: BulkAction = Field(description="what to do to each of them")
    value: BulkValue = Field(None, description="the action's value")


class DeletedQuery(Strict):
    """The query of ``GET /time_entries/deleted``."""

    since: Timestamp = Field(
        description=f"entries deleted at or after this moment; at most {TOMBSTONE_DAYS} days "
                    "back (tombstones are kept that long; further back is 422)",
    )


class BulkResult(BaseModel):
    updated: Annotated[int, Field(ge=0, description="entries changed (or deleted)")]
    skipped: Annotated[list[int], Field(
        description="ids that are not the caller's entries (another user's, none at all), and "
                    "running timers for an action other than `delete`; in the order given",
    )]


class Tombstone(BaseModel):
    id: Annotated[int, Field(ge=1, description="the deleted entry's id")]
    deleted_at: Annotated[dt.datetime, Field(examples=["2016-03-27T09:30:00+02:00"],
                                             description="with the caller's offset")]
