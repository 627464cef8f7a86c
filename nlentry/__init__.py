"""nlentry: natural-language time entries in Dutch and English.

    >>> from nlentry import parse
    >>> parse("2,5 uur aan Timi gewerkt").duration
    9000
"""

from nlentry.parsing.catalog import Catalog, Item
from nlentry.parsing.entry import Candidate, Entry, Span
from nlentry.parsing.lexicon import Lexicon, available_locales, get_lexicon, message
from nlentry.parsing.pipeline import parse

__version__ = "0.1.0"

__all__ = [
    "Candidate",
    "Catalog",
    "Entry",
    "Item",
    "Lexicon",
    "Span",
    "__version__",
    "available_locales",
    "get_lexicon",
    "message",
    "parse",
]
