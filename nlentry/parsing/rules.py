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


@_action()
def amount_and_quarter(toks, children):  # one and a quarter
    return _Amount(float(toks[children[0]].value) + 0.25, toks[children[0]].start,
                   toks[children[-1]].end)


@_action()
def amount_and_quarters(toks, children):  # one and three quarter
    whole, quarters = toks[children[0]].value, toks[children[2]].value
    return _Amount(float(whole) + quarters / 4, toks[children[0]].start, toks[children[-1]].end)


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
def dur_hours_and_quarter(toks, children):
    return _duration(toks, children, children[0].value + 0.25)


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
def dur_minutes(toks, children):  # amount MINUTE, NUM MINUTE
    return _duration(toks, children, _count(toks, children[0]) / 60)


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


#: A part-of-the-day role -> the meridiem it gives a clock time
#: (``nlentry.parsing.clock`` reads it).
MERIDIEMS = {"AM": "am", "PM": "pm", "NIGHT": "night"}


@_action()
def clock_marked(toks, children):  # clock_time _mark: the clock, marked
    found, mark = children[0], toks[children[-1]]
    found.meridiem, found.end = MERIDIEMS[mark.role], mark.end
    return found


@_action()
def clock_hour(toks, children):
    token = toks[children[0]]  # every child is a token
    hour = token.value
    return Clock(hour, 0, token.leading_zero or hour > 12, None, token.start,
                 toks[children[-1]].end)


@_action()
def clock_hour_minutes(toks, children):  # NUM [HOUR|OCLOCK] MINS
    hour = toks[children[0]]
    return _clock(hour.value, toks[children[-1]].value, *_bounds(toks, children),
                  explicit=hour.leading_zero or hour.value > 12)


@_action()
def clock_hm(toks, children):  # CLOCK [OCLOCK]
    token = toks[children[0]]
    hour, minute = token.value
    return Clock(hour, minute, token.leading_zero or hour > 12, None, token.start,
                 toks[children[-1]].end)


@_action()
def clock_hm_marked(toks, children):  # CLOCK _mark
    hour, minute = toks[children[0]].value
    return _clock(hour, minute, *_bounds(toks, children),
                  meridiem=MERIDIEMS[toks[children[-1]].role])


@_action()
def clock_hour_marked(toks, children):  # NUM _mark
    return _clock(toks[children[0]].value, 0, *_bounds(toks, children),
                  meridiem=MERIDIEMS[toks[children[-1]].role])


@_action()
def clock_hour_minutes_marked(toks, children):  # NUM MINS _mark
    return _clock(toks[children[0]].value, toks[children[1]].value, *_bounds(toks, children),
                  meridiem=MERIDIEMS[toks[children[-1]].role])


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
def clock_half(toks, children):  # half 9, half een
    half, number = toks[children[0]], toks[children[1]]
    hour = 1 if number.role == "ART" else number.value
    return _clock(_half_base(half, hour), 30, half.start, number.end)


def _hour(token: LexToken) -> tuple[float, bool]:
    """The hour an idiom counts from, and whether it is written as a 24-hour
    time: a number (``8``), or a clock word (``noon``, ``midnight``)."""
    value = token.value
    if token.role == "CLOCKWORD":
        return value.hour, True
    return value, token.leading_zero


def _count(toks, child) -> float:
    """The number a rule starts with: an amount, or a number token."""
    return child.value if isinstance(child, _Amount) else toks[child].value


def _idiom(toks, children, minutes_after: float, hour_offset: int = 0) -> Clock:
    hour, explicit = _hour(toks[children[-1]])
    if hour_offset and explicit and hour == 0:  # "a quarter to midnight": 23:45
        hour = 24
    return _clock(hour + hour_offset, minutes_after, *_bounds(toks, children), explicit=explicit)


@_action()
def clock_half_past(toks, children):
    return _idiom(toks, children, 30)


@_action()
def clock_quarter_past(toks, children):  # [a] quarter past 8
    return _idiom(toks, children, 15)


@_action()
def clock_quarter_to(toks, children):  # [a] quarter to 10
    return _idiom(toks, children, 45, -1)


@_action()
def clock_minutes_past(toks, children):  # 10 over 9, 15 minutes past 3
    return _idiom(toks, children, _count(toks, children[0]))


@_action()
def clock_minutes_to(toks, children):  # 10 voor 9
    return _idiom(toks, children, 60 - _count(toks, children[0]), -1)


