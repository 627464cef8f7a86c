"""``POST /time_entries/batch``: one message, several entries, stored all or none.

The ``body`` is cut into its entries by ``nlentry.parse_many``, with the
caller's catalog, locale and "today" exactly as a single create reads a
body; each entry's ``body`` is its own part of the message. The explicit
fields (``date``, ``project_id``, ``service_id``, ``billable``, ``tags``,
``metadata``) apply to every entry, as they would to one entry on create;
``tags`` are merged with each entry's own ``#words``. ``duration``,
``start_time``, ``end_time`` and ``description`` belong to one entry and
are refused (``unknown_field``).

When any entry cannot be stored (no duration, an invalid date, ...) nothing
is: ``422`` with ``errors.entries`` (a message per entry, in the caller's
locale) and ``entries``: ``[{"index", "errors"}]`` (``index`` from 0, in the
message's order). Else the entries go to the entry writer as one group
(``nlentry.storage.entry_writer``): inserted in the same transaction as the
other requests' entries of its batch, all or none, through the same path as
a single create (``entry_create.write_entries``: token re-checked, a
changed catalog parsed again, ``Idempotency-Key`` claimed beside the rows).
The answer, ``201 {"time_entries": [...]}``, is rendered before the rows
are stored, with a place for each id (``idempotency.answer_with_ids``); each
row's ``time_entry.created`` webhook event (its entry, without the parser's
notes) is written by the writer in the transaction that stores the group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from nlentry import Entry, message, parse_many
from nlentry.api import idempotency
from nlentry.api.batch_models import BatchRefusal, CreatedTimeEntries
from nlentry.api.errors import Invalid
from nlentry.api.operations import operation
from nlentry.api.pipeline import Call
from nlentry.api.request.batch_fields import BatchInput
from nlentry.api.request.entry_fields import read_fields, values_from
from nlentry.api.request.entry_types import merge_tags
from nlentry.api.request.fields import merge_metadata
from nlentry.api.request.models import IdempotencyHeaders
from nlentry.api.resources.entry_create import (
    group_entry,
    group_in_thread,
    row_and_payload,
    write_entries,
)
from nlentry.api.user_time import local_today
from nlentry.api.webhook_shapes import entry_event_data
from nlentry.limits import MAX_BATCH_ENTRIES
from nlentry.storage.entry_submissions import NewEntry
from nlentry.storage.models import utcnow

#: The explicit fields that apply to every entry, over what the parser found.
OVERRIDES = ("date", "project_id", "service_id", "billable")
#: The shared error answers of an operation with a body, but its own 422.
ERRORS = ("BadRequest", "RequestTimeout", "TooLarge", "UnsupportedMediaType")
_FIELD_OF = {"project": "project_id", "service": "service_id"}
_REFUSED = ("a field is invalid, or an entry cannot be stored (`entries` says which and why); "
            "nothing is stored")


@dataclass
class BatchEntry:
    """One entry of a message: what the parser read, the values to store, and what
    keeps it from being stored (messages per field, empty when nothing)."""

    index: int
    parsed: Entry
    values: dict[str, Any]
    errors: dict[str, list[str]]


def read_batch(call: Call, model: type[BaseModel] = BatchInput
               ) -> tuple[dict[str, Any], dict[str, Any], list[BatchEntry]]:  # fmt: skip
    """The fields given (422 when one is invalid, or the message holds more than
    ``MAX_BATCH_ENTRIES`` entries), the rows their ids named, and the message's entries."""
    errors = call.errors()
    given, found = read_fields(call, model, errors)
    errors.raise_if_any()
    entries = parse_message(call, given["body"])
    if len(entries) > MAX_BATCH_ENTRIES:
        errors.add("body", "too_many")
        errors.raise_if_any()
    return given, found, [entry_of(call, i, parsed, given) for i, parsed in enumerate(entries)]


def parse_message(call: Call, body: str) -> list[Entry]:
    """The entries of ``body``, read as a single create reads its body: the caller's
    catalog, "today" the caller's local date, the caller's locale on a tie."""
    return parse_many(body, catalog=call.state.catalogs.get(call.session, call.caller),
                      locale="auto", today=local_today(call.caller, utcnow()),
                      default_locale=call.caller.locale)  # fmt: skip


