"""Tokens to pieces: the Lark LALR parser over ``grammar/entry.lark``.

The tokens come from ``nlentry.tokens`` (their roles are the grammar's
terminals); a Transformer applied while parsing turns each rule into a piece
(``nlentry.pieces``). The grammar reads the longest expression it can; where
an expression cannot be finished (``van 9 voor Timi``), the token before the
one that did not fit is read as a plain word and the chunk is parsed again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput
from lark.lexer import Lexer

from .pieces import Clock, Day, Daypart, Duration, Other, StartAt, TimeRange
from .resources import data_dir
from .tokens import LexToken

# After this many re-reads of one chunk, the rest of it is read as words.
_MAX_RETRIES = 8
# Roles that open an expression and are plain fillers when it fails
# ("van", "om", "tussen"): when an expression they opened cannot be finished,
# they are the token read as a word, so what follows is read on its own.
_OPENERS = frozenset({"FROM", "BETWEEN", "AT"})


class _RoleToken(Token):
    """A Lark token that carries its ``LexToken`` and its position in the token list (``at``)."""

    __slots__ = ("at", "lex")


class _PassThrough(Lexer):
    """The tokens are made by ``nlentry.tokens``; Lark only parses them."""

    def __init__(self, lexer_conf) -> None:
        pass

    def lex(self, data: list[_RoleToken]) -> Iterator[_RoleToken]:  # type: ignore[override]
        return iter(data)


@dataclass(slots=True)
class _Amount:
    value: float
    start: int
    end: int


def _bounds(children) -> tuple[int, int]:
    first, last = children[0], children[-1]
    start = first.lex.start if isinstance(first, Token) else first.start
    end = last.lex.end if isinstance(last, Token) else last.end
    return start, end


def _value(token: _RoleToken):
    return token.lex.value


def _first(children, *roles: str) -> _RoleToken:
    return next(c for c in children if isinstance(c, Token) and c.type in roles)


def _clock(hour: int, minute: int, children, *, explicit: bool = False, meridiem=None) -> Clock:
    start, end = _bounds(children)
    return Clock(hour, minute, explicit=explicit, meridiem=meridiem, start=start, end=end)


def _duration(children, hours: float = 0.0, days: float = 0.0) -> Duration:
    start, end = _bounds(children)
    return Duration(hours=hours, days=days, start=start, end=end)


def _day(children, kind: str, value=None) -> Day:
    start, end = _bounds(children)
    return Day(kind, value, start, end)


def _half_base(half: _RoleToken, hour: int) -> int:
    """The hour a "half" counts from: Dutch ``half 9`` is 08:30, British
    ``half nine`` is 09:30 (the lexicon's ``half_hour`` setting)."""
    return hour - 1 if half.lex.value == "next" else hour


class PieceBuilder(Transformer):
    """One method per grammar alias; each returns a piece."""

    # ---------------------------------------------------------- structure
    def start(self, children):
        return children

    def other(self, children):
        return Other(children[0].at)

    # ---------------------------------------------------------- amounts
    def amount(self, children):
        token = children[0]
        value = 1 if token.type == "ART" else _value(token)
        return _Amount(float(value), token.lex.start, token.lex.end)

    def amount_and_half(self, children):
        token = children[0]
        value = 1 if token.type == "ART" else _value(token)
        start, end = _bounds(children)
        return _Amount(float(value) + 0.5, start, end)

    # ---------------------------------------------------------- durations
    def dur_hours(self, children):
        return _duration(children, hours=children[0].value)

    def dur_hours_minutes(self, children):
        return _duration(children, hours=children[0].value + _value(children[2]) / 60)

    def dur_hours_and_minutes(self, children):
        return _duration(children, hours=children[0].value + children[3].value / 60)

    def dur_hours_and_quarters(self, children):
        return _duration(children, hours=children[0].value + children[3].value / 4)

    def dur_hours_and_half(self, children):
        return _duration(children, hours=children[0].value + 0.5)

    def dur_clock_hours(self, children):
        hour, minute = _value(children[0])
        return _duration(children, hours=hour + minute / 60)

    def dur_half_hour(self, children):
        return _duration(children, hours=0.5)

    def dur_quarter_of_hour(self, children):
        count = children[0].value if isinstance(children[0], _Amount) else 1
        return _duration(children, hours=count / 4)

    def dur_minutes(self, children):
        return _duration(children, hours=children[0].value / 60)

    def dur_quarters(self, children):
        count = children[0].value if len(children) == 2 else 1
        return _duration(children, hours=count / 4)

    def dur_days(self, children):
        return _duration(children, days=children[0].value)

    def dur_full_day(self, children):
        return _duration(children, days=1)

    def dur_half_day(self, children):
        return _duration(children, days=0.5)

    def dur_fixed(self, children):
        count = children[0].value if len(children) == 2 else 1
        value = _value(children[-1])
        if value == "day":
            return _duration(children, days=count)
        if value == "half_day":
            return _duration(children, days=count / 2)
        return _duration(children, hours=count * float(value))

    # ---------------------------------------------------------- clock times
    def clock(self, children):
        return children[0]

    strong_clock = clock

    def clock_am(self, children):
        clock = children[0]
        clock.meridiem, clock.end = "am", children[1].lex.end
        return clock

    def clock_pm(self, children):
        clock = children[0]
        clock.meridiem, clock.end = "pm", children[1].lex.end
        return clock

    def clock_hour(self, children):
        token = children[0]
        hour = _value(token)
        return _clock(hour, 0, children, explicit=token.lex.leading_zero or hour > 12)

    def clock_hour_minutes(self, children):
        hour = children[0]
        return _clock(_value(hour), _value(children[2]), children,
                      explicit=hour.lex.leading_zero or _value(hour) > 12)

    def clock_hm(self, children):
        token = children[0]
        hour, minute = _value(token)
        return _clock(hour, minute, children, explicit=token.lex.leading_zero or hour > 12)

    def clock_hm_am(self, children):
        hour, minute = _value(children[0])
        return _clock(hour, minute, children, meridiem="am")

    def clock_hm_pm(self, children):
        hour, minute = _value(children[0])
        return _clock(hour, minute, children, meridiem="pm")

    def clock_hour_am(self, children):
        return _clock(_value(children[0]), 0, children, meridiem="am")

    def clock_hour_pm(self, children):
        return _clock(_value(children[0]), 0, children, meridiem="pm")

    def clock_dotted(self, children):
        token = children[0]
        hour, _, minute = token.lex.text.replace(",", ".").partition(".")
        valid = len(minute) == 2
        return _clock(int(hour), int(minute) if valid else 99, children,
                      explicit=hour.startswith("0") or int(hour) > 12)

    def clock_word(self, children):
        value = _value(children[0])
        return _clock(value.hour, value.minute, children, explicit=True)

    def clock_half(self, children):
        half, number = children
        return _clock(_half_base(half, _value(number)), 30, children)

    def clock_half_past(self, children):
        return _clock(_value(children[-1]), 30, children)

    def clock_quarter_past(self, children):
        return _clock(_value(children[-1]), 15, children)

    def clock_quarter_to(self, children):
        return _clock(_value(children[-1]) - 1, 45, children)

    def clock_minutes_past(self, children):
        return _clock(_value(children[-1]), _value(children[0]), children)

    def clock_minutes_to(self, children):
        return _clock(_value(children[-1]) - 1, 60 - _value(children[0]), children)

    def clock_minutes_past_half(self, children):
        return _clock(_half_base(children[2], _value(children[-1])), 30 + _value(children[0]),
                      children)

    def clock_minutes_to_half(self, children):
        return _clock(_half_base(children[2], _value(children[-1])), 30 - _value(children[0]),
                      children)

    # ---------------------------------------------------------- ranges, start times
    def range(self, children):
        first, last = [c for c in children if isinstance(c, Clock)]
        start, end = _bounds(children)
        return TimeRange(first, last, start, end)

    def _range_hours(self, children, meridiem=None):
        first, _dash, last = children[:3]
        start, end = _bounds(children)
        return TimeRange(
            _clock(_value(first), 0, [first], explicit=first.lex.leading_zero),
            _clock(_value(last), 0, [last], explicit=last.lex.leading_zero, meridiem=meridiem),
            start,
            end,
        )

    def range_hours(self, children):
        return self._range_hours(children)

    def range_hours_am(self, children):
        return self._range_hours(children, "am")

    def range_hours_pm(self, children):
        return self._range_hours(children, "pm")

    def at_time(self, children):
        start, end = _bounds(children)
        return StartAt(children[-1], start, end)

    def daypart_am(self, children):
        return Daypart("am", *_bounds(children))

    def daypart_pm(self, children):
        return Daypart("pm", *_bounds(children))

    # ---------------------------------------------------------- days
    def day_relative(self, children):
        return _day(children, "relative", _value(children[0]))

    def day_weekday(self, children):
        return _day(children, "weekday", _value(children[0]))

    def day_last_weekday(self, children):
        return _day(children, "last_weekday", _value(children[1]))

    def day_prev_week(self, children):
        return _day(children, "prev_week", _value(children[1]))

    def day_weekday_prev_week(self, children):
        return _day(children, "prev_week", _value(children[0]))

    def day_none(self, children):
        return _day(children, "none")

    def day_ago(self, children):
        return _day(children, "ago", children[0].value)

    def date_iso(self, children):
        year, month, day = (int(p) for p in _value(children[0]).split("-"))
        return _day(children, "date", (year, month, day))

    def date_day_month(self, children):
        day, month = _first(children, "NUM", "LEAD"), _first(children, "MONTH")
        return _day(children, "date", (None, _value(month), _value(day)))

    def date_day_month_year(self, children):
        day, month = _first(children, "NUM", "LEAD"), _first(children, "MONTH")
        year = _first(children, "YEAR")
        return _day(children, "date", (_value(year), _value(month), _value(day)))

    date_month_day = date_day_month
    date_month_day_year = date_day_month_year

    def date_numeric(self, children):
        numbers = [_value(c) for c in children if c.type in ("NUM", "LEAD", "YEAR")]
        day, month = numbers[0], numbers[1]
        year = numbers[2] if len(numbers) == 3 else None
        if year is not None and year < 100:
            year += 2000
        return _day(children, "date", (year, month, day))


@lru_cache(maxsize=1)
def _parser() -> Lark:
    source = (data_dir("grammar") / "entry.lark").read_text(encoding="utf-8")
    return Lark(source, parser="lalr", lexer=_PassThrough, transformer=PieceBuilder())


def read(tokens: list[LexToken]) -> list:
    """Parse ``tokens`` into pieces: expressions in text order, then an
    ``Other`` for every token outside them.

    ``WORD`` tokens are never part of an expression, so the parser sees only
    one of each run of them, as a wall between expressions. The sentence is
    parsed in one pass; if an expression in it cannot be finished, it is read
    again in chunks between words, so the re-reads stay local.
    """
    parser = _parser()
    roles = [t.role for t in tokens]
    n = len(tokens)
    words = [Other(i) for i in range(n) if roles[i] == "WORD"]
    walls = [i for i in range(n) if roles[i] != "WORD" or (i and roles[i - 1] != "WORD")]
    try:
        found = parser.parse(_stream(tokens, roles, walls))
    except UnexpectedInput:
        pass
    else:
        return [p for p in found if type(p) is not Other or roles[p.index] != "WORD"] + words
    pieces: list = []
    start = 0
    while start < n:
        if roles[start] == "WORD":
            pieces.append(Other(start))
            start += 1
            continue
        end = start
        while end < n and roles[end] != "WORD":
            end += 1
        pieces.extend(_read_chunk(parser, tokens, roles, start, end))
        start = end
    return pieces


def _stream(tokens: list[LexToken], roles: list[str], positions) -> list[_RoleToken]:
    stream = []
    for i in positions:
        token = _RoleToken(roles[i], tokens[i].text)
        token.lex, token.at = tokens[i], i
        stream.append(token)
    return stream


def _opener(error: UnexpectedInput) -> int | None:
    """Position of the token that opened the unfinished expression, if that
    token is one of ``_OPENERS``."""
    state = getattr(error, "state", None)
    for value in getattr(state, "value_stack", ()):
        if isinstance(value, _RoleToken):
            return value.at if value.type in _OPENERS else None
    return None


def _read_chunk(parser: Lark, tokens, roles, start: int, end: int) -> list:
    pieces = []
    retries = 0
    while start < end:
        try:
            return pieces + parser.parse(_stream(tokens, roles, range(start, end)))
        except UnexpectedInput as error:
            bad = getattr(getattr(error, "token", None), "at", None)
            if bad is None or not start < bad <= end:
                bad = end
            opener = _opener(error)
            if opener is not None and start <= opener < bad:
                bad = opener + 1
            roles[bad - 1] = "WORD"
            retries += 1
            if bad - 1 == start:  # the chunk now starts with a word
                pieces.append(Other(start))
                start += 1
                retries = 0
            elif retries >= _MAX_RETRIES:
                for i in range(bad - 1, end):
                    roles[i] = "WORD"
    return pieces
