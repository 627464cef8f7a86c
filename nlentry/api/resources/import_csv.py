"""``POST /time_entries/import``: a CSV of entries, stored all or none (or, with
``partial``, the valid rows).

The CSV comes as the field ``csv`` (JSON or a form), as a multipart file part
``file``, or as the whole body with ``Content-Type: text/csv``
(``request.body.accept_csv``); ``request.csv_rows`` reads it into rows of
cells. Each row becomes an entry's values:

* a ``body`` cell is parsed as ``POST /time_entries`` parses a body (the
  caller's catalog, "today" the caller's local date, the caller's locale on a
  tie); a row without one takes its ``description`` as its ``body``, and
  needs a ``date`` and a duration;
* every other column the file has is given explicitly for every row, over
  what the parser found, as a field of ``POST /time_entries`` is: ``date``;
  the duration from ``duration_seconds``, else ``hours``, else ``start_time``
  and ``end_time`` (an end before the start is on the next day); the times;
  ``project`` and ``service`` by name or by the caller's alias (the catalog
  the parser uses; ``client`` tells apart projects of one name); the
  ``description``; ``billable`` (blank: the project's default); ``tags``
  (the cell's tags, in place of the body's ``#words``: an export's cell holds
  them already). A blank cell means none (no project, no times, no tags, an
  empty description), but for ``body``, ``date``, ``duration_seconds``,
  ``hours`` and ``billable``, where it means not given.

So the file ``GET /time_entries.csv`` writes, imported into a workspace with
the same projects and services, gives the same entries again. A row that
cannot be stored is reported by its number (the header is row 1) with the
messages of each column (``duration`` for a body without one). Without
``partial`` one such row refuses the whole file: ``422`` with
``errors.rows`` and ``rows: [{"row", "errors"}]``; with ``partial=true``
(a field, or the query) the valid rows are stored and the others answered
among them. The rows go to the entry writer as one group, in one
transaction with the other requests' entries of its batch, through the path
of a single create (``entry_create.write_entries``): ``201 {"created": N,
"rows": [{"row", "id"} | {"row", "errors"}, ...]}``, a stored row with the
parser's ``warnings`` when it guessed something. Each stored row gets its
``time_entry.created`` webhook event in that transaction: its entry's JSON is
made by the writer, only when some subscription wants it, from what is read
here (the row, its project's and service's names), so without the session.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from nlentry import Catalog, Item, message, parse
from nlentry.api import idempotency
from nlentry.api.batch_models import ImportRefusal, ImportResult
from nlentry.api.errors import Invalid
from nlentry.api.json_shapes import project_ref, service_ref
from nlentry.api.operations import operation
from nlentry.api.pipeline import Call
from nlentry.api.request.batch_fields import ImportInput, ImportQuery
from nlentry.api.request.body import accept_csv
from nlentry.api.request.csv_rows import BLANK_IS_ABSENT, CsvCells, Table, read_table
from nlentry.api.request.entry_fields import (
    default_billable,
    find_project,
    find_service,
    span_seconds,
    values_from,
)
from nlentry.api.request.entry_types import merge_tags
from nlentry.api.request.fields import (
    CREDENTIAL_PARAMETERS,
    FieldErrors,
    query_fields,
    read_model,
    read_query,
)
from nlentry.api.request.models import IdempotencyHeaders
from nlentry.api.resources.batch import ERRORS, problems_text
from nlentry.api.resources.entry_create import (
    group_entry,
    group_in_thread,
    new_entry_json,
    write_entries,
)
from nlentry.api.user_time import local_today, zone_of
from nlentry.limits import MAX_IMPORT_BYTES
from nlentry.parsing.words import normalize_name
from nlentry.storage.entry_submissions import NewEntry, entry_row
from nlentry.storage.models import utcnow

#: Which columns, when the file has them, stand for which field the parser reads.
_OVERRIDDEN_BY = {
    "date": ("date",), "duration": ("duration_seconds", "hours", "start_time", "end_time"),
    "project": ("project",), "service": ("service",),
}  # fmt: skip
_REFUSED = ("a field is invalid, the CSV cannot be read, or a row cannot be stored (`rows` says "
            "which and why); nothing is stored")


@operation("POST", "/time_entries/import", name="import_time_entries", tag="Time entries",
           scope="write:time_entries", summary="Import entries from a CSV",
           description="The CSV as the field `csv`, as a multipart file part `file`, or as a "
                       "`text/csv` body. Columns by header name: `body` (each row parsed as "
                       "`POST /time_entries` parses one), or `date` with `duration_seconds`, "
                       "`hours` or `start_time` and `end_time`; and `project`, `service` (by "
                       "name or alias), `description`, `billable`, `tags`; the other columns "
                       "of `GET /time_entries.csv` (`id`, `client`, `created_at`, "
                       "`updated_at`) are ignored, any other is 422. All rows are stored in one "
                       "transaction, or none: 422 with `errors.rows` and `rows: [{\"row\", "
                       "\"errors\"}]`; with `partial=true` the valid rows are stored and the "
                       "others answered with their errors.",
           headers=IdempotencyHeaders, query=ImportQuery, request=ImportInput,
           request_description="the CSV (or send it as `text/csv`, or as a multipart `file`)",
           response=ImportResult, status=201, answer="what was stored, row by row",
           errors=ERRORS,
           more={422: (_REFUSED, ImportRefusal)}, max_body_bytes=MAX_IMPORT_BYTES,
           on_loop=True)  # fmt: skip
async def import_entries(call: Call) -> Response:
    return await write_entries(call, lambda call: group_in_thread(call, _prepare_import))


accept_csv(import_entries.operation.route_path)  # type: ignore[attr-defined]


def _prepare_import(call: Call, key: str | None) -> NewEntry:
    """The group to store (or, with a key, the refusal to keep); 422 without a key."""
    request_hash = ""
    if key is not None:
        query = {name: value for name, value in query_fields(call.query).items()
                 if name not in CREDENTIAL_PARAMETERS}  # fmt: skip
        request_hash = idempotency.fingerprint({"fields": call.fields, "query": query}, "import")
    return group_entry(call, key, request_hash, lambda: _rows_and_answer(call))


def _rows_and_answer(call: Call) -> tuple[list[dict], idempotency.Answer, tuple]:
    """The rows to store, the 201 answer, and each row's created event's data (a
    function making it); 422 when a row cannot be stored (unless ``partial``)."""
    table, partial = _read_request(call)
    reader = _RowReader(call, table)
    rows: list[dict] = []
    data: list = []
    answered: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for number, cells in table.rows:
        read = reader.read(number, cells)
        if read.errors:
            refused.append({"row": number, "errors": read.errors})
            answered.append(refused[-1])
            continue
        rows.append(entry_row(call.caller.user_id, read.values, reader.now))
        data.append(reader.event_data(rows[-1]))
        stored: dict[str, Any] = {"row": number, "id": idempotency.NEW_ID}
        if read.warnings:
            stored["warnings"] = read.warnings
        answered.append(stored)
    if refused and (not partial or not rows):
        said = message(call.caller.locale, "row_refused")
        raise Invalid({"rows": [said.format(row=row["row"], problems=problems_text(row["errors"]))
                                for row in refused]}, rows=refused)  # fmt: skip
    return (rows, idempotency.answer_with_ids(201, {"created": len(rows), "rows": answered}),
            tuple(data))  # fmt: skip


def _read_request(call: Call) -> tuple[Table, bool]:
    """The CSV, read into rows, and whether ``partial`` was asked for; 422 otherwise."""
    errors = call.errors()
    query = read_query(ImportQuery, call.query, errors)
    given = read_model(ImportInput, call.fields, errors)
    if not errors and "csv" in given and "file" in given:
        errors.add("file", "invalid", "csv:")
    elif not errors and "csv" not in given and "file" not in given:
        errors.add("csv", "blank")
    errors.raise_if_any()
    name = "csv" if "csv" in given else "file"
    partial = given.get("partial", query.get("partial", False))
    return read_table(given[name], name, call.caller.locale), partial


@dataclass
class _Read:
    """A row read: its entry's values, or what keeps it from being stored."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)