def entry_of(call: Call, index: int, parsed: Entry, given: dict[str, Any]) -> BatchEntry:
    """An entry's values: the parser's, with the explicit fields over them."""
    locale = call.caller.locale
    overrides = {name: given[name] for name in OVERRIDES if name in given}
    values: dict[str, Any] = {"body": parsed.text, **values_from(parsed)}
    errors = {name: list(texts) for name, texts in parsed.errors.items()
              if _FIELD_OF.get(name, name) not in overrides}  # fmt: skip
    try:
        values["tags"] = merge_tags(parsed.tags, given.get("tags", []))
    except ValueError as error:
        errors.setdefault("tags", []).append(message(locale, str(error)))
    if "metadata" in given:
        try:
            values["metadata"] = merge_metadata(None, given["metadata"])
        except ValueError as error:
            errors.setdefault("metadata", []).append(message(locale, str(error)))
    values.update(overrides)
    if values.get("duration") is None and "duration" not in errors:
        errors["duration"] = [message(locale, "duration_missing")]
    return BatchEntry(index, parsed, values, errors)


def refusal(call: Call, problems: list[BatchEntry]) -> Invalid:
    """422 naming each entry that cannot be stored, and why."""
    said = message(call.caller.locale, "entry_refused")
    texts = [said.format(number=entry.index + 1, problems=problems_text(entry.errors))
             for entry in problems]  # fmt: skip
    return Invalid({"entries": texts},
                   entries=[{"index": entry.index, "errors": entry.errors} for entry in problems])


def problems_text(errors: dict[str, list[str]]) -> str:
    """``duration geen duur gevonden; date is geen geldige datum``."""
    return "; ".join(f"{name} {text}" for name, texts in errors.items() for text in texts)


@operation("POST", "/time_entries/batch", name="create_time_entries_batch", tag="Time entries",
           scope="write:time_entries", summary="Create several entries from one message",
           description="The `body` holds one or more entries (new lines, `;`, or `,` and the "
                       "locale's separator words between them: `2 uur Timi; 1 uur mail`), read "
                       "as `POST /time_entries` reads one, with the caller's catalog and "
                       "\"today\". `date`, `project_id`, `service_id`, `billable`, `tags` and "
                       "`metadata` apply to every entry. All entries are stored in one "
                       "transaction, or none: when one cannot be stored the answer is 422 "
                       "with `errors.entries` and `entries: [{\"index\", \"errors\"}]`. Each "
                       "stored entry is answered as a create is, with its `warnings` and "
                       "`candidates`.",
           headers=IdempotencyHeaders, request=BatchInput,
           request_description="the message and what applies to all its entries",
           response=CreatedTimeEntries, status=201, answer="the stored entries, in order",
           errors=ERRORS,
           more={422: (_REFUSED, BatchRefusal)},
           on_loop=True)  # fmt: skip
async def create_batch(call: Call) -> Response:
    return await write_entries(call, lambda call: group_in_thread(call, _prepare_group))


def _prepare_group(call: Call, key: str | None) -> NewEntry:
    """The group to store (or, with a key, the refusal to keep); 422 without a key."""
    request_hash = idempotency.fingerprint(call.fields, "batch") if key is not None else ""
    return group_entry(call, key, request_hash, lambda: _rows_and_answer(call, utcnow()))


def _rows_and_answer(call: Call, now: dt.datetime
                     ) -> tuple[list[dict], idempotency.Answer, tuple[dict, ...]]:  # fmt: skip
    """The group's rows, its 201 answer and each row's created event's data; 422 when
    an entry cannot be stored."""
    _, found, entries = read_batch(call)
    problems = [entry for entry in entries if entry.errors]
    if problems:
        raise refusal(call, problems)
    rows, payloads = [], []
    for entry in entries:
        row, payload = row_and_payload(call, entry.values, entry.parsed, found, now)
        payload["id"] = idempotency.NEW_ID
        rows.append(row)
        payloads.append(payload)
    data = tuple(entry_event_data(payload) for payload in payloads)
    return rows, idempotency.answer_with_ids(201, {"time_entries": payloads}), data
