"""Reading a sentence's tokens into pieces, and reading again where an
expression cannot be finished.

The grammar reads the longest expression it can. Where one cannot be finished
(``van 9 voor Timi``: ``van 9`` opens a range that never closes), a token of
it is read as a plain word and the chunk is parsed again: the token that
opened it when that is an opener (``FROM``, ``BETWEEN``, ``AT``, ``ON``,
``DEF``: ``van``, ``om``, ``tussen``, ``op``, ``de`` are plain fillers when no
expression follows), otherwise
the token before the one that did not fit. ``WORD`` tokens never take part in
an expression, so the re-reads stay inside the chunk between two of them.
"""

from __future__ import annotations

from nlentry.parsing.lalr import Machine, Stuck, run
from nlentry.parsing.lalr import machine as lalr_machine
from nlentry.parsing.pieces import Other
from nlentry.parsing.tokenize import LexToken

# After this many re-reads of one chunk, the rest of it is read as words.
_MAX_RETRIES = 8
# Roles that open an expression and are plain fillers when it fails: when an
# expression they opened cannot be finished, they are the token read as a
# word, so what follows is read on its own.
_OPENERS = frozenset({"FROM", "BETWEEN", "AT", "ON", "DEF"})


def read(tokens: list[LexToken]) -> list:
    """Parse ``tokens`` into pieces: expressions in text order, then an
    ``Other`` for every token outside them.

    ``WORD`` tokens are never part of an expression, so the parser sees only
    one of each run of them, as a wall between expressions. The sentence is
    parsed in one pass; if an expression in it cannot be finished, it is read
    again in chunks between words, so the re-reads stay local.
    """
    machine = lalr_machine()
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
        found = run(machine, tokens, roles, walls, machine.words_apart)
    except Stuck:
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


def _read_chunk(machine: Machine, tokens, roles, start: int, end: int) -> list:
    """The pieces of the tokens ``start:end``, a chunk between two words: each
    time the parser gets stuck, one token is read as a word (``roles`` is
    changed in place) and the chunk is parsed again."""
    pieces = []
    retries = 0
    while start < end:
        try:
            return pieces + run(machine, tokens, roles, range(start, end))
        except Stuck as error:
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
