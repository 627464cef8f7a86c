"""Tokens to pieces: an LALR(1) parser over ``grammar/entry.lark``.

The tokens come from ``nlentry.parsing.tokenize`` (their roles are the grammar's
terminals). Lark compiles the grammar into its LALR(1) parse table once; the
table is then run here by a small shift/reduce loop that works on token
positions, and one action per grammar alias turns each reduced rule into a
piece (``nlentry.parsing.pieces``), shaping rules as Lark does (``_rule`` is inlined
into its parent, ``?rule`` with one child is that child). The grammar reads
the longest expression it can; where an expression cannot be finished
(``van 9 voor Timi``), the token before the one that did not fit is read as a
plain word and the chunk is parsed again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lark import Lark
from lark.lexer import Lexer
from lark.parsers.lalr_analysis import Shift

from nlentry.parsing.data_files import data_dir
from nlentry.parsing.pieces import Clock, Day, Daypart, Duration, Other, StartAt, TimeRange
from nlentry.parsing.tokenize import LexToken

# After this many re-reads of one chunk, the rest of it is read as words.
_MAX_RETRIES = 8
# Roles that open an expression and are plain fillers when it fails
# ("van", "om", "tussen"): when an expression they opened cannot be finished,
# they are the token read as a word, so what follows is read on its own.
_OPENERS = frozenset({"FROM", "BETWEEN", "AT"})
# The terminal Lark's table expects after the last token.
_END = "$END"


class _PassThrough(Lexer):
    """The tokens are made by ``nlentry.parsing.tokenize``; Lark only builds the table."""

    def __init__(self, lexer_conf) -> None:
        pass

    def lex(self, data) -> Iterator:  # type: ignore[override]
        return iter(data)


class _Stuck(Exception):
    """The parser met a token (``at``; ``None`` for the end) it has no move for."""

    def __init__(self, at: int | None, values: list) -> None:
        self.at = at
        self.values = values


@dataclass(slots=True)
class _Amount:
    value: float
    start: int
    end: int


# ---------------------------------------------------------------- actions
#
# Every action is ``action(tokens, children)``. A child is a piece, an
# ``_Amount``, or an ``int``: the position in ``tokens`` of a terminal.

_ACTIONS: dict[str, Callable[[Sequence[LexToken], list], object]] = {}


def _action(*names: str):
    def register(func):
        for name in names or (func.__name__,):
            _ACTIONS[name] = func
        return func

    return register


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
    ``half nine`` is 09:30 (the lexicon's ``half_hour`` setting)."""
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
    if value == "day":
        return _duration(toks, children, 0.0, count)
    if value == "half_day":
        return _duration(toks, children, 0.0, count / 2)
    return _duration(toks, children, count * float(value))


# ---------------------------------------------------------- clock times
@_action("clock", "strong_clock")
def clock(toks, children):
    return children[0]


@_action()
def clock_am(toks, children):
    found = children[0]
    found.meridiem, found.end = "am", toks[children[1]].end
    return found


@_action()
def clock_pm(toks, children):
    found = children[0]
    found.meridiem, found.end = "pm", toks[children[1]].end
    return found


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


@_action()
def clock_hm_am(toks, children):
    hour, minute = toks[children[0]].value
    return _clock(hour, minute, *_bounds(toks, children), meridiem="am")


@_action()
def clock_hm_pm(toks, children):
    hour, minute = toks[children[0]].value
    return _clock(hour, minute, *_bounds(toks, children), meridiem="pm")


@_action()
def clock_hour_am(toks, children):
    return _clock(toks[children[0]].value, 0, *_bounds(toks, children), meridiem="am")


@_action()
def clock_hour_pm(toks, children):
    return _clock(toks[children[0]].value, 0, *_bounds(toks, children), meridiem="pm")


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


def _range_hours(toks, children, meridiem=None):
    first, last = toks[children[0]], toks[children[2]]
    start, end = _bounds(toks, children)
    return TimeRange(
        _clock(first.value, 0, first.start, first.end, explicit=first.leading_zero),
        _clock(last.value, 0, last.start, last.end, explicit=last.leading_zero,
               meridiem=meridiem),
        start,
        end,
    )


