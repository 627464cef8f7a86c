"""Which lexicon reads a sentence: the one asked for, or with ``"auto"`` the
one that knows most of its words.

``auto`` counts, for each locale on the search path, the words of the
sentence outside catalog names that its lexicon knows (the letter parts of a
word such as ``3hrs`` or ``9am`` count as words: ``loose_norms``), and keeps
the locale with most; on a tie, the locale with most words that no other
locale knows wins (``2hrs``, ``just 15 min``, ``9am-11am`` are English); then
the caller's default locale, then the first locale found.
"""

from __future__ import annotations

import re

from nlentry.parsing.lexicon import Lexicon, all_lexicons, get_lexicon
from nlentry.parsing.words import Word

_LETTERS = re.compile(r"[^\W\d_]+")


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
    lexicons = all_lexicons()
    norms = loose_norms(words, names)
    known = [sum(map(candidate.known.__contains__, norms)) for candidate in lexicons]
    top = max(known, default=0)
    alone = [0] * len(lexicons)
    if known.count(top) > 1:  # a tie: the words only one locale knows decide
        for norm in norms:
            knowers = [k for k, candidate in enumerate(lexicons) if norm in candidate.known]
            if len(knowers) == 1:
                alone[knowers[0]] += 1
    lexicon, best = None, None
    for k, candidate in enumerate(lexicons):
        key = (known[k], alone[k], candidate.code == default_locale)
        if best is None or key > best:
            lexicon, best = candidate, key
    if lexicon is None:
        raise ValueError("no locale files on the locale path")
    return lexicon


def loose_norms(words: list[Word], names: dict[int, tuple[int, tuple]]) -> list[str]:
    """The normalised words of the sentence outside catalog names; a word of
    digits and letters (``3hrs``, ``9am``, ``1h30``) gives its letter parts."""
    norms = []
    i, n = 0, len(words)
    while i < n:
        if names and i in names:
            i = names[i][0]
            continue
        word = words[i]
        norm = word.norm
        if word.kind == "word" and not norm.isalpha() and not norm.isdecimal():
            norms += _LETTERS.findall(norm)
        else:
            norms.append(norm)
        i += 1
    return norms
