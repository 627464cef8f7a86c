"""One action per grammar alias: a reduced rule of ``grammar/entry.lark``
becomes a piece (``nlentry.parsing.pieces``).

Every action is ``action(tokens, children)``. A child is a piece, an
``_Amount``, or an ``int``: the position in ``tokens`` of a terminal. The
children come shaped as Lark's tree builder would give them (``_rule``
inlined into its parent, ``?rule`` with one child is that child; see
``nlentry.parsing.lalr``). ``ACTIONS`` maps a rule's name (its alias, else
its own name) to its action; ``lalr`` refuses a grammar rule that has none.

To add a rule: give it an alias in ``grammar/entry.lark`` and register an
action under that alias here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nlentry.parsing.pieces import (
    DAY_DURATIONS,
    Clock,
    Day,
    Daypart,
    Duration,
    Other,
    StartAt,
    TimeRange,
)
from nlentry.parsing.tokenize import LexToken

Action = Callable[[Sequence[LexToken], list], object]

#: grammar alias (or rule name) -> its action
ACTIONS: dict[str, Action] = {}


def _action(*names: str):
    def register(func):
        for name in names or (func.__name__,):
            ACTIONS[name] = func
        return func

    return register


@dataclass(slots=True)
class _Amount:
    """A number of something (``2,5`` of ``2,5 uur``), before its unit is known."""

    value: float
    start: int
    end: int


def _bounds(toks, children) -> tuple[int, int]:
    first, last = children[0], children[-1]
    start = toks[first].start if type(first) is int else first.start
    end = toks[last].end if type(last) is int else last.end
    return start, end


def _first(toks, children, *roles: str) -> LexToken:
    return next(toks[c] for c in children if type(c) is int and toks[c].role in roles)


def _clock(hour: int, minute: int, start: int, end: int, *, explicit=False, meridiem=None) -> Clock:
    return Clock(hour, minute, explicit=explicit, meridiem=meridiem, start=start, end=end)


def _duration(toks, children, hours: float, days: float = 0.0) -> Duration:
    return Duration(hours, days, *_bounds(toks, children))


def _day(toks, children, kind: str, value=None) -> Day:
    return Day(kind, value, *_bounds(toks, children))


def _half_base(half: LexToken, hour: int) -> int:
    """The hour a "half" counts from: Dutch ``half 9`` is 08:30, British
    ``half nine`` is 09:30 (the lexicon's ``half_hour`` setting, the value of
    every ``HALF`` token)."""
    return hour - 1 if half.value == "next" else hour


# ---------------------------------------------------------- structure
@_action()
def start(toks, children):
    return children


@_action()
def other(toks, children):
    return Other(children[0])


# ---------------------------------------------------------- amounts
@_action()
def amount(toks, children):
    token = toks[children[0]]
    value = 1 if token.role == "ART" else token.value
    return _Amount(float(value), token.start, token.end)


@_action()
def amount_and_half(toks, children):
    token = toks[children[0]]
    value = 1 if token.role == "ART" else token.value
    return _Amount(float(value) + 0.5, token.start, toks[children[-1]].end)


# ---------------------------------------------------------- durations
@_action()
def dur_hours(toks, children):
    return _duration(toks, children, children[0].value)


@_action()
def dur_hours_minutes(toks, children):
    return _duration(toks, children, children[0].value + toks[children[2]].value / 60)


@_action()
def dur_hours_and_minutes(toks, children):
    return _duration(toks, children, children[0].value + children[3].value / 60)


@_action()
def dur_hours_and_quarters(toks, children):
    return _duration(toks, children, children[0].value + children[3].value / 4)


@_action()
def dur_hours_and_half(toks, children):
    return _duration(toks, children, children[0].value + 0.5)


@_action()
def dur_clock_hours(toks, children):
    hour, minute = toks[children[0]].value
    return _duration(toks, children, hour + minute / 60)


@_action()
def dur_half_hour(toks, children):
    return _duration(toks, children, 0.5)


@_action()
def dur_quarter_of_hour(toks, children):
    count = children[0].value if isinstance(children[0], _Amount) else 1
    return _duration(toks, children, count / 4)


@_action()
def dur_minutes(toks, children):
    return _duration(toks, children, children[0].value / 60)


@_action()
def dur_quarters(toks, children):
    count = children[0].value if len(children) == 2 else 1
    return _duration(toks, children, count / 4)


@_action()
def dur_days(toks, children):
    return _duration(toks, children, 0.0, children[0].value)


@_action()
def dur_full_day(toks, children):
    return _duration(toks, children, 0.0, 1)


@_action()
def dur_half_day(toks, children):
    return _duration(toks, children, 0.0, 0.5)


@_action()
def dur_fixed(toks, children):
    count = children[0].value if len(children) == 2 else 1
    value = toks[children[-1]].value
    days = DAY_DURATIONS.get(value)
    if days is not None:
        return _duration(toks, children, 0.0, count * days)
    return _duration(toks, children, count * float(value))


# ---------------------------------------------------------- clock times
@_action("clock", "strong_clock")
def clock(toks, children):
    return children[0]


def _marked(meridiem: str):
    """The action of ``clock_time AM``/``PM``: the clock, marked."""

    def action(toks, children):
        found = children[0]
        found.meridiem, found.end = meridiem, toks[children[1]].end
        return found

    return action


ACTIONS.update(clock_am=_marked("am"), clock_pm=_marked("pm"))


@_action()
def clock_hour(toks, children):
    token = toks[children[0]]  # every child is a token
    hour = token.value
    return Clock(hour, 0, token.leading_zero or hour > 12, None, token.start,
                 toks[children[-1]].end)


@_action()
def clock_hour_minutes(toks, children):
    hour = toks[children[0]]
    return _clock(hour.value, toks[children[2]].value, *_bounds(toks, children),
                  explicit=hour.leading_zero or hour.value > 12)


@_action()
def clock_hm(toks, children):
    token = toks[children[0]]
    hour, minute = token.value
    return Clock(hour, minute, token.leading_zero or hour > 12, None, token.start, token.end)


def _hm_marked(meridiem: str):
    """The action of ``CLOCK AM``/``PM``."""

    def action(toks, children):
        hour, minute = toks[children[0]].value
        return _clock(hour, minute, *_bounds(toks, children), meridiem=meridiem)

    return action


def _hour_marked(meridiem: str):
    """The action of ``NUM AM``/``PM``."""

    def action(toks, children):
        return _clock(toks[children[0]].value, 0, *_bounds(toks, children), meridiem=meridiem)

    return action


ACTIONS.update(
    clock_hm_am=_hm_marked("am"),
    clock_hm_pm=_hm_marked("pm"),
    clock_hour_am=_hour_marked("am"),
    clock_hour_pm=_hour_marked("pm"),
)


@_action()
def clock_dotted(toks, children):
    token = toks[children[0]]
    hour, _, minute = token.text.replace(",", ".").partition(".")
    valid = len(minute) == 2
    return _clock(int(hour), int(minute) if valid else 99, token.start, token.end,
                  explicit=hour.startswith("0") or int(hour) > 12)


@_action()
def clock_word(toks, children):
    token = toks[children[0]]
    return _clock(token.value.hour, token.value.minute, token.start, token.end, explicit=True)


@_action()
def clock_half(toks, children):
    half, number = toks[children[0]], toks[children[1]]
    return _clock(_half_base(half, number.value), 30, half.start, number.end)


@_action()
def clock_half_past(toks, children):
    return _clock(toks[children[-1]].value, 30, *_bounds(toks, children))


@_action()
def clock_quarter_past(toks, children):
    return _clock(toks[children[-1]].value, 15, *_bounds(toks, children))


@_action()
def clock_quarter_to(toks, children):
    return _clock(toks[children[-1]].value - 1, 45, *_bounds(toks, children))


@_action()
def clock_minutes_past(toks, children):
    return _clock(toks[children[-1]].value, toks[children[0]].value, *_bounds(toks, children))


@_action()
def clock_minutes_to(toks, children):
    return _clock(toks[children[-1]].value - 1, 60 - toks[children[0]].value,
                  *_bounds(toks, children))


@_action()
def clock_minutes_past_half(toks, children):
    return _clock(_half_base(toks[children[2]], toks[children[-1]].value),
                  30 + toks[children[0]].value, *_bounds(toks, children))


@_action()
def clock_minutes_to_half(toks, children):
    return _clock(_half_base(toks[children[2]], toks[children[-1]].value),
                  30 - toks[children[0]].value, *_bounds(toks, children))


# ---------------------------------------------------------- ranges, start times
@_action("range")
def time_range(toks, children):
    if len(children) == 4:  # FROM clock UNTIL clock, BETWEEN clock AND clock
        first, last = children[1], children[3]
        start = toks[children[0]].start
    else:  # range_start UNTIL clock
        first, last = children[0], children[2]
        start = first.start
    return TimeRange(first, last, start, last.end)


def _range_hours(meridiem: str | None):
    """The action of ``LEAD DASH NUM HOUR`` (``9-12u``), ``... AM``, ``... PM``."""

    def action(toks, children):
        first, last = toks[children[0]], toks[children[2]]
        start, end = _bounds(toks, children)
        return TimeRange(
            _clock(first.value, 0, first.start, first.end, explicit=first.leading_zero),
            _clock(last.value, 0, last.start, last.end, explicit=last.leading_zero,
                   meridiem=meridiem),
            start,
            end,
        )

    return action


ACTIONS.update(
    range_hours=_range_hours(None),
    range_hours_am=_range_hours("am"),
    range_hours_pm=_range_hours("pm"),
)


@_action()
def at_time(toks, children):
    start, end = _bounds(toks, children)
    return StartAt(children[-1], start, end)


def _daypart(meridiem: str):
    """The action of a marker standing alone (``'s middags``, ``pm``)."""

    def action(toks, children):
        return Daypart(meridiem, *_bounds(toks, children))

    return action


ACTIONS.update(daypart_am=_daypart("am"), daypart_pm=_daypart("pm"))


# ---------------------------------------------------------- days
def _day_of(kind: str, at: int):
    """The action of a day expression whose value is that of its token ``at``."""

    def action(toks, children):
        return _day(toks, children, kind, toks[children[at]].value)

    return action


ACTIONS.update(
    day_relative=_day_of("relative", 0),  # RELDAY
    day_weekday=_day_of("weekday", 0),  # WEEKDAY
    day_last_weekday=_day_of("last_weekday", 1),  # LAST WEEKDAY
    day_prev_week=_day_of("prev_week", 1),  # PREV_WEEK WEEKDAY
    day_weekday_prev_week=_day_of("prev_week", 0),  # WEEKDAY PREV_WEEK
)


@_action()
def day_none(toks, children):
    return _day(toks, children, "none")


@_action()
def day_ago(toks, children):
    return _day(toks, children, "ago", children[0].value)


@_action()
def date_iso(toks, children):
    year, month, day = (int(p) for p in toks[children[0]].value.split("-"))
    return _day(toks, children, "date", (year, month, day))


@_action("date_day_month", "date_month_day")
def date_day_month(toks, children):
    day, month = _first(toks, children, "NUM", "LEAD"), _first(toks, children, "MONTH")
    return _day(toks, children, "date", (None, month.value, day.value))


@_action("date_day_month_year", "date_month_day_year")
def date_day_month_year(toks, children):
    day, month = _first(toks, children, "NUM", "LEAD"), _first(toks, children, "MONTH")
    year = _first(toks, children, "YEAR")
    return _day(toks, children, "date", (year.value, month.value, day.value))


@_action()
def date_numeric(toks, children):
    numbers = [toks[c] for c in children if toks[c].role in ("NUM", "LEAD", "YEAR")]
    day, month = numbers[0].value, numbers[1].value
    year = numbers[2].value if len(numbers) == 3 else None
    if year is not None and len(numbers[2].text) <= 2:  # a two-digit year: this century
        year += 2000
    return _day(toks, children, "date", (year, month, day))
