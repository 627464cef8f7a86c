"""Splitting text into words and normalising them.

Everything that compares words (the lexicon, the catalog) goes through
``normalize`` so that case, accents and width never matter; a lexicon phrase
or a catalog name is compared by its ``phrase_words`` (``normalize_name``
joins them into one key).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

#: The format characters (Unicode category ``Cf``: soft hyphens, zero-width
#: spaces and joiners, bidi marks, byte order marks, tags), as a regular
#: expression character class body: invisible, so no part of a word's key
#: (``normalize`` drops them), and inside a word they keep it one word.
#: ``tests/parsing/test_tokenize.py`` checks it against ``unicodedata``.
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)

# Order matters: dates (year first, or day.month.year), then clock times
# (seconds are read and dropped later), then decimal numbers, then tags, then
# words (letters and digits, so "p2k" and "1h30" stay whole; an apostrophe or an
# invisible format character such as a zero-width space inside one keeps it
# whole, and ``normalize`` drops the latter), then the
# punctuation the grammar uses: a dot counts only right after a letter
# (``do.``, ``a.m.``); after a digit it belongs to a number or ends a sentence.
_TOKEN = re.compile(
    r"(?P<iso>\d{4}([-/.])\d{1,2}\2\d{1,2})(?![\d.,:/-]?\d)"
    r"|(?P<dmy>\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2}))(?![\d.,:/-]?\d)"
    r"|(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)(?![\d:]|[.,]\d)"
    r"|(?P<decimal>\d+[.,]\d+)(?![\d.,]\d)"
    r"|(?P<tag>#[^\W_][\w-]*)"
    r"|(?P<word>[^\W_]+(?:['’" + FORMAT_CHARACTERS + r"][^\W_]+)*)"
    r"|(?P<punct>[-–—/&@+]|(?<=[^\W\d_])\.)"
)
_finditer = _TOKEN.finditer


@dataclass(slots=True)
class Word:
    """A piece of the text: ``kind`` is iso (year first), dmy (``31.10.1974``),
    clock, decimal, tag (``#bugfix``), word or punct."""

    kind: str
    text: str
    norm: str
    start: int
    end: int


@lru_cache(maxsize=65536)
def normalize(word: str) -> str:
    """Casefold and strip accents and format characters: ``Café`` -> ``cafe``,
    ``TWEEËNHALF`` -> ``tweeenhalf``, ``ti\\u200bmi`` -> ``timi`` (a zero-width space,
    joiner or byte order mark, Unicode category ``Cf``, is invisible: no part of a word)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    stripped = "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    return stripped.replace("’", "'")


# The words ``_TOKEN`` finds in one space-separated chunk of text (``"1h30"``,
# ``"(p2k)"``, ``"9:00-12:30"``), with offsets into the chunk. A match never
# holds a space and no pattern looks behind or past a space, so a chunk reads
# the same alone as in its sentence. The Words are shared: never change one.
_CHUNKS: dict[str, tuple[Word, ...]] = {}
_CHUNKS_MAX = 50_000


def _chunk(chunk: str) -> tuple[Word, ...]:
    words = tuple(
        Word(m.lastgroup, m.group(), normalize(m.group()), m.start(), m.end())
        for m in _finditer(chunk)
    )
    if len(_CHUNKS) >= _CHUNKS_MAX:
        _CHUNKS.clear()
    _CHUNKS[chunk] = words
    return words


def split_shared(text: str) -> tuple[list[Word], list[int]]:
    """``split`` for the parser, without building a Word per word: the words,
    shared and with ``start``/``end`` counted from the start of their chunk,
    and for each the offset of its chunk in ``text``."""
    words: list[Word] = []
    offsets: list[int] = []
    chunks = _CHUNKS
    at = 0
    for chunk in text.split(" "):
        if chunk:
            found = chunks.get(chunk)
            if found is None:
                found = _chunk(chunk)
            words += found
            offsets += [at] * len(found)
        at += len(chunk) + 1
    return words, offsets


def split(text: str) -> list[Word]:
    """Split ``text`` into words, numbers and the punctuation that matters."""
    words, offsets = split_shared(text)
    return [
        Word(w.kind, w.text, w.norm, at + w.start, at + w.end)
        for w, at in zip(words, offsets, strict=True)
    ]


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The normalised words of a lexicon or catalog phrase."""
    words = split(phrase)
    return tuple(w.norm for w in words if w.kind != "punct") or tuple(w.norm for w in words)


def normalize_name(name: str) -> str:
    """The key a catalog name or alias is matched by: its normalised words,
    joined by single spaces (``"Café  Noord!"`` -> ``"cafe noord"``); ``""``
    when it has no word."""
    return " ".join(phrase_words(name))
