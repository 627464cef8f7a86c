"""The pure parsing library: a sentence in Dutch, English (or any locale
file) becomes a time entry. No web, no database.

The modules, in the order a sentence meets them: ``words`` (split and
normalise), ``catalog`` (project and service names), ``lexicon`` and
``lexicon_check`` (locale files), ``locale_choice``, ``tokenize`` (grammar
roles), ``lalr`` (the LALR(1) loop over ``grammar/entry.lark``), ``rules``
(one action per grammar alias), ``recovery`` (re-reading what cannot be
finished), ``compose`` with ``clock``, ``days``, ``names`` (what the pieces
mean) and ``guesses`` with ``typos`` (what was guessed), ``entry`` (the
result); ``pipeline`` joins them in ``parse``, and ``many`` cuts a message
for ``parse_many``. See
``docs/parsing.md``.
"""

from nlentry.parsing.catalog import Catalog, Item
from nlentry.parsing.clock import format_hhmm
from nlentry.parsing.entry import WARNING_CODES, Candidate, Entry, ParseWarning, Span
from nlentry.parsing.lexicon import Lexicon, LocaleError, available_locales, get_lexicon, message
from nlentry.parsing.pipeline import parse, parse_many, warm_up
from nlentry.parsing.words import normalize_name, phrase_words

__all__ = [
    "WARNING_CODES",
    "Candidate",
    "Catalog",
    "Entry",
    "Item",
    "Lexicon",
    "LocaleError",
    "ParseWarning",
    "Span",
    "available_locales",
    "format_hhmm",
    "get_lexicon",
    "message",
    "normalize_name",
    "parse",
    "parse_many",
    "phrase_words",
    "warm_up",
]
