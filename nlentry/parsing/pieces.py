"""What the grammar finds in a sentence, before it is resolved into an entry.

The actions of ``nlentry.parsing.rules`` make these pieces; ``compose`` reads
them. Each piece knows the characters it covers (``start``, ``end``). Clock
times are kept as written (``hour`` 1 of ``van 1 tot 3``);
``nlentry.parsing.clock`` applies the working-hours rule later, when the whole
sentence is known.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The duration words (``[durations]`` of a locale) that are no number of hours, by
#: their value: how many working days they are.
DAY_DURATIONS = {"day": 1.0, "half_day": 0.5}


@dataclass(slots=True)
class Duration:
    """An amount of time: ``hours`` plus ``days`` working days (``2 uur``,
    ``hele dag``)."""

    hours: float = 0.0
    days: float = 0.0  # working days, turned into hours with the working day
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class Clock:
    """A clock time as written (``half 9``, ``14:00``, ``3pm``)."""

    hour: int
    minute: int
    # Written as a 24-hour time (leading zero, an hour past 12, a clock word):
    # the working-hours rule leaves it alone.
    explicit: bool = False
    meridiem: str | None = None  # "am" or "pm"
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class TimeRange:
    """A start and an end time (``van 9 tot 12``, ``9-12u``)."""

    first: Clock
    last: Clock
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class StartAt:
    """A start time alone (``om 14:00``, ``9am``)."""

    clock: Clock
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class Day:
    """A day expression: ``kind`` is relative, weekday, last_weekday,
    prev_week, ago, date, monthday (``the 15th``) or none (``vorige week``:
    names no day)."""

    kind: str
    value: object = None
    start: int = 0
    end: int = 0
    #: the part of the day it names too (``vanavond``, ``dinsdagavond``)
    meridiem: str | None = None
    #: two numbers joined by a dash (``9-17``) that may be a range of hours
    #: instead; ``compose`` decides
    hours: TimeRange | None = None


@dataclass(slots=True)
class Daypart:
    """A morning or afternoon marker standing alone (``'s middags``): it
    applies to the times that have none."""

    meridiem: str
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class Other:
    """A token that is not part of a time expression."""

    index: int
