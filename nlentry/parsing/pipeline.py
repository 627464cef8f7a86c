"""``parse``: a sentence becomes an ``Entry``; ``parse_many``: a message
becomes a list of them; ``warm_up`` readies the parser.

text -> words (``words``) -> catalog names (``catalog``) -> lexicon
(``locale_choice``) -> tokens (``tokenize``) -> pieces (``recovery`` over the
LALR loop of ``lalr`` and the actions of ``rules``) -> entry (``compose``).
"""

from __future__ import annotations

import datetime as dt

from nlentry.parsing import many
from nlentry.parsing.catalog import Catalog
from nlentry.parsing.compose import compose
from nlentry.parsing.entry import Entry
from nlentry.parsing.lexicon import Lexicon, all_lexicons
from nlentry.parsing.locale_choice import choose_locale
from nlentry.parsing.recovery import read
from nlentry.parsing.tokenize import catalog_spans, tokenize
from nlentry.parsing.words import split_shared

#: Hours in a working day (``hele dag``, ``a day``).
WORKING_DAY_HOURS = 8.0


def parse(
    text: str,
    *,
    catalog: Catalog | None = None,
    locale: str | Lexicon = "auto",
    today: dt.date | str | None = None,
    default_locale: str = "nl",
    working_day_hours: float = WORKING_DAY_HOURS,
) -> Entry:
    """Read a time entry from ``text``.

    ``locale`` is a locale code, a ``Lexicon``, or ``"auto"``: read the text
    with every lexicon and keep the one that explains most of it (a tie goes
    to ``default_locale``). ``today`` (a date or ISO string, default the local
    date) anchors relative days. Never raises on user text: what is missing or
    wrong is in ``Entry.errors``.
    """
    text, today = _text(text), _today(today)
    words, offsets = split_shared(text)
    names = catalog_spans(words, catalog)
    lexicon = choose_locale(words, names, locale, default_locale)
    tokens = tokenize(words, lexicon, names, offsets)
    return compose(text, tokens, read(tokens), lexicon, today, working_day_hours, catalog)


def parse_many(
    text: str,
    *,
    catalog: Catalog | None = None,
    locale: str | Lexicon = "auto",
    today: dt.date | str | None = None,
    default_locale: str = "nl",
    working_day_hours: float = WORKING_DAY_HOURS,
) -> list[Entry]:
    """Read every time entry of a message that may hold several, in order
    (``nlentry.parsing.many``): one ``Entry`` per part, each as ``parse``
    gives it, with the day carried forward and a closing part applied. A
    message of one entry gives a list of one, equal to ``parse``. Never
    raises on user text."""
    return many.parse_many(
        _text(text), parse=parse, catalog=catalog, locale=locale, today=_today(today),
        default_locale=default_locale, working_day_hours=working_day_hours,
    )


def _text(text) -> str:
    return text if isinstance(text, str) else bytes(text).decode("utf-8", "replace")


def _today(today: dt.date | str | None) -> dt.date:
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    return today or dt.date.today()


def warm_up(today: dt.date | str | None = None) -> dict[str, Entry]:
    """Parse the example sentence of every available locale once (its
    ``[locale] example``), so that the grammar table, the locale files and
    their caches are ready before the first real sentence. The entries, by
    locale code; a locale without an example is left out."""
    return {
        lexicon.code: parse(lexicon.example, locale=lexicon, today=today)
        for lexicon in all_lexicons()
        if lexicon.example
    }
