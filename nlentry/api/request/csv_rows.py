"""Reading a CSV of time entries into rows of cells (``POST /time_entries/import``).

The file is RFC 4180 CSV (quoted fields may hold commas, quotes and new
lines), UTF-8; its first row names the columns, by header name in any order
and case. The delimiter is the comma, or the semicolon or tab when the
header row holds one of those and no comma (what a spreadsheet in a Dutch
locale writes). Columns:

* read: ``body``, ``date``, ``start_time``, ``end_time``, ``duration_seconds``,
  ``hours``, ``project``, ``service``, ``description``, ``billable``, ``tags``;
  and ``client``, which only tells apart projects of the same name;
* ignored: ``id``, ``created_at``, ``updated_at``, ``rounded_hours``, and an
  admin's ``user_id`` and ``user`` (every row becomes the caller's entry), so
  that any file ``GET /time_entries.csv`` writes imports as it is;
* any other is refused, naming it, as an unknown field is.

A cell that starts with ``'`` followed by ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return loses the ``'``: the export puts it there so that a
spreadsheet does not run the cell as a formula. A row of blank cells is skipped. Rows are numbered as a
spreadsheet shows them: the header is row 1, the first entry row 2 (a
quoted cell over several lines is still one row).

The cells' values are read by the field types of the API
(``nlentry.api.request.fields``): ``CsvCells`` is a row as a model, so a
cell gets the message its field would (``is geen geldige datum``, ...).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from nlentry import message
from nlentry.api.errors import Invalid
from nlentry.api.request.entry_types import Description
from nlentry.api.request.fields import (
    Boolean,
    Clock,
    DateText,
    Duration,
    Messages,
    OptionalBody,
    Strict,
    Tags,
    refuse,
)
from nlentry.limits import MAX_DURATION_SECONDS, MAX_IMPORT_ROWS

#: The columns read from each row.
READ = ("body", "date", "start_time", "end_time", "duration_seconds", "hours", "project",
        "client", "service", "description", "billable", "tags")  # fmt: skip
#: The columns of an export that an import leaves aside.
IGNORED = frozenset({"id", "created_at", "updated_at", "rounded_hours", "user_id", "user"})
#: Columns whose blank cell means "not given" (the parser's value, or the default);
#: in the others a blank cell is the field's blank (no project, no times, no tags, ...).
BLANK_IS_ABSENT = frozenset({"body", "date", "duration_seconds", "hours", "billable"})
#: What a spreadsheet would run as a formula, after the export's defusing ``'``.
_FORMULA_STARTS = ("'=", "'+", "'-", "'@", "'\t", "'\r")
_DELIMITERS = (";", "\t")


def _hours(value: Any) -> int:
    """Hours (``1.5``, ``1,5``) as whole seconds, rounded half up."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise refuse("not_a_number")
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise refuse("not_a_number") from None
    if not hours.is_finite():
        raise refuse("not_a_number")
    if hours > MAX_DURATION_SECONDS:  # no need to multiply what is too long anyway
        return MAX_DURATION_SECONDS + 1
    return int((hours * 3600).to_integral_value(ROUND_HALF_UP))


Hours = Annotated[
    int, Field(ge=1, le=MAX_DURATION_SECONDS), BeforeValidator(_hours),
    Messages(less_than_equal="duration_too_long"),
]


class CsvCells(Strict):
    """One row's cells, read as the API's fields are (blank cells of
    ``BLANK_IS_ABSENT`` columns left out before)."""

    body: OptionalBody = None
    date: DateText = None  # type: ignore[assignment]
    duration_seconds: Duration = None  # type: ignore[assignment]
    hours: Hours = None  # type: ignore[assignment]
    start_time: Clock = None
    end_time: Clock = None
    description: Description = None  # type: ignore[assignment]
    billable: Boolean = None  # type: ignore[assignment]
    tags: Tags = None  # type: ignore[assignment]


@dataclass
class Table:
    """A CSV read: its columns (lower case, as read) and its rows of cells."""

    field: str  # the request field the CSV came in: ``csv`` or ``file``
    columns: tuple[str, ...]
    #: (row number, {column: cell}) of every row that is not blank, for the read columns
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    #: row number -> what is wrong with the row's shape (more cells than columns)
    misshapen: dict[int, str] = field(default_factory=dict)

    def has(self, column: str) -> bool:
        return column in self.columns


def defused(cell: str) -> str:
    """``cell`` without the ``'`` an export puts before ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return (``nlentry.api.resources.export.defused``)."""
    return cell[1:] if cell.startswith(_FORMULA_STARTS) else cell


def read_table(text: str, field_name: str, locale: str) -> Table:
    """The rows of the CSV ``text``; 422 (``field_name`` naming the CSV) when it cannot
    be read, its header names an unknown column, a column twice, or not the columns an
    entry needs, or it has no row or more than ``MAX_IMPORT_ROWS``."""
    text = text.removeprefix("\ufeff")
    problems: list[str] = []

    def refuse_file(key: str, detail: str = "") -> Invalid:
        said = message(locale, key)
        return Invalid({field_name: [f"{said}: {detail}" if detail else said]})

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise refuse_file("blank")
        columns = tuple(cell.strip().lower() for cell in header)
        for name in dict.fromkeys(columns):
            if columns.count(name) > 1:
                problems.append(f"{message(locale, 'duplicate_column')}: {name}")
            elif name not in READ and name not in IGNORED:
                problems.append(f"{message(locale, 'unknown_column')}: {name or '(blank)'}")
        if problems:
            raise Invalid({field_name: problems})
        if not _enough_columns(set(columns)):
            raise refuse_file("missing_columns")
        table = Table(field_name, columns)
        wanted = [(i, name) for i, name in enumerate(columns) if name in READ]
        width = len(columns)
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(table.rows) >= MAX_IMPORT_ROWS:
                raise refuse_file("too_many_rows", str(MAX_IMPORT_ROWS))
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                table.misshapen[number] = message(locale, "too_many_cells")
            table.rows.append((number, {name: defused(cells[i]) if i < len(cells) else ""
                                        for i, name in wanted}))  # fmt: skip
    except csv.Error:
        said = message(locale, "row_refused").format(row=reader.line_num,
                                                     problems=message(locale, "csv_unreadable"))
        raise Invalid({field_name: [said]}) from None
    if not table.rows:
        raise refuse_file("no_rows")
    return table


def _delimiter(text: str) -> str:
    """``,``, unless the header row holds no comma but a ``;`` (or a tab)."""
    first = text.split("\n", 1)[0]
    if "," in first:
        return ","
    for delimiter in _DELIMITERS:
        if delimiter in first:
            return delimiter
    return ","


def _enough_columns(columns: set[str]) -> bool:
    """A ``body`` column, or a ``date`` and a duration: seconds, hours or start and end."""
    return "body" in columns or ("date" in columns and (
        "duration_seconds" in columns or "hours" in columns
        or {"start_time", "end_time"} <= columns))
