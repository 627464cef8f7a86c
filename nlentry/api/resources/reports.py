"""``/reports/summary``: the seconds of the caller's entries (an admin's ``user_ids``: of
those colleagues), summed per project, client, service, day, ISO week or user.

The sums are the database's (``nlentry.storage.queries.reports``); here the request
is read, the period defaults to the caller's current week (their own time zone,
Monday to Sunday) and the answer is shaped. See ``docs/reports-and-export.md``.
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import JSONResponse, Response

from nlentry.api.operations import operation
from nlentry.api.pipeline import Call
from nlentry.api.report_models import (
    ReportQuery,
    SummaryReport,
    check_filters,
    entry_filter,
    read_rounding,
)
from nlentry.api.request.fields import read_query
from nlentry.api.user_time import local_today
from nlentry.storage.models import utcnow
from nlentry.storage.queries import reports
from nlentry.storage.queries.reports import GROUPINGS, Summary

TAG = "Reports"
_SUMMARY = """Totals of the caller's entries (an admin's `user_ids`: of those users of the
workspace) from `start_date` to `end_date` (the users' local dates; default: the caller's
current week, Monday to Sunday), filtered as the list filters, per `group_by`. Each entry's
seconds are rounded (`rounding`, `rounding_mode`) before they are summed; a running timer
counts its seconds so far (at most 24 hours). A group's `key` is the project's, client's,
service's or user's id as text (`none` for entries without one; `id` and `name` are then
null), a day (`2026-03-18`) or an ISO week (`2026-W12`, named by its days
`2026-03-16/2026-03-22`). `group_by=user` is for admins (a member's is 422). An unknown
parameter is 422 naming it."""


def hours(seconds: int) -> float:
    """Seconds as hours, to 2 decimals."""
    return round(seconds / 3600, 2)


def _shift(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, kept within the calendar (``date.min`` .. ``date.max``)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def period(start: dt.date | None, end: dt.date | None,
           today: dt.date) -> tuple[dt.date, dt.date]:  # fmt: skip
    """The report's days: each bound not given is this week's (Monday, Sunday), or that of
    the other bound's week when the other lies beyond it; never a start after the end."""
    monday = _shift(today, -today.weekday())
    sunday = _shift(monday, 6)
    if start is None:
        start = min(monday, _shift(end, -end.weekday())) if end is not None else monday
    if end is None:
        end = max(sunday, _shift(start, 6 - start.weekday()))
    return start, end


@operation("GET", "/reports/summary", name="summary_report", tag=TAG, scope="read:reports",
           summary="Totals of the caller's entries per project, client, service, day, week "
                   "or user",
           description=_SUMMARY, query=ReportQuery, response=SummaryReport,
           answer="the totals of the period and its groups", errors=("Invalid",))  # fmt: skip
def summary_report(call: Call) -> Response:
    errors = call.errors()
    values = read_query(ReportQuery, call.query, errors)
    group_by = values.get("group_by") or "project"
    if group_by not in GROUPINGS:
        errors.add("group_by", "invalid_group_by")
    elif group_by == "user" and not call.caller.is_admin:
        errors.add("group_by", "admins_only")
    rounding = read_rounding(values, errors)
    check_filters(call, values, errors)
    errors.raise_if_any()
    now = utcnow()
    start, end = period(values.get("start_date"), values.get("end_date"),
                        local_today(call.caller, now))  # fmt: skip
    where = entry_filter(values, start_date=start, end_date=end)
    found = reports.summary(call.session, call.caller.user_id, where, group_by=group_by,
                            rounding=rounding, now=now,
                            workspace_id=call.caller.workspace_id)  # fmt: skip
    return JSONResponse({"summary": summary_json(found, start, end, rounding)})


def summary_json(found: Summary, start: dt.date, end: dt.date, rounding) -> dict:
    return {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "total_seconds": found.total_seconds,
        "total_hours": hours(found.total_seconds),
        "billable_seconds": found.billable_seconds,
        "total_entries": found.total_entries,
        "rounding": {"minutes": rounding.minutes, "mode": rounding.mode},
        "groups": [{"key": group.key, "id": group.id, "name": group.name,
                    "seconds": group.seconds, "hours": hours(group.seconds),
                    "entries": group.entries} for group in found.groups],
    }