@_action()
def range_hours(toks, children):
    return _range_hours(toks, children)


@_action()
def range_hours_am(toks, children):
    return _range_hours(toks, children, "am")


@_action()
def range_hours_pm(toks, children):
    return _range_hours(toks, children, "pm")


@_action()
def at_time(toks, children):
    start, end = _bounds(toks, children)
    return StartAt(children[-1], start, end)


@_action()
def daypart_am(toks, children):
    return Daypart("am", *_bounds(toks, children))


@_action()
def daypart_pm(toks, children):
    return Daypart("pm", *_bounds(toks, children))


# ---------------------------------------------------------- days
@_action()
def day_relative(toks, children):
    return _day(toks, children, "relative", toks[children[0]].value)


@_action()
def day_weekday(toks, children):
    return _day(toks, children, "weekday", toks[children[0]].value)


@_action()
def day_last_weekday(toks, children):
    return _day(toks, children, "last_weekday", toks[children[1]].value)


@_action()
def day_prev_week(toks, children):
    return _day(toks, children, "prev_week", toks[children[1]].value)


@_action()
def day_weekday_prev_week(toks, children):
    return _day(toks, children, "prev_week", toks[children[0]].value)


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
    numbers = [toks[c].value for c in children if toks[c].role in ("NUM", "LEAD", "YEAR")]
    day, month = numbers[0], numbers[1]
    year = numbers[2] if len(numbers) == 3 else None
    if year is not None and year < 100:
        year += 2000
    return _day(toks, children, "date", (year, month, day))


# ---------------------------------------------------------------- the machine


# Moves in ``_Machine.rows`` beside shifts (``int``) and reduces (triples):
# ``_ITEM``, the reduce ``_item: X``, whose value joins the list of items;
# ``_OTHER``, a token that, between items, can only be an ``other`` item.
_ITEM = object()
_OTHER = object()


@dataclass(frozen=True, slots=True)
class _Machine:
    """Lark's LALR(1) table for ``entry.lark``, with an action per rule.

    ``rows[state][symbol]`` is an ``int`` (shift, or goto after a reduce, to
    that state), a ``(size, origin, action)`` triple (reduce by a rule;
    ``action`` is ``None`` when the value is the rule's one child, unchanged),
    or one of two shortcuts through the list of items (``start: _item*``,
    which Lark reads as ``__start_star_0: _item | __start_star_0 _item``):

    * ``_ITEM``: reduce ``_item: X``. The table would then, whatever comes
      next, reduce the list of items with it and be in state ``between``
      (after one or more items, the list on the stack); ``_run`` appends the
      value to the list at once.
    * ``_OTHER``, in ``start`` or ``between``: a token that can begin no
      expression. The table would shift it, then, whatever comes next, reduce
      it to ``other`` and ``_ITEM``; ``_run`` appends its ``Other`` at once.

    ``_fold_items`` checks on the table that these hold before using them.
    """

    rows: tuple[dict[str, object], ...]
    start: int
    end: int
    between: int
    #: ``WORD`` is ``_OTHER`` in both: every WORD the parser reads is an
    #: ``other`` item on its own, so ``read`` can add the WORDs' pieces itself
    words_apart: bool


def _children(toks, children: list) -> list:
    """An inlined rule's value: its children."""
    return children


def _extend(toks, children: list) -> list:
    """``_xs: _xs _x``: the children of both, in one list."""
    out = children[0]  # LALR never shares it: reuse
    out += children[1]
    return out


