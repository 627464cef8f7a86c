"""Which lexicon reads a sentence: the one asked for, or with ``"auto"`` the
one that knows most of its words.

``auto`` counts, for each locale on the search path, the words of the
sentence outside catalog names that its lexicon knows (``known_count`` of
``loose_norms``), and keeps the locale with most; a tie goes to the caller's
default locale, then to the first locale found.
"""

from __future__ import annotations

from nlentry.parsing.lexicon import Lexicon, all_lexicons, get_lexicon
from nlentry.parsing.words import Word


def choose_locale(
    words: list[Word],
    names: dict[int, tuple[int, tuple]],
    locale: str | Lexicon,
    default_locale: str,
) -> Lexicon:
    """The lexicon for ``locale`` (a code, a ``Lexicon``, or ``"auto"``);
    ``names`` are the catalog matches (``tokenize.catalog_spans``).
    ``LookupError`` for an unknown code."""
    if isinstance(locale, Lexicon):
        return locale
    if locale != "auto":
        return get_lexicon(locale)
    norms = loose_norms(words, names)
    lexicon, best = None, None
    for candidate in all_lexicons():
        key = (known_count(norms, candidate), candidate.code == default_locale)
        if best is None or key > best:
            lexicon, best = candidate, key
    if lexicon is None:
        raise ValueError("no locale files on the locale path")
    return lexicon


def loose_norms(words: list[Word], names: dict[int, tuple[int, tuple]]) -> list[str]:
    """The normalised words of the sentence outside catalog names."""
    if not names:
        return [w.norm for w in words]
    norms = []
    i, n = 0, len(words)
    while i < n:
        if i in names:
            i = names[i][0]
            continue
        norms.append(words[i].norm)
        i += 1
    return norms


def known_count(norms: list[str], lexicon: Lexicon) -> int:
    """How many of ``norms`` ``lexicon`` knows (as a phrase word or a filler)."""
    return sum(map(lexicon.known.__contains__, norms))
