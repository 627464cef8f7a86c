"""The pure parsing library: a sentence in Dutch, English (or any locale
file) becomes a time entry. No web, no database.

The modules, in the order a sentence meets them: ``words`` (split and
normalise), ``catalog`` (project and service names), ``lexicon`` and
``lexicon_check`` (locale files), ``locale_choice``, ``tokenize`` (grammar
roles), ``lalr`` (the LALR(1) loop over ``grammar/entry.lark``), ``rules``
(one action per grammar alias), ``recovery`` (re-reading what cannot be
finished), ``compose`` with ``clock`` and ``days`` (what the pieces mean),
``entry`` (the result); ``pipeline`` joins them in ``parse``. See
``docs/parsing.md``.
"""

from nlentry.parsing.catalog import Catalog, Item
from nlentry.parsing.clock import format_hhmm
from nlentry.parsing.entry import Candidate, Entry, Span
from nlentry.parsing.lexicon import Lexicon, LocaleError, available_locales, get_lexicon, message
from nlentry.parsing.pipeline import parse, warm_up
from nlentry.parsing.words import normalize_name, phrase_words

__all__ = [
    "Candidate",
    "Catalog",
    "Entry",
    "Item",
    "Lexicon",
    "LocaleError",
    "Span",
    "available_locales",
    "format_hhmm",
    "get_lexicon",
    "message",
    "normalize_name",
    "parse",
    "phrase_words",
    "warm_up",
]
