"""Splitting text into words and normalising them.

Everything that compares words (the lexicon, the catalog) goes through
``normalize`` so that case, accents and width never matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Order matters: ISO dates, then clock/decimal numbers, then words (letters and
# digits, so "p2k" and "1h30" stay whole), then the punctuation the grammar uses.
_TOKEN = re.compile(
    r"(?P<iso>\d{4}-\d{1,2}-\d{1,2})(?!\d)"
    r"|(?P<clock>\d{1,2}:\d{2})(?!\d)"
    r"|(?P<decimal>\d+[.,]\d+)(?![\d.,]\d)"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)"
    r"|(?P<punct>[-–—/&@+])"
)
_finditer = _TOKEN.finditer


@dataclass(slots=True)
class Word:
    """A piece of the text: ``kind`` is iso, clock, decimal, word or punct.
    Not frozen: a frozen dataclass costs a microsecond per word to build."""

    kind: str
    text: str
    norm: str
    start: int
    end: int


@lru_cache(maxsize=65536)
def normalize(word: str) -> str:
    """Casefold and strip accents: ``Café`` -> ``cafe``, ``TWEEËNHALF`` -> ``tweeenhalf``."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("’", "'")


def split(text: str) -> list[Word]:
    """Split ``text`` into words, numbers and the punctuation that matters."""
    words = []
    append = words.append
    for m in _finditer(text):
        value = m.group()
        start, end = m.span()
        append(Word(m.lastgroup, value, normalize(value), start, end))
    return words


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The normalised words of a lexicon or catalog phrase."""
    words = split(phrase)
    return tuple(w.norm for w in words if w.kind != "punct") or tuple(w.norm for w in words)
