"""nlentry: natural-language time entries in Dutch and English.

    >>> from nlentry import parse
    >>> parse("2,5 uur aan Timi gewerkt").duration
    9000

The library's public names; they live in ``nlentry.parsing``.
"""

from nlentry.parsing import (
    WARNING_CODES,
    Candidate,
    Catalog,
    Entry,
    Item,
    Lexicon,
    LocaleError,
    ParseWarning,
    Span,
    available_locales,
    get_lexicon,
    message,
    parse,
    parse_many,
    warm_up,
)

__version__ = "0.1.0"

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
    "__version__",
    "available_locales",
    "get_lexicon",
    "message",
    "parse",
    "parse_many",
    "warm_up",
]