@_action()
def clock_minutes_past_half(toks, children):  # tien over half negen
    half, hour = toks[children[-2]], toks[children[-1]]
    return _clock(_half_base(half, hour.value), 30 + _count(toks, children[0]),
                  *_bounds(toks, children))


@_action()
def clock_minutes_to_half(toks, children):  # 5 voor half 4, 10 minuten voor half 4
    half, hour = toks[children[-2]], toks[children[-1]]
    return _clock(_half_base(half, hour.value), 30 - _count(toks, children[0]),
                  *_bounds(toks, children))


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


@_action("range_hours", "range_hours_marked")
def range_hours(toks, children):  # LEAD DASH NUM (HOUR | OCLOCK | _mark): 9-12u, 9-11am
    first, last, after = toks[children[0]], toks[children[2]], toks[children[3]]
    start, end = _bounds(toks, children)
    return TimeRange(
        _clock(first.value, 0, first.start, first.end,
               explicit=first.leading_zero or first.value > 12),
        _clock(last.value, 0, last.start, last.end,
               explicit=last.leading_zero or last.value > 12,
               meridiem=MERIDIEMS.get(after.role)),
        start,
        end,
    )


@_action()
def at_time(toks, children):
    start, end = _bounds(toks, children)
    return StartAt(children[-1], start, end)


@_action()
def daypart(toks, children):  # a part of the day standing alone ('s middags, pm)
    return Daypart(MERIDIEMS[toks[children[0]].role], *_bounds(toks, children))


# ---------------------------------------------------------- days
def _day_of(kind: str, at: int):
    """The action of a day expression whose value is that of its token ``at``:
    a number, or ``[number, meridiem]`` for a word that also names a part of
    the day (``vanavond``, ``dinsdagavond``)."""

    def action(toks, children):
        value = toks[children[at]].value
        if type(value) is tuple:
            value, meridiem = value
            return Day(kind, value, *_bounds(toks, children), meridiem=meridiem)
        return _day(toks, children, kind, value)

    return action


ACTIONS.update(
    day_relative=_day_of("relative", 0),  # RELDAY
    day_weekday=_day_of("weekday", 0),  # WEEKDAY, WEAKDAY DOT
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
def date_written(toks, children):  # ISO 2026-03-16, 2015/08/12; DMY 31.10.1974
    return _day(toks, children, "date", toks[children[0]].value)


@_action()
def date_dotted(toks, children):  # [ON] DEC: op 10.10, 14.2
    text = toks[children[-1]].text
    day, _, month = text.partition(".")
    if "," in text or not 1 <= int(month) <= 12:  # 2,5 or 9.75: no day and month
        return _day(toks, children, "none")
    return _day(toks, children, "date", (None, int(month), int(day)))


_DAY_ROLES = ("DAYNUM", "NUM", "ORDINAL")


@_action()
def date_day_month(toks, children):  # 16 maart [2026], march 16th, the first of march
    day, month = _first(toks, children, *_DAY_ROLES), _first(toks, children, "MONTH")
    years = [toks[c] for c in children if type(c) is int and toks[c].role == "YEAR"]
    year = years[0].value if years else None
    return _day(toks, children, "date", (year, month.value, day.value))


@_action()
def day_month_alone(toks, children):
    return children[0]


@_action()
def on_day(toks, children):  # on the first of march: the date, from "on"
    found = children[-1]
    found.start = toks[children[0]].start
    return found


@_action()
def date_day(toks, children):  # the 15th, de vijftiende: a day of the month alone
    return _day(toks, children, "monthday", _first(toks, children, *_DAY_ROLES).value)


def _numbers(toks, children) -> list[LexToken]:
    return [toks[c] for c in children if toks[c].role in ("NUM", "LEAD", "YEAR")]


@_action()
def date_numeric(toks, children):  # 16-03[-2026], 16/3, op 16-3
    numbers = _numbers(toks, children)
    day, month = numbers[0].value, numbers[1].value
    year = numbers[2].value if len(numbers) == 3 else None
    if year is not None and len(numbers[2].text) <= 2:  # a two-digit year: this century
        year += 2000
    return _day(toks, children, "date", (year, month, day))


@_action()
def date_dashed(toks, children):  # LEAD DASH NUM: a day and month, or a range of hours
    found = date_numeric(toks, children)
    first, last = _numbers(toks, children)
    if not (first.leading_zero or last.leading_zero):  # 16-03 is a date, 9-17 may be hours
        found.hours = TimeRange(
            _clock(first.value, 0, first.start, first.end, explicit=first.value > 12),
            _clock(last.value, 0, last.start, last.end, explicit=last.value > 12),
            found.start,
            found.end,
        )
    return found