class _RowReader:
    """Reads the rows of one file: the caller's catalog, today and locale, read once."""

    def __init__(self, call: Call, table: Table):
        caller = call.caller
        self.call = call
        self.table = table
        self.locale = caller.locale
        self.now = utcnow()
        self.zone = zone_of(caller)
        self.today = local_today(caller, self.now)
        self.catalog = call.state.catalogs.get(call.session, caller)
        self.names = _Names(self.catalog)
        self.columns = frozenset(table.columns)
        self.cell_columns = [name for name in CsvCells.model_fields if name in self.columns]

    def read(self, number: int, cells: dict[str, str]) -> _Read:
        result = _Read()
        errors = FieldErrors(self.locale)
        if number in self.table.misshapen:
            errors.add_text("row", self.table.misshapen[number])
        given = {name: cells[name] for name in self.cell_columns
                 if name not in BLANK_IS_ABSENT or cells[name].strip()}  # fmt: skip
        if "duration_seconds" in given:  # the exact duration: hours (rounded) are left aside
            given.pop("hours", None)
        read = read_model(CsvCells, given, errors)
        values = result.values
        parsed = None
        body = read.get("body")
        if body is not None:
            parsed = parse(body, catalog=self.catalog, locale="auto", today=self.today,
                           default_locale=self.locale)  # fmt: skip
            values.update(values_from(parsed))
            values["body"] = body
            values["tags"] = parsed.tags
            result.warnings = [warning.to_dict() for warning in parsed.warnings]
        overridden = self._explicit(read, cells, values, errors)
        if parsed is not None:
            for name, texts in parsed.errors.items():
                if name not in overridden:
                    for text in texts:
                        errors.add_text(name, text)
        elif "body" not in errors.errors:
            values["body"] = values.get("description", "")
            if "date" not in read and "date" not in errors.errors:
                errors.add("date", "blank")
        if values.get("duration") is None and not _has_duration_error(errors):
            errors.add_text("duration", message(self.locale, "duration_missing"))
        result.errors = errors.errors
        return result

    def event_data(self, row: dict[str, Any]):
        """A function making the entry's JSON of a stored ``row`` (its created event's
        data): the project and service named now, the rest from the row."""
        call = self.call  # the catalog's items (cached): what the row names was found there
        project = project_ref(find_project(call, row["project_id"]))
        service = service_ref(find_service(call, row["service_id"]))
        return functools.partial(new_entry_json, row, project, service, call.caller.user_id,
                                 call.caller.display_name, self.zone)

    def _explicit(self, read: dict[str, Any], cells: dict[str, str], values: dict[str, Any],
                  errors: FieldErrors) -> set[str]:  # fmt: skip
        """The columns given, over what the parser found: the fields they settled."""
        settled = set()
        for name in ("date", "start_time", "end_time", "description", "billable"):
            if name in read:
                values[name] = read[name]
                settled.add(name)
        settled.add("duration")  # unless no column gives one:
        if "duration_seconds" in read:
            values["duration"] = read["duration_seconds"]
        elif "hours" in read:
            values["duration"] = read["hours"]
        elif read.get("start_time") is not None and read.get("end_time") is not None:
            if read["start_time"] == read["end_time"]:
                errors.add("end_time", "same_as_start")
            else:
                values["duration"] = span_seconds(read["start_time"], read["end_time"])
        else:
            settled.discard("duration")
        if "tags" in read:
            values["tags"] = read["tags"]
        try:  # within the limits, also when they come from the body alone
            values["tags"] = merge_tags(values.get("tags", []))
        except ValueError as error:
            errors.add("tags", str(error))
        project = None
        for kind in ("project", "service"):
            if kind not in self.columns:
                continue
            item, problem = self.names.find(kind, cells[kind], cells.get("client", ""))
            if problem is not None:
                errors.add(kind, problem)
            values[f"{kind}_id"] = None if item is None else item.id
            settled.add(kind)
            if kind == "project":
                project = item
        if "billable" not in values:
            if project is None and values.get("project_id") is not None:  # the parser's
                project = self.call.state.catalogs.item(self.call.session, self.call.caller,
                                                        "project", values["project_id"])  # fmt: skip
            values["billable"] = default_billable(project)
        return settled


