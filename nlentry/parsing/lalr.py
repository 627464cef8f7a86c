"""Tokens to pieces: Lark's LALR(1) table for ``grammar/entry.lark``, run by
a small shift/reduce loop.

The tokens come from ``nlentry.parsing.tokenize`` (their roles are the
grammar's terminals). Lark compiles the grammar into its parse table once
(``machine``); ``run`` then works on token positions and calls, for each
reduced rule, its action from ``nlentry.parsing.rules``, shaping the children
as Lark does (``_rule`` is inlined into its parent, ``?rule`` with one child
is that child). A token with no move raises ``Stuck``;
``nlentry.parsing.recovery`` decides what to read again.

This module reads Lark internals (the table, rule options);
``tests/parsing/test_lark_internals.py`` fails when they change, and
``pyproject.toml`` bounds the Lark version.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from lark import Lark
from lark.lexer import Lexer
from lark.parsers.lalr_analysis import Shift

from nlentry.parsing.data_files import data_dir
from nlentry.parsing.pieces import Other
from nlentry.parsing.rules import ACTIONS, Action
from nlentry.parsing.tokenize import LexToken

# The terminal Lark's table expects after the last token.
_END = "$END"


class _PassThrough(Lexer):
    """The tokens are made by ``nlentry.parsing.tokenize``; Lark only builds the table."""

    def __init__(self, lexer_conf) -> None:
        pass

    def lex(self, data) -> Iterator:  # type: ignore[override]
        return iter(data)


class Stuck(Exception):
    """The parser met a token (``at``; ``None`` for the end) it has no move for;
    ``values`` is its stack of values then."""

    def __init__(self, at: int | None, values: list) -> None:
        self.at = at
        self.values = values


# Moves in ``Machine.rows`` beside shifts (``int``) and reduces (triples):
# ``_ITEM``, the reduce ``_item: X``, whose value joins the list of items;
# ``_OTHER``, a token that, between items, can only be an ``other`` item.
_ITEM = object()
_OTHER = object()


@dataclass(frozen=True, slots=True)
class Machine:
    """Lark's LALR(1) table for ``entry.lark``, with an action per rule.

    ``rows[state][symbol]`` is an ``int`` (shift, or goto after a reduce, to
    that state), a ``(size, origin, action)`` triple (reduce by a rule;
    ``action`` is ``None`` when the value is the rule's one child, unchanged),
    or one of two shortcuts through the list of items (``start: _item*``,
    which Lark reads as ``__start_star_0: _item | __start_star_0 _item``):

    * ``_ITEM``: reduce ``_item: X``. The table would then, whatever comes
      next, reduce the list of items with it and be in state ``between``
      (after one or more items, the list on the stack); ``run`` appends the
      value to the list at once.
    * ``_OTHER``, in ``start`` or ``between``: a token that can begin no
      expression. The table would shift it, then, whatever comes next, reduce
      it to ``other`` and ``_ITEM``; ``run`` appends its ``Other`` at once.

    ``_fold_items`` checks on the table that these hold before using them.
    """

    rows: tuple[dict[str, object], ...]
    start: int
    end: int
    between: int
    #: ``WORD`` is ``_OTHER`` in both: every WORD the parser reads is an
    #: ``other`` item on its own, so ``recovery.read`` can add the WORDs' pieces itself
    words_apart: bool


def _children(toks, children: list) -> list:
    """An inlined rule's value: its children."""
    return children


def _extend(toks, children: list) -> list:
    """``_xs: _xs _x``: the children of both, in one list."""
    out = children[0]  # LALR never shares it: reuse
    out += children[1]
    return out


def _shaper(rule, action, actions: Mapping[str, Action]):
    """What reducing ``rule`` gives, shaped as Lark's tree builder does: the
    children of ``_rule`` symbols are inlined, ``?rule`` with one child is that
    child, an inlined rule's value is its list of children. ``None`` when the
    value is the rule's only child, unchanged: then the loop leaves it in
    place, also for the two actions that only pass a value through
    (``start`` over its list of items, ``clock`` over its one clock)."""
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
        raise ValueError(f"grammar rule {rule} has no action in nlentry.parsing.rules")

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
    if action is actions.get("start") and inline == [True]:  # ``start: _xs``: the list itself
        return None
    if action is actions.get("clock") and len(expansion) == 1 and not inline[0]:  # its one child
        return None
    if flatten is None:
        return action
    return lambda toks, children: action(toks, flatten(children))


@lru_cache(maxsize=1)
def machine() -> Machine:
    """The machine for ``grammar/entry.lark`` with the actions of
    ``nlentry.parsing.rules``, built once."""
    source = (data_dir("grammar") / "entry.lark").read_text(encoding="utf-8")
    return build(source, ACTIONS)


def build(source: str, actions: Mapping[str, Action]) -> Machine:
    """Compile the grammar ``source`` with Lark and fill its table with
    ``actions`` (grammar alias or rule name -> action). ``ValueError`` if a
    rule has no action, or anonymous tokens."""
    lark = Lark(source, parser="lalr", lexer=_PassThrough)
    conf = lark.parse_interactive([]).parser_state.parse_conf
    reduces = {}
    for rule in lark.rules:
        name = rule.alias or rule.options.template_source or rule.origin.name
        shape = _shaper(rule, actions.get(name), actions)
        reduces[rule] = (len(rule.expansion), str(rule.origin.name), shape)
    rows: list[dict[str, object]] = [{} for _ in range(max(conf.states) + 1)]
    for state, moves in conf.states.items():
        row = rows[state]
        for symbol, (kind, arg) in moves.items():
            # plain str keys: Lark's symbol names are Tokens, slow to compare
            row[str(symbol)] = arg if kind is Shift else reduces[arg]
    start = conf.start_state
    between = _fold_items(rows, start, actions.get("other"))
    words_apart = between >= 0 and rows[start].get("WORD") is rows[between].get("WORD") is _OTHER
    return Machine(tuple(rows), start, conf.end_state, between, words_apart)


def _same_everywhere(row: dict[str, object]):
    """The move a state makes whatever the next token is, or ``None``."""
    moves = {id(move): move for symbol, move in row.items() if symbol.isupper()}
    return next(iter(moves.values())) if len(moves) == 1 else None


def _fold_items(rows: list[dict[str, object]], start: int, other_action) -> int:
    """Put ``_ITEM`` and ``_OTHER`` (see ``Machine``) in ``rows`` where the
    table allows them (``other_action`` is the action of ``other``); the state
    ``between``, or -1 when it does not."""
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
    if other_action is None:
        return between
    other = (1, "other", other_action)
    for state in (start, between):
        row = rows[state]
        if "other" not in row or _same_everywhere(rows[row["other"]]) is not _ITEM:
            continue
        for symbol, move in row.items():
            if type(move) is int and symbol.isupper() and _same_everywhere(rows[move]) == other:
                row[symbol] = _OTHER
    return between


def run(
    machine: Machine, tokens: list[LexToken], roles: list[str], positions, words_apart=False
) -> list:
    """Parse the tokens at ``positions`` (their roles from ``roles``); the value
    of ``start``. Raises ``Stuck`` where a token has no move. With
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
                raise Stuck(at, values)
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
            raise Stuck(None, values)


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
