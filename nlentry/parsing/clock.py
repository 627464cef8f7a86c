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
#: From this hour on, a time "at night" is in the evening (11 at night is 23:00).
NIGHT_FROM = 6
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
    elif marker == "night":  # 11 at night is 23:00, 4 uur 's nachts 04:00
        if hour == 12:
            hour = 0
        elif NIGHT_FROM <= hour < 12:
            hour += 12
    elif not clock.explicit and hour < WORKDAY_START:
        hour += 12
    return hour * 60 + int(clock.minute)


def shifted(clock: Clock, meridiem: str | None = None) -> bool:
    """Whether the working-hours rule moved ``clock`` 12 hours (a bare ``1``
    read as 13:00): a guess the entry says it made."""
    marker = clock.meridiem or (None if clock.explicit else meridiem)
    return marker is None and not clock.explicit and _valid(clock) and clock.hour < WORKDAY_START


def written_minutes(clock: Clock) -> int:
    """Minutes after midnight exactly as written (no working-hours rule)."""
    return (int(clock.hour) % 24) * 60 + int(clock.minute)


def resolve_range(first: Clock, last: Clock, meridiem: str | None = None, *,
                  overnight: bool = True):
    """``(start, end, length, shifted)`` in minutes for a range, or ``None``
    if invalid; ``shifted`` when a time was moved 12 hours by a rule (the
    working-hours rule, or an end at or before its start). With ``overnight``
    false, a range that would cross midnight is ``None`` (``22-4`` is no
    range of hours but a date)."""
    if not (_valid(first) and _valid(last)):
        return None
    end = _minutes(last, meridiem)
    start = _minutes(first, meridiem)
    moved = shifted(first, meridiem) or shifted(last, meridiem)
    # "between 2 and 4pm", "from 7 to 9pm": the end's marker carries a bare
    # start with it when that keeps the range forward and under 12 hours.
    if last.meridiem and first.meridiem is None and not first.explicit:
        marked = _minutes(first, last.meridiem)
        if marked < end and end - marked < 720:
            start, moved = marked, shifted(last, meridiem)
    # "from 1:30am to 3": the start's part of the day carries to a bare end
    # likewise (the half of the day the start fell in: 4 uur 's nachts tot 6).
    if first.meridiem and last.meridiem is None and not last.explicit:
        marked = _minutes(last, "am" if start < 720 else "pm")
        if start < marked < start + 720:
            end, moved = marked, shifted(first, meridiem)
    bare_end = not (last.explicit or last.meridiem)
    if bare_end and end <= start < end + 720 <= _DAY:
        end += 720
        moved = True
    if end <= start:
        if not overnight:
            return None
        # crosses midnight: read the end as written
        end = written_minutes(last) if not last.meridiem else end
        if end <= start:
            end += _DAY
    return start % _DAY, end % _DAY, end - start, moved


def as_time(total_minutes: int) -> dt.time:
    """The clock time ``total_minutes`` after midnight (modulo a day)."""
    total_minutes %= _DAY
    return dt.time(total_minutes // 60, total_minutes % 60)


def format_hhmm(value: dt.time | None) -> str | None:
    """``value`` as ``HH:MM`` (``09:30``), ``None`` for ``None``."""
    return None if value is None else value.strftime("%H:%M")
