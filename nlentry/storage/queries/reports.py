"""Reports: the seconds of a user's entries (or, for an admin, of named colleagues'),
summed per project, client, service, day, ISO week or user, in SQL.

The entries are those of a list with the same filters (``EntryFilter``, read by
``nlentry.storage.queries.entries``). Each entry's seconds are rounded first
(``Rounding``: to 1, 5, 6, 10, 15, 30 or 60 minutes, to the nearest, up or down)
and then summed, at read time: stored durations never change. The stopped
entries are summed by the database (``GROUP BY``, one statement whatever their
number); a running timer counts its seconds so far, capped at 24 hours as the
timer's answers count them (``timers.total_seconds``): at most one per user, so
those few are read as rows and added to their groups here.

Dates are stored as the users' local dates, so a day is the entry's ``date`` and a
week the ISO week (Monday to Sunday) holding it: grouped on its Monday, computed
per dialect (SQLite's ``strftime('%w')``, PostgreSQL's ``date_trunc('week')``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Integer,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from nlentry.storage.models import Client, Project, Service, TimeEntry, User
from nlentry.storage.queries.entries import EntryFilter
from nlentry.storage.queries.entries import _conditions as entry_conditions
from nlentry.storage.queries.timers import total_seconds

#: What a report can be grouped by.
GROUPINGS = ("project", "client", "service", "day", "week", "user")
#: The minutes an entry can be rounded to (0: not rounded).
ROUNDING_MINUTES = (0, 1, 5, 6, 10, 15, 30, 60)
#: How an entry is rounded: to the nearest multiple (a half up), up, or down.
ROUNDING_MODES = ("nearest", "up", "down")


@dataclass(frozen=True)
class Rounding:
    """Each entry's seconds to a multiple of ``minutes`` (0: as they are)."""

    minutes: int = 0
    mode: str = "nearest"

    def __post_init__(self) -> None:
        if self.minutes not in ROUNDING_MINUTES or self.mode not in ROUNDING_MODES:
            raise ValueError(f"no rounding {self.minutes} {self.mode}")

    @property
    def unit(self) -> int:
        return self.minutes * 60

    def seconds(self, seconds: int) -> int:
        """``seconds`` rounded (what ``sql`` computes, for the rows read here)."""
        unit = self.unit
        if not unit:
            return seconds
        if self.mode == "up":
            return (seconds + unit - 1) // unit * unit
        if self.mode == "down":
            return seconds // unit * unit
        return (seconds + unit // 2) // unit * unit

    def sql(self, seconds: Any) -> Any:
        """The SQL of ``seconds`` (a non-negative integer column) rounded; integer
        division (``//``) on both dialects."""
        unit = self.unit
        if not unit:
            return seconds
        if self.mode == "up":
            return (seconds + (unit - 1)) // unit * unit
        if self.mode == "down":
            return seconds // unit * unit
        return (seconds + unit // 2) // unit * unit


@dataclass(frozen=True)
class Group:
    """One line of a report: ``key`` is what groups it (a project's id, ``none``, a day,
    an ISO week ``2026-W12``), ``id`` and ``name`` what it is (a week's name is the
    ISO 8601 interval of its days, ``2026-03-16/2026-03-22``)."""

    key: str
    id: int | None
    name: str | None
    seconds: int
    entries: int
    billable_seconds: int


@dataclass(frozen=True)
class Summary:
    groups: list[Group]
    total_seconds: int
    billable_seconds: int
    total_entries: int


#: Julian day number minus proleptic Gregorian ordinal (``date.toordinal``): the same day.
_JULIAN_OFFSET = 1721425


def week_start(session: Session, day: Any) -> ColumnElement:
    """The Monday of the ISO week of the date column ``day``, per dialect: on SQLite its
    ordinal (``date.fromordinal``; Julian day numbers of Mondays are multiples of 7, and
    one number is cheaper to compute and group on than a date's text), on PostgreSQL
    the date."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        number = cast(func.julianday(day) + literal_column("0.5"), Integer)  # exact: x.5 + .5
        return number - number % literal_column("7") - literal_column(str(_JULIAN_OFFSET))
    if dialect == "postgresql":
        # the unit inline: a bound parameter would make the GROUP BY another expression
        return cast(func.date_trunc(literal_column("'week'"), cast(day, DateTime)), Date)
    raise ValueError(f"no weeks for {dialect}")


@dataclass(frozen=True)
class _Grouping:
    key: Any  # what groups: a column of an entry (or of its project), or an expression
    joins: tuple[tuple[Any, Any], ...] = ()  # what ``key`` needs joined to the entries
    named: tuple[Any, Any] | None = None  # the table of the key's name, and that name


def _grouping(session: Session, group_by: str) -> _Grouping:
    if group_by == "project":
        return _Grouping(TimeEntry.project_id, named=(Project, Project.name))
    if group_by == "client":
        return _Grouping(Project.client_id, ((Project, Project.id == TimeEntry.project_id),),
                         (Client, Client.name))  # fmt: skip
    if group_by == "service":
        return _Grouping(TimeEntry.service_id, named=(Service, Service.name))
    if group_by == "user":
        return _Grouping(TimeEntry.user_id, named=(User, User.display_name))
    if group_by == "day":
        return _Grouping(TimeEntry.date)
    if group_by == "week":
        return _Grouping(week_start(session, TimeEntry.date))
    raise ValueError(f"no grouping {group_by!r}")


def _entries(grouping: _Grouping, columns: list[Any], conditions: list[Any]):
    query = select(grouping.key.label("group_key"), *columns).select_from(TimeEntry)
    for table, on in grouping.joins:
        query = query.outerjoin(table, on)
    return query.where(*conditions)


def _with_names(grouping: _Grouping, query) -> Any:
    """``query`` (with a ``group_key`` column) and the name of each key, joined after grouping:
    the entries are grouped on the key alone."""
    if grouping.named is None:
        return query
    grouped = query.subquery()
    table, name = grouping.named
    return (select(grouped, name.label("name")).select_from(grouped)
            .outerjoin(table, table.id == grouped.c.group_key))  # fmt: skip


def summary(
    session: Session,
    user_id: int,
    where: EntryFilter,
    *,
    group_by: str = "project",
    rounding: Rounding = Rounding(),
    now: dt.datetime,
    workspace_id: int | None = None,
) -> Summary:
    """The entries a list with ``where`` shows, summed per ``group_by`` (one of
    ``GROUPINGS``), each entry rounded by ``rounding`` first; a running timer counts
    its seconds at ``now`` (naive UTC). ``where.user_ids`` (an admin's) needs the
    caller's ``workspace_id``."""
    grouping = _grouping(session, group_by)
    conditions = entry_conditions(session, user_id, where, workspace_id)
    rounded = rounding.sql(TimeEntry.duration)
    sums = [func.sum(rounded).label("seconds"), func.count().label("entries"),
            func.sum(case((TimeEntry.billable.is_(True), rounded), else_=0)).label("billable")]
    stopped = _entries(grouping, sums, [*conditions, TimeEntry.timer_started_at.is_(None)])
    # grouped by the label: PostgreSQL takes a repeated expression's parameters for another
    stopped = stopped.group_by(literal_column("group_key"))
    totals: dict[Any, list[Any]] = {}
    for row in session.execute(_with_names(grouping, stopped)):
        name = row.name if grouping.named is not None else None
        totals[row.group_key] = [int(row.seconds or 0), int(row.entries), int(row.billable or 0), name]
    for row in _running(session, user_id, where, workspace_id, grouping, conditions):
        seconds = rounding.seconds(total_seconds(row, now))
        counted = totals.setdefault(row.group_key, [0, 0, 0, None])
        counted[0] += seconds
        counted[1] += 1
        counted[2] += seconds if row.billable else 0
        counted[3] = row.name if grouping.named is not None else None
    groups = sorted((_group(group_by, key, *counted) for key, counted in totals.items()),
                    key=_order(group_by))  # fmt: skip
    return Summary(groups, sum(g.seconds for g in groups), sum(g.billable_seconds for g in groups),
                   sum(g.entries for g in groups))  # fmt: skip


def _running(session: Session, user_id: int, where: EntryFilter, workspace_id: int | None,
             grouping: _Grouping, conditions: list[Any]) -> list[Any]:  # fmt: skip
    """The running timers among the entries (at most one per user), found first on the
    index of running timers alone: none, the common case, costs no pass over the entries."""
    users_only = entry_conditions(session, user_id, EntryFilter(user_ids=where.user_ids),
                                  workspace_id)  # fmt: skip
    ids = list(session.scalars(
        select(TimeEntry.id).where(*users_only, TimeEntry.timer_started_at.is_not(None))
    ))  # fmt: skip
    if not ids:
        return []
    columns = [TimeEntry.duration, TimeEntry.timer_started_at, TimeEntry.billable]
    query = _entries(grouping, columns, [*conditions, TimeEntry.id.in_(ids)])
    return list(session.execute(_with_names(grouping, query)))


def _group(group_by: str, key: Any, seconds: int, entries: int, billable: int,
           name: str | None) -> Group:  # fmt: skip
    if group_by == "day":
        return Group(key.isoformat(), None, key.isoformat(), seconds, entries, billable)
    if group_by == "week":
        monday = dt.date.fromordinal(key) if isinstance(key, int) else key
        year, week, _ = monday.isocalendar()
        sunday = dt.date.fromordinal(min(monday.toordinal() + 6, dt.date.max.toordinal()))
        interval = f"{monday.isoformat()}/{sunday.isoformat()}"
        return Group(f"{year:04d}-W{week:02d}", None, interval, seconds, entries, billable)
    return Group("none" if key is None else str(key), key, name, seconds, entries, billable)


def _order(group_by: str):
    """Days and weeks in time order; the others by name (case aside), then id, and the
    entries of none (no project, client or service) last."""
    if group_by in ("day", "week"):
        return lambda group: group.key
    return lambda group: (group.id is None, (group.name or "").casefold(), group.id or 0)