def _shaper(rule, action):
    """What reducing ``rule`` gives, shaped as Lark's tree builder does: the
    children of ``_rule`` symbols are inlined, ``?rule`` with one child is that
    child, an inlined rule's value is its list of children. ``None`` when the
    value is the rule's only child, unchanged."""
    expansion = rule.expansion
    if any(sym.is_term and sym.filter_out for sym in expansion) and not (
        rule.options.keep_all_tokens
    ):
        raise ValueError(f"grammar rule {rule} has anonymous tokens; declare them")
    inline = [not sym.is_term and sym.name.startswith("_") for sym in expansion]
    expand1 = rule.options.expand1 and not rule.alias
    origin_inlined = rule.origin.name.startswith("_")
    if origin_inlined and action is not None:
        raise ValueError(f"inlined rule {rule.origin.name} cannot have an action")
    if not origin_inlined and action is None and not (
        expand1 and len(expansion) == 1 and not inline[0]
    ):
        raise ValueError(f"grammar rule {rule} has no action in nlentry.parsing.lalr")

    if inline == [True]:  # ``_x: _y``

        def flatten(children: list) -> list:
            return children[0]

    elif inline == [True, True]:  # ``_xs: _xs _x``, the left-recursive list of ``_x*``

        def flatten(children: list) -> list:
            return _extend(None, children)

    elif any(inline):
        mask = tuple(inline)

        def flatten(children: list) -> list:
            out: list = []
            for child, expand in zip(children, mask, strict=True):
                if not expand:
                    out.append(child)
                elif out:
                    out += child
                else:  # left recursion: reuse the list (LALR never shares it)
                    out = child
            return out
    else:
        flatten = None

    if origin_inlined:
        if inline == [True]:  # ``_x: _y``: the list of ``_y``
            return None
        if inline == [True, True]:
            return _extend
        if flatten is None:
            return _children
        return lambda toks, children: flatten(children)
    if expand1:  # one child that is no inlined rule: the child itself
        return None
    if action is start and inline == [True]:  # ``start: _xs``: the list itself
        return None
    if action is clock and len(expansion) == 1 and not inline[0]:  # its one child
        return None
    if flatten is None:
        return action
    return lambda toks, children: action(toks, flatten(children))


@lru_cache(maxsize=1)
def _machine() -> _Machine:
    source = (data_dir("grammar") / "entry.lark").read_text(encoding="utf-8")
    lark = Lark(source, parser="lalr", lexer=_PassThrough)
    conf = lark.parse_interactive([]).parser_state.parse_conf
    reduces = {}
    for rule in lark.rules:
        name = rule.alias or rule.options.template_source or rule.origin.name
        action = _ACTIONS.get(name)
        reduces[rule] = (len(rule.expansion), str(rule.origin.name), _shaper(rule, action))
    rows: list[dict[str, object]] = [{} for _ in range(max(conf.states) + 1)]
    for state, moves in conf.states.items():
        row = rows[state]
        for symbol, (kind, arg) in moves.items():
            # plain str keys: Lark's symbol names are Tokens, slow to compare
            row[str(symbol)] = arg if kind is Shift else reduces[arg]
    start = conf.start_state
    between = _fold_items(rows, start)
    words_apart = between >= 0 and rows[start].get("WORD") is rows[between].get("WORD") is _OTHER
    return _Machine(tuple(rows), start, conf.end_state, between, words_apart)


def _same_everywhere(row: dict[str, object]):
    """The move a state makes whatever the next token is, or ``None``."""
    moves = {id(move): move for symbol, move in row.items() if symbol.isupper()}
    return next(iter(moves.values())) if len(moves) == 1 else None


def _fold_items(rows: list[dict[str, object]], start: int) -> int:
    """Put ``_ITEM`` and ``_OTHER`` (see ``_Machine``) in ``rows`` where the
    table allows them; the state ``between``, or -1 when it does not."""
    item = (1, "_item", _children)
    if "_item" not in rows[start]:
        return -1
    onto = _same_everywhere(rows[rows[start]["_item"]])
    if type(onto) is not tuple or onto[0] != 1 or onto[2] is not None:
        return -1
    between = rows[start].get(onto[1])
    if type(between) is not int or "_item" not in rows[between]:
        return -1
    if _same_everywhere(rows[rows[between]["_item"]]) != (2, onto[1], _extend):
        return -1
    if [state for state, row in enumerate(rows) if "_item" in row] != sorted((start, between)):
        return -1  # an item list elsewhere
    for row in rows:
        for symbol, move in row.items():
            if move == item:
                row[symbol] = _ITEM
    other = (1, "other", _ACTIONS["other"])
    for state in (start, between):
        row = rows[state]
        if "other" not in row or _same_everywhere(rows[row["other"]]) is not _ITEM:
            continue
        for symbol, move in row.items():
            if type(move) is int and symbol.isupper() and _same_everywhere(rows[move]) == other:
                row[symbol] = _OTHER
    return between


