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


# What ``_TOKEN`` finds in one space-separated chunk of text (``"1h30"``,
# ``"(p2k)"``, ``"9:00-12:30"``): (kind, text, norm, start, end) per match, with
# offsets into the chunk. A match never holds a space and no pattern looks
# behind or past a space, so a chunk reads the same alone as in its sentence.
_CHUNKS: dict[str, tuple[tuple[str, str, str, int, int], ...]] = {}
_CHUNKS_MAX = 50_000


def _chunk(chunk: str) -> tuple[tuple[str, str, str, int, int], ...]:
    parts = tuple(
        (m.lastgroup, m.group(), normalize(m.group()), m.start(), m.end())
        for m in _finditer(chunk)
    )
    if len(_CHUNKS) >= _CHUNKS_MAX:
        _CHUNKS.clear()
    _CHUNKS[chunk] = parts
    return parts


def split(text: str) -> list[Word]:
    """Split ``text`` into words, numbers and the punctuation that matters."""
    words = []
    append = words.append
    chunks = _CHUNKS
    at = 0
    for chunk in text.split(" "):
        if chunk:
            parts = chunks.get(chunk)
            if parts is None:
                parts = _chunk(chunk)
            for kind, value, norm, start, end in parts:
                append(Word(kind, value, norm, at + start, at + end))
        at += len(chunk) + 1
    return words


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The normalised words of a lexicon or catalog phrase."""
    words = split(phrase)
    return tuple(w.norm for w in words if w.kind != "punct") or tuple(w.norm for w in words)
