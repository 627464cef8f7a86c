"""The fields of ``GET /reports/summary`` and of the CSV export of ``GET /time_entries``,
the report's answer (for the OpenAPI document), and reading the filters they share
with the list of entries.

The report and the export take the list's filters (``project_ids``, ``service_ids``,
``client_ids``, ``user_ids`` for admins, ``billable``, ``tag``, ``q``; the export
all of the list's, ``date`` and ``updated_since`` too) and refuse them as the list
does: a member's ``user_ids`` is ``admins_only``, a ``start_date`` after the
``end_date`` is ``start_after_end``, an unknown parameter ``unknown_parameter``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from nlentry.api.pipeline import Call
from nlentry.api.request.fields import (
    DateText,
    FieldErrors,
    integer,
    is_blank,
)
from nlentry.api.request.models import EntryFilters, TimeEntryQuery
from nlentry.storage.queries.entries import EntryFilter
from nlentry.storage.queries.reports import GROUPINGS, ROUNDING_MINUTES, ROUNDING_MODES, Rounding

#: The read filters that become an ``EntryFilter`` as they are.
FILTERS = ("date", "start_date", "end_date", "project_ids", "service_ids", "client_ids",
           "user_ids", "billable", "updated_since")  # fmt: skip


def _choice_or_default(value: Any) -> Any:
    """A blank choice is the default (left out, as a form sends an empty field)."""
    return None if is_blank(value) else value


def _minutes(value: Any) -> int:
    return 0 if is_blank(value) else integer(value)


GroupBy = Annotated[
    str | None, BeforeValidator(_choice_or_default),
    WithJsonSchema({"type": "string", "enum": list(GROUPINGS), "default": "project"}),
]
RoundingMinutes = Annotated[
    int, BeforeValidator(_minutes),
    WithJsonSchema({"type": "integer", "enum": list(ROUNDING_MINUTES), "default": 0}),
]
RoundingMode = Annotated[
    str | None, BeforeValidator(_choice_or_default),
    WithJsonSchema({"type": "string", "enum": list(ROUNDING_MODES), "default": "nearest"}),
]

_ROUNDING = ("minutes: each entry is rounded to a multiple of this before the sum (0: not "
             "rounded); stored durations never change")
_MODE = "`nearest` (a half rounds up), `up` or `down`; default `nearest`"


class ReportQuery(EntryFilters):
    """The period, filters, grouping and rounding of ``GET /reports/summary``."""

    start_date: DateText = Field(  # type: ignore[assignment]
        None, description="the first day (the user's local date); default: this week's Monday, "
                          "or the Monday of `end_date`'s week when that is earlier",
    )
    end_date: DateText = Field(  # type: ignore[assignment]
        None, description="the last day, inclusive; default: this week's Sunday, or the Sunday "
                          "of `start_date`'s week when that is later (a `start_date` after it "
                          "is 422)",
    )
    group_by: GroupBy = Field(
        None, description="`project` (default), `client`, `service`, `day`, `week` (ISO, "
                          "Monday to Sunday) or `user` (admins only)",
    )
    rounding: RoundingMinutes = Field(0, description=_ROUNDING)
    rounding_mode: RoundingMode = Field(None, description=_MODE)


class ExportQuery(TimeEntryQuery):
    """The list's filters and order, and the rounding of the CSV's ``rounded_hours``."""

    rounding: RoundingMinutes = Field(
        0, description="minutes: adds a `rounded_hours` column, each entry rounded to a "
                       "multiple of this",
    )
    rounding_mode: RoundingMode = Field(None, description=_MODE)


#: The list's page parameters, which an export (every entry) does not take.
PAGE_PARAMETERS = ("page", "per_page", "size")


def read_rounding(values: dict[str, Any], errors: FieldErrors) -> Rounding:
    """The read ``rounding`` and ``rounding_mode`` (refused when no rounding knows them)."""
    minutes, mode = values.get("rounding", 0), values.get("rounding_mode") or "nearest"
    if minutes not in ROUNDING_MINUTES:
        errors.add("rounding", "invalid_rounding")
        minutes = 0
    if mode not in ROUNDING_MODES:
        errors.add("rounding_mode", "invalid_rounding_mode")
        mode = "nearest"
    return Rounding(minutes, mode)


def check_filters(call: Call, values: dict[str, Any], errors: FieldErrors) -> None:
    """Refuse what the list refuses: a start after the end, a member's ``user_ids``."""
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None and end is not None and start > end:
        errors.add("start_date", "start_after_end")
    if values.get("user_ids") is not None and not call.caller.is_admin:
        errors.add("user_ids", "admins_only")


def entry_filter(values: dict[str, Any], **overrides: Any) -> EntryFilter:
    """The ``EntryFilter`` of the read filters (``overrides`` win)."""
    given = {name: values[name] for name in FILTERS if values.get(name) is not None}
    return EntryFilter(**{**given, **overrides}, tags=tuple(values.get("tag") or ()),
                       words=tuple(values.get("q") or ()))  # fmt: skip


# --- the answer ---------------------------------------------------------------------------

_SECONDS = Annotated[int, Field(ge=0, description="seconds, each entry rounded first")]
_HOURS = Annotated[float, Field(ge=0, description="the seconds in hours, to 2 decimals",
                                examples=[2.5])]  # fmt: skip


class ReportGroup(BaseModel):
    """One group of a report."""

    key: str = Field(
        description="what groups it: a project's, client's, service's or user's id as text, "
                    "`none` for entries without one; a day `2026-03-18`; an ISO week `2026-W12`",
        examples=["12", "none", "2026-03-18", "2026-W12"],
    )
    id: Annotated[int, Field(ge=1)] | None = Field(
        description="the project's, client's, service's or user's id; null for none, a day or "
                    "a week",
    )
    name: str | None = Field(
        description="its name (a user's display name); a day's date; a week's days as an ISO "
                    "8601 interval (`2026-03-16/2026-03-22`); null for none",
    )
    seconds: _SECONDS
    hours: _HOURS
    entries: Annotated[int, Field(ge=1, description="how many entries")]


class ReportRounding(BaseModel):
    minutes: Literal[0, 1, 5, 6, 10, 15, 30, 60] = Field(description="0: not rounded")
    mode: Literal["nearest", "up", "down"]


class ReportSummary(BaseModel):
    start_date: dt.date
    end_date: dt.date
    total_seconds: _SECONDS
    total_hours: _HOURS
    billable_seconds: _SECONDS
    total_entries: Annotated[int, Field(ge=0)]
    rounding: ReportRounding
    groups: list[ReportGroup] = Field(
        description="days and weeks in time order; the others by name, `none` last; only "
                    "groups with entries",
    )


class SummaryReport(BaseModel):
    summary: ReportSummary