def _run(
    machine: _Machine, tokens: list[LexToken], roles: list[str], positions, words_apart=False
) -> list:
    """Parse the tokens at ``positions`` (their roles from ``roles``); the value
    of ``start``. Raises ``_Stuck`` where a token has no move. With
    ``words_apart``, a ``WORD`` gets no ``Other``: the caller adds those."""
    rows = machine.rows
    between = machine.between
    states = [machine.start]
    values: list = []
    for at in positions:
        role = roles[at]
        while True:
            move = rows[states[-1]].get(role)
            if type(move) is int:  # shift
                states.append(move)
                values.append(at)
                break
            if type(move) is tuple:  # reduce
                size, origin, action = move
                if size == 1:
                    if action is not None:
                        values[-1] = action(tokens, [values[-1]])
                    states[-1] = rows[states[-2]][origin]
                    continue
                values.append(action(tokens, _take(states, values, size)))
                states.append(rows[states[-1]][origin])
            elif move is _ITEM:
                _add_item(states, values, between)
            elif move is _OTHER:
                if len(states) == 1:  # the first item
                    states.append(between)
                    values.append([] if words_apart and role == "WORD" else [Other(at)])
                elif not words_apart or role != "WORD":
                    values[-1].append(Other(at))
                break
            else:
                raise _Stuck(at, values)
    end = machine.end
    while True:
        move = rows[states[-1]].get(_END)
        if type(move) is tuple:
            size, origin, action = move
            children = _take(states, values, size)
            value = children[0] if action is None else action(tokens, children)
            state = rows[states[-1]][origin]
            if state == end:
                return value
            states.append(state)
            values.append(value)
        elif move is _ITEM:
            _add_item(states, values, between)
        else:
            raise _Stuck(None, values)


def _take(states: list[int], values: list, size: int) -> list:
    """A reduce's children: the top ``size`` values, taken off with their states."""
    if not size:
        return []
    children = values[-size:]
    del values[-size:]
    del states[-size:]
    return children


def _add_item(states: list[int], values: list, between: int) -> None:
    """``_ITEM``: the value on top joins the list of items (the first one starts it)."""
    value = values.pop()
    del states[-1]
    if len(states) == 1:  # the first item
        states.append(between)
        values.append([value])
    else:
        values[-1].append(value)


def read(tokens: list[LexToken]) -> list:
    """Parse ``tokens`` into pieces: expressions in text order, then an
    ``Other`` for every token outside them.

    ``WORD`` tokens are never part of an expression, so the parser sees only
    one of each run of them, as a wall between expressions. The sentence is
    parsed in one pass; if an expression in it cannot be finished, it is read
    again in chunks between words, so the re-reads stay local.
    """
    machine = _machine()
    roles: list[str] = []
    walls: list[int] = []  # what the parser reads: all but the WORDs after a WORD or at the start
    words: list[Other] = []
    after_word = True
    for i, token in enumerate(tokens):
        role = token.role
        roles.append(role)
        if role != "WORD":
            walls.append(i)
            after_word = False
        else:
            words.append(Other(i))
            if not after_word:
                walls.append(i)
                after_word = True
    try:
        found = _run(machine, tokens, roles, walls, machine.words_apart)
    except _Stuck:
        pass
    else:
        if machine.words_apart:
            return found + words
        return [p for p in found if type(p) is not Other or roles[p.index] != "WORD"] + words
    n = len(tokens)
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
        pieces.extend(_read_chunk(machine, tokens, roles, start, end))
        start = end
    return pieces


def _opener(values: list, roles: list[str]) -> int | None:
    """Position of the token that opened the unfinished expression, if that
    token is one of ``_OPENERS``."""
    for value in values:
        if type(value) is int:
            return value if roles[value] in _OPENERS else None
    return None


def _read_chunk(machine: _Machine, tokens, roles, start: int, end: int) -> list:
    pieces = []
    retries = 0
    while start < end:
        try:
            return pieces + _run(machine, tokens, roles, range(start, end))
        except _Stuck as error:
            bad = error.at
            if bad is None or not start < bad <= end:
                bad = end
            opener = _opener(error.values, roles)
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