def _has_duration_error(errors: FieldErrors) -> bool:
    return any(name in errors.errors for name in ("duration", "duration_seconds", "hours",
                                                  "start_time", "end_time"))  # fmt: skip


class _Names:
    """Projects and services found by the whole of a cell: a name or one of the
    caller's aliases, compared as the parser compares names (case, accents and
    punctuation aside); an exact name wins over an alias, and ``client`` tells
    apart projects of one name. Each cell text is looked up once per file."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._found: dict[tuple[str, str, str], tuple[Item | None, str | None]] = {}

    def find(self, kind: str, cell: str, client: str) -> tuple[Item | None, str | None]:
        """The item a cell names (None for a blank cell), or the message key of why not."""
        if not cell.strip():
            return None, None
        key = (kind, cell, client)
        if key not in self._found:
            self._found[key] = self._look_up(kind, cell, client)
        return self._found[key]

    def _look_up(self, kind: str, cell: str, client: str) -> tuple[Item | None, str | None]:
        name = normalize_name(cell)
        words = name.split(" ") if name else []
        spans = self.catalog.spans(words) if words else []
        if not spans or spans[0][:2] != (0, len(words)):
            return None, "not_found"
        items = [item for item in spans[0][2] if item.kind == kind]
        if len(items) > 1:  # a name over an alias
            items = [item for item in items if normalize_name(item.name) == name] or items
        if len(items) > 1 and client.strip():  # the project of that client
            of_client = normalize_name(client)
            items = [item for item in items
                     if normalize_name(item.client_name or "") == of_client] or items  # fmt: skip
        if not items:
            return None, "not_found"
        if len(items) > 1:
            return None, "ambiguous_name"
        return items[0], None
