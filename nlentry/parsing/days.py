"""Day expressions to dates.

The lexicon's day words, weekdays, months and numeric dates are resolved
here. Only a date span the grammar could not read (a month name with numbers
around it in an unusual order) goes to dateparser, with fixed languages,
day-month order and a preference for the past.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from nlentry.limits import MIN_YEAR
from nlentry.parsing.pieces import Day

__all__ = ["Day", "fallback", "resolve"]


def resolve(day: Day, today: dt.date) -> dt.date | None:
    """The date ``day`` names, relative to ``today``; ``None`` if it names none
    or is not a real date."""
    kind, value = day.kind, day.value
    if kind == "relative":
        return today + dt.timedelta(days=int(value))
    if kind == "weekday":  # latest on or before today
        return today - dt.timedelta(days=(today.isoweekday() - value) % 7)
    if kind == "last_weekday":  # latest strictly before today
        return today - dt.timedelta(days=(today.isoweekday() - value - 1) % 7 + 1)
    if kind == "prev_week":  # that day of the previous ISO week
        monday = today - dt.timedelta(days=today.isoweekday() - 1)
        return monday - dt.timedelta(days=7) + dt.timedelta(days=value - 1)
    if kind == "ago":
        if value != int(value) or value > 3660:
            return None
        return today - dt.timedelta(days=int(value))
    if kind == "date":
        return _calendar_date(*value, today=today)
    if kind == "monthday":  # the 15th: the latest such day on or before today
        return _month_day(value, today)
    return None


def _month_day(day: object, today: dt.date) -> dt.date | None:
    if day != int(day) or not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = dt.date(year, month, int(day))
        except ValueError:
            candidate = None
        if candidate is not None and candidate <= today:
            return candidate
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _calendar_date(year: int | None, month: int, day: int, *, today: dt.date) -> dt.date | None:
    if any(part != int(part) for part in (year or 0, month, day)):
        return None  # "maart anderhalf": a number word that is no day
    month, day = int(month), int(day)
    if year is not None:
        year = int(year)
        if year < MIN_YEAR:
            return None
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    # no year: the latest such date on or before today
    for candidate_year in range(today.year, today.year - 8, -1):
        try:
            candidate = dt.date(candidate_year, month, day)
        except ValueError:
            if not (1 <= month <= 12 and 1 <= day <= 31):
                return None
            continue
        if candidate <= today:
            return candidate
    return None


@lru_cache(maxsize=4096)
def fallback(span: str, locale: str, today: dt.date) -> dt.date | None:
    """Ask dateparser about one date span the grammar could not read."""
    try:
        found = _dateparser(locale, today).get_date_data(span)
    except Exception:  # noqa: BLE001 - dateparser must never break a parse
        return None
    return None if found is None or found.date_obj is None else found.date_obj.date()


@lru_cache(maxsize=16)
def _dateparser(locale: str, today: dt.date):
    from dateparser.date import DateDataParser  # imported late: slow to load

    return DateDataParser(
        languages=[locale],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": dt.datetime.combine(today, dt.time(12)),
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
