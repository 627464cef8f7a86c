"""The CSV export of ``GET /time_entries``: asked for with ``Accept: text/csv`` or the
``.csv`` suffix (``/api/v1/time_entries.csv``, which ``JsonSuffixMiddleware`` turns
into that header), every entry the list's filters match, in the list's order, streamed.

The list's handler reads the request in its transaction as usual and answers a
``StreamingResponse`` at once; the rows are read afterwards, while the answer is
sent, by an ``ExportCursor`` with a read session of its own, a batch at a time in
the worker's threads (``pipeline.in_thread``): the header row leaves before the
first row is read, and no more than a batch is ever held. The session ends with the
last batch, or when the client goes away.

UTF-8, no byte order mark, RFC 4180 (``csv``: ``,``, ``"`` quoting where needed,
CRLF). A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is prefixed with ``'`` so that a spreadsheet shows it instead of running it.
See ``docs/reports-and-export.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import anyio
from starlette.responses import Response, StreamingResponse

from nlentry.api.json_shapes import timestamp
from nlentry.api.pagination import ENTRY_SORTS, check_sort
from nlentry.api.pipeline import Call, in_thread
from nlentry.api.report_models import (
    PAGE_PARAMETERS,
    ExportQuery,
    check_filters,
    entry_filter,
    read_rounding,
)
from nlentry.api.request.fields import query_fields, read_query
from nlentry.api.resources.reports import hours
from nlentry.api.user_time import zone_of
from nlentry.parsing import format_hhmm
from nlentry.storage.models import utcnow
from nlentry.storage.queries.export import ExportCursor, export_statement
from nlentry.storage.queries.reports import Rounding
from nlentry.storage.queries.timers import total_seconds

CSV_TYPE = "text/csv"
HEADER = ("id", "date", "start_time", "end_time", "duration_seconds", "hours", "project",
          "client", "service", "description", "body", "billable", "tags", "created_at",
          "updated_at")  # fmt: skip
#: Added with ``rounding``: each entry's hours, rounded.
ROUNDED = "rounded_hours"
#: Added with ``user_ids`` (an admin's export of colleagues): whose entry each row is.
USER_COLUMNS = ("user_id", "user")
#: What makes a spreadsheet read a cell as a formula (OWASP's list: = + - @, tab, CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def wants_csv(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks for CSV: ``text/csv`` named with a weight above
    0 and above ``application/json``'s when that is named too (wildcards name neither:
    a browser's ``*/*`` gets JSON)."""
    if not accept or "csv" not in accept.lower():
        return False
    weights: dict[str, float] = {}
    for item in accept.split(","):
        media, *parameters = item.split(";")
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        media = media.strip().lower()
        weights[media] = max(weights.get(media, 0.0), weight)
    csv_weight = weights.get(CSV_TYPE, 0.0)
    return csv_weight > 0 and csv_weight > weights.get("application/json", 0.0)


def defused(text: str) -> str:
    """``text`` as a cell a spreadsheet shows rather than runs."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_export(call: Call) -> Response:
    """The list's entries as CSV (422 as the list for a wrong parameter; the page
    parameters are unknown here: an export has every entry)."""
    errors = call.errors()
    given = query_fields(call.query)
    for name in PAGE_PARAMETERS:
        if name in given:
            errors.add(name, "unknown_parameter")
    query = {name: value for name, value in call.query.items() if name not in PAGE_PARAMETERS}
    values = read_query(ExportQuery, query, errors)
    sort = check_sort(values, ENTRY_SORTS, errors)
    rounding = read_rounding(values, errors)
    check_filters(call, values, errors)
    errors.raise_if_any()
    where = entry_filter(values)
    caller = call.caller
    state = call.state

    def build(session):
        return export_statement(session, caller.user_id, where, sort=sort,
                                workspace_id=caller.workspace_id)  # fmt: skip

    cursor = ExportCursor(state.db.read, build)
    columns = list(HEADER)
    if "rounding" in given:
        columns.append(ROUNDED)
    with_users = where.user_ids is not None
    if with_users:
        columns.extend(USER_COLUMNS)
    cells = row_cells(zone_of(caller), utcnow(), rounding if ROUNDED in columns else None,
                      with_users)  # fmt: skip
    return StreamingResponse(
        stream(state, cursor, columns, cells), media_type=f"{CSV_TYPE}; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="time_entries.csv"'},
    )


def row_cells(zone: dt.tzinfo, now: dt.datetime, rounding: Rounding | None,
              with_users: bool) -> Callable[[Any], list[Any]]:  # fmt: skip
    """A row's cells: timestamps with the caller's offset, a running timer's seconds
    so far (at most 24 hours, as its answers count them), names as they are now."""

    def cells(row: Any) -> list[Any]:
        seconds = total_seconds(row, now)
        found = [
            row.id, row.date.isoformat(), format_hhmm(row.start_time) or "",
            format_hhmm(row.end_time) or "", seconds, f"{hours(seconds):.2f}",
            defused(row.project or ""), defused(row.client or ""), defused(row.service or ""),
            defused(row.description or ""), defused(row.body or ""),
            "true" if row.billable else "false", defused(", ".join(row.tags or ())),
            timestamp(row.created_at, zone), timestamp(row.updated_at, zone),
        ]
        if rounding is not None:
            found.append(f"{hours(rounding.seconds(seconds)):.2f}")
        if with_users:
            found.extend((row.user_id, defused(row.user or "")))
        return found

    return cells


def encoded(rows: Iterable[list[Any]]) -> bytes:
    """Rows as RFC 4180 CSV (CRLF), UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _next_chunk(cursor: ExportCursor, cells: Callable[[Any], list[Any]]) -> bytes | None:
    rows = cursor.next_batch()
    return encoded(cells(row) for row in rows) if rows else None


async def stream(state: Any, cursor: ExportCursor, columns: list[str],
                 cells: Callable[[Any], list[Any]]) -> AsyncIterator[bytes]:  # fmt: skip
    """The header row at once, then a chunk per batch, each read in a worker thread; the
    cursor is closed at the end, on an error, or when the client goes away."""
    try:
        yield encoded([columns])
        while True:
            chunk = await in_thread(state, _next_chunk, cursor, cells)
            if chunk is None:
                return
            yield chunk
    finally:
        if not cursor.done:
            with anyio.CancelScope(shield=True):
                await in_thread(state, cursor.close)

