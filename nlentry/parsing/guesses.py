"""The warnings of an entry: what the parser guessed or could not place.

The codes are part of the contract (``docs/parsing.md``, "Saying what was
guessed", and ``entry.WARNING_CODES``); each message is the locale's
``warning_<code>``. ``compose`` and ``names`` call ``Guesses`` where a rule
guessed; a certain reading adds none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from nlentry.parsing import days as dates
from nlentry.parsing.catalog import Catalog
from nlentry.parsing.entry import Entry, ParseWarning
from nlentry.parsing.lexicon import Lexicon
from nlentry.parsing.pieces import Day, StartAt
from nlentry.parsing.tokenize import LexToken
from nlentry.parsing.typos import TypoIndex
from nlentry.parsing.words import normalize, phrase_words

# Roles of a number left in the description that ``number_unread`` is about.
_NUMBERS = frozenset({"NUM", "DEC", "FRACTION", "YEAR", "LEAD", "DAYNUM", "MINS"})
# Roles whose words a typo may be meant for (the time vocabulary).
_TIME_ROLES = frozenset({
    "HOUR", "MINUTE", "QUARTER_HOUR", "DAY", "HALF", "QUARTER", "FULL", "AGO", "DUR",
    "RELDAY", "WEEKDAY", "MONTH", "CLOCKWORD", "NUM", "FRACTION", "ORDINAL", "OCLOCK",
    "LAST", "PREV_WEEK",
})


class Guesses:
    """Collects the warnings of one entry."""

    def __init__(self, entry: Entry, lexicon: Lexicon, today: dt.date) -> None:
        self.entry = entry
        self.lexicon = lexicon
        self.today = today
        self._loose: set[int] | None = None

    def add(self, code: str, piece, suggestion: str | None = None) -> None:
        """A warning ``code`` about the text of ``piece`` (anything with a
        ``start`` and an ``end``)."""
        self.entry.warnings.append(ParseWarning(
            code, self.lexicon.message(f"warning_{code}"), piece.start, piece.end, suggestion))

    def weekday(self, weekday: Day, dated: Day) -> None:
        """``weekday_mismatch`` when the weekday beside a written date is not its weekday."""
        found = dates.resolve(dated, self.today)
        if found is not None and found.isoweekday() != weekday.value:
            self.add("weekday_mismatch", weekday, found.strftime("%Y-%m-%d"))

    def clock_not_duration(self, start_at: StartAt) -> None:
        """``2:30 webshop``: read as 14:30; ``2u30`` would have been a duration."""
        clock = start_at.clock
        mark = self.lexicon.shortest("HOUR")
        suggestion = f"{clock.hour}{mark}{clock.minute:02d}" if mark else None
        self.add("clock_not_duration", clock, suggestion)

    def unread(self, i: int, tokens: Sequence[LexToken], others: list[int]) -> None:
        """``number_unread``: token ``i``, a number left in the description,
        stands next to a word that was read as time."""
        token = tokens[i]
        if token.role not in _NUMBERS:
            return
        if self._loose is None:
            self._loose = set(others)
        loose = self._loose
        for j in (i - 1, i + 1):
            if 0 <= j < len(tokens) and j not in loose and not tokens[j].items:
                self.add("number_unread", token)
                return

    def typos(self, tokens: Sequence[LexToken], others: list[int], catalog: Catalog | None) -> None:
        """``did_you_mean`` for each unknown word of the description that is
        one letter away from a catalog name or alias, or from a time word."""
        indexes = None
        for i in others:
            token = tokens[i]
            if token.role != "WORD" or token.filler or token.items or not token.text.isalpha():
                continue
            if indexes is None:
                indexes = [index for index in (catalog_index(catalog), lexicon_index(self.lexicon))
                           if index is not None]
            norm = normalize(token.text)
            for index in indexes:
                suggestion = index.suggest(norm)
                if suggestion is not None:
                    self.add("did_you_mean", token, suggestion)
                    break

    def finish(self) -> None:
        warnings = self.entry.warnings
        if len(warnings) > 1:
            warnings.sort(key=lambda w: (w.start, w.end))


def catalog_index(catalog: Catalog | None) -> TypoIndex | None:
    """The typo index of ``catalog``'s names and aliases (and of each word of
    a name of several), built once per catalog."""
    if not catalog:
        return None
    index = catalog.cached("typos")
    if index is None:
        targets = []
        for _item, name in catalog.names():
            words = phrase_words(name)
            targets.append((" ".join(words), name))
            if len(words) > 1:
                targets.extend((word, name) for word in words)
        index = catalog.cache("typos", TypoIndex(targets))
    return index


def lexicon_index(lexicon: Lexicon) -> TypoIndex:
    """The typo index of ``lexicon``'s one-word time words, built once."""
    index = lexicon.derived.get("typos")
    if index is None:
        index = TypoIndex(
            (words[0], words[0])
            for bucket in lexicon.phrases.values()
            for words, sense in bucket
            if len(words) == 1 and sense.role in _TIME_ROLES and words[0].isalpha()
        )
        lexicon.derived["typos"] = index
    return index
