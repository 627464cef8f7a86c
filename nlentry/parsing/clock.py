"""Clock times as people mean them: the working-hours rule and ranges.

* A time before 07:00 that is not written as a 24-hour time (``03:00``) and
  has no ``am``/morning marker is read 12 hours later (``van 1 tot 3`` is
  13:00-15:00). ``pm``/afternoon markers move a time past noon.
* An end at or before its start moves 12 hours later when that makes the
  range valid (``van 9 tot 5``); a range that still ends before it starts
  crosses midnight (``22:00-01:00`` is 3 hours).

``format_hhmm`` is the one way a time is written out (``HH:MM``), for the
entry's JSON and the API alike.
"""

from __future__ import annotations

import datetime as dt

from nlentry.parsing.pieces import Clock

#: Earliest hour of the working day; earlier unmarked times are afternoon.
WORKDAY_START = 7
_DAY = 24 * 60


def _valid(clock: Clock) -> bool:
    if clock.hour != int(clock.hour) or clock.minute != int(clock.minute):
        return False  # "om anderhalf": a number word that is no hour
    return 0 <= clock.hour <= 24 and 0 <= clock.minute < 60 and (
        clock.hour < 24 or clock.minute == 0
    )


def minutes(clock: Clock, meridiem: str | None = None) -> int | None:
    """Minutes after midnight that ``clock`` means, or ``None`` if it is no time.

    ``meridiem`` is a marker from elsewhere in the sentence (``'s middags``)
    that applies when the clock has none of its own.
    """
    if not _valid(clock):
        return None
    return _minutes(clock, meridiem)


def _minutes(clock: Clock, meridiem: str | None) -> int:
    """``minutes`` of a clock known to be valid."""
    hour = int(clock.hour)
    marker = clock.meridiem or (None if clock.explicit else meridiem)
    if marker == "pm":
        if hour < 12:
            hour += 12
    elif marker == "am":
        if hour == 12:
            hour = 0
    elif not clock.explicit and hour < WORKDAY_START:
        hour += 12
    return hour * 60 + int(clock.minute)


def written_minutes(clock: Clock) -> int:
    """Minutes after midnight exactly as written (no working-hours rule)."""
    return (int(clock.hour) % 24) * 60 + int(clock.minute)


def resolve_range(first: Clock, last: Clock, meridiem: str | None = None):
    """``(start, end, length)`` in minutes for a range, or ``None`` if invalid."""
    if not (_valid(first) and _valid(last)):
        return None
    end = _minutes(last, meridiem)
    start = _minutes(first, meridiem)
    # "between 2 and 4pm", "van 3 tot 5 's nachts": the end's marker carries a
    # bare start with it when that keeps the start before the end.
    if last.meridiem and first.meridiem is None and not first.explicit:
        marked = _minutes(first, last.meridiem)
        if marked < end:
            start = marked
    bare_end = not (last.explicit or last.meridiem)
    if bare_end and end <= start < end + 720 <= _DAY:
        end += 720
    if end <= start:
        # crosses midnight: read the end as written
        end = written_minutes(last) if not last.meridiem else end
        if end <= start:
            end += _DAY
    return start % _DAY, end % _DAY, end - start


def as_time(total_minutes: int) -> dt.time:
    """The clock time ``total_minutes`` after midnight (modulo a day)."""
    total_minutes %= _DAY
    return dt.time(total_minutes // 60, total_minutes % 60)


def format_hhmm(value: dt.time | None) -> str | None:
    """``value`` as ``HH:MM`` (``09:30``), ``None`` for ``None``."""
    return None if value is None else value.strftime("%H:%M")
