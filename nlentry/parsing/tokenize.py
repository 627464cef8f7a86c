"""Text to tokens: every word gets the grammar role its locale gives it.

The steps, all driven by data:

1. ``words.split_shared`` cuts the sentence into words, numbers and
   punctuation.
2. The catalog claims project and service names first (longest match), so a
   number inside a name (``Project 2000``) stays part of the name.
3. The lexicon gives each remaining word, or phrase of words, its role
   (``HOUR``, ``FROM``, ``WEEKDAY``, ...). A word such as ``1h30`` or ``9am``
   that the lexicon does not know whole is read as its digit and letter parts
   when every letter part is a lexicon word.
4. Anything else is a ``WORD``.
5. A few readings that need more than one token of look-ahead are settled
   (``LEAD``, ``MINS``, a month name that is a person), so that the grammar
   stays LALR(1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nlentry.parsing.catalog import Catalog, Item
from nlentry.parsing.lexicon import NAME_ROLES, Lexicon, Sense
from nlentry.parsing.words import Word

# Punctuation the grammar knows by shape, whatever the language.
_PUNCT_ROLES = {"-": "DASH", "–": "DASH", "—": "DASH", "/": "SLASH", ".": "DOT"}
_SEPARATED = re.compile(r"\d+")
# Numbers longer than this are no amount, day or time: they are words.
_DIGITS = 9
_LARGEST = 10.0**_DIGITS
_PARTS = re.compile(r"\d+|[^\W\d_]+")
_DIGIT = re.compile(r"\d")
# Roles after which "MONTH NUM" is a person and an amount ("met Jan 2 uur").
_UNITS = frozenset({"HOUR", "MINUTE", "QUARTER_HOUR", "DAY"})
_SEPARATORS = frozenset({"DASH", "SLASH"})
_NUM_OR_YEAR = frozenset({"NUM", "YEAR"})
# What may stand between a day number and its month: 16th of march, 1e van januari.
_BEFORE_MONTH = frozenset({"ORD", "DEF", "OF", "FROM"})
_DAY_NUMBER = frozenset({"NUM", "LEAD", "DAYNUM", "ORD", "DEF", "OF", "ORDINAL"})
_CLOCK_NUMBERS = frozenset({"NUM", "CLOCK"})
# A number after these is the hour of a clock idiom (half 9 - 12), never a LEAD.
_CLOCK_BEFORE = frozenset({"HALF", "PAST", "MINUS"})
# A month after these is a date's month even with an amount after it (2e van maart 2 uur).
_BEFORE_DAY_MONTH = _DAY_NUMBER | {"FROM"}
_MARKS = frozenset({"AM", "PM", "NIGHT"})
_JOINS = frozenset({"UNTIL", "DASH"})
_AMOUNTS = frozenset({"NUM", "DEC"})


@dataclass(slots=True)
class LexToken:
    """One token: its grammar role, value and where it stands in the text."""

    role: str
    value: Any
    text: str
    start: int
    end: int
    filler: bool = False
    items: tuple[Item, ...] = ()
    leading_zero: bool = False


def catalog_spans(words: list[Word], catalog: Catalog | None) -> dict[int, tuple[int, tuple]]:
    """Catalog matches as ``{first word index: (end word index, items)}``."""
    if not catalog:  # None, or no items
        return {}
    norms = [w.norm for w in words if w.kind != "punct"]
    if len(norms) == len(words):  # no punctuation: word and name positions agree
        return {first: (end, items) for first, end, items in catalog.spans(norms)}
    positions = [i for i, w in enumerate(words) if w.kind != "punct"]
    return {
        positions[first]: (positions[end - 1] + 1, items)
        for first, end, items in catalog.spans(norms)
    }


def tokenize(
    words: list[Word],
    lexicon: Lexicon,
    names: dict[int, tuple[int, tuple]],
    offsets: list[int],
) -> list[LexToken]:
    """Give every word its role in ``lexicon``. ``offsets`` is added to each
    word's ``start`` and ``end`` (``words.split_shared``)."""
    tokens: list[LexToken] = []
    append = tokens.append
    i, n = 0, len(words)
    phrases = lexicon.phrases
    readings = lexicon.readings
    while i < n:
        word = words[i]
        if (
            names
            and i in names
            and not _day_number_before_month(tokens, words, i, names, phrases)
            and not _time_phrase(words, i, names[i][0], phrases)
        ):
            end, items = names[i]
            text = word.text if end == i + 1 else _source(words, i, end)
            append(LexToken("WORD", None, text, offsets[i] + word.start,
                            offsets[end - 1] + words[end - 1].end, False, items))
            i = end
            continue
        reading = readings.get(word.text)
        if reading is None:
            reading = _reading(word, lexicon)
        if type(reading) is _Ahead:  # a phrase of several words may start here
            end, sense = _lookup(words, i, phrases[word.norm])
            if end:
                role, value = sense.role, sense.value
                if end == i + 1:  # one word
                    filler = word.kind == "punct" or word.norm in lexicon.fillers
                    at = offsets[i]
                    append(LexToken(role, value, word.text, at + word.start, at + word.end,
                                    filler))
                else:
                    filler = all(
                        w.norm in lexicon.fillers for w in words[i:end] if w.kind != "punct"
                    )
                    append(LexToken(role, value, _source(words, i, end), offsets[i] + word.start,
                                    offsets[end - 1] + words[end - 1].end, filler))
                i = end
                continue
            reading = reading.alone
        if type(reading) is tuple:
            role, value, filler, leading_zero = reading
            at = offsets[i]
            append(LexToken(role, value, word.text, at + word.start, at + word.end, filler, (),
                            leading_zero))
        else:
            at = offsets[i] + word.start
            for role, value, text, start, end, filler, leading_zero in reading:
                append(LexToken(role, value, text, at + start, at + end, filler, (),
                                leading_zero))
        i += 1
    _settle_numbers_and_months(tokens, lexicon.clock_hour)
    return tokens


@dataclass(frozen=True, slots=True)
class _Ahead:
    """The reading of a word that starts a lexicon phrase of several words:
    ``alone`` is its reading when none of them follows."""

    alone: tuple | list


# Lexicon.readings holds at most this many words; then it starts again.
_READINGS_MAX = 50_000


def _reading(word: Word, lexicon: Lexicon):
    """How ``word`` reads whatever surrounds it (catalog names aside), kept in
    ``lexicon.readings`` under its text: ``(role, value, filler,
    leading_zero)`` for one token, a list of ``(role, value, text, start, end,
    filler, leading_zero)`` (offsets in the word) for its parts (``1h30``), or
    ``_Ahead`` when a longer lexicon phrase may start with it. Every part of
    it follows from the text: its kind and norm do."""
    kind, text, norm = word.kind, word.text, word.norm
    single = lexicon.singles.get(norm) if kind == "word" or kind == "punct" else None
    if single is not None:  # a one-word phrase, and no longer one starts here
        role, value, filler = single
        reading: tuple | list | _Ahead = (role, value, filler or kind == "punct", False)
    else:
        if kind == "word":
            if text.isdecimal():
                found = [_number(text, 0)]
            else:
                found = _word(Word(kind, text, norm, 0, len(text)), lexicon)
        else:
            found = [_shape(Word(kind, text, norm, 0, len(text)))]
        if len(found) == 1 and (found[0].start, found[0].end) == (0, len(text)):
            t = found[0]
            reading = (t.role, t.value, t.filler, t.leading_zero)
        else:
            reading = [(t.role, t.value, t.text, t.start, t.end, t.filler, t.leading_zero)
                       for t in found]
        if (kind == "word" or kind == "punct") and norm in lexicon.phrases:
            reading = _Ahead(reading)
    readings = lexicon.readings
    if len(readings) >= _READINGS_MAX:
        readings.clear()
    readings[text] = reading
    return reading


def _day_number_before_month(tokens, words, i, names, phrases) -> bool:
    """A one-word name that is also a month, right after a day number, is a
    date (``3 jan``), not the name (``met Jan``)."""
    if names[i][0] != i + 1 or not tokens or tokens[-1].role not in _DAY_NUMBER:
        return False
    return any(sense.role == "MONTH" for _, sense in phrases.get(words[i].norm, ()))


def _time_phrase(words, i, end, phrases) -> bool:
    """A name that is, whole, a phrase of the time vocabulary (a project
    ``Uur``, an alias ``gisteren``) never hides its time meaning: the lexicon
    reads it. Month names are the exception: ``met Jan`` is a person."""
    candidates = phrases.get(words[i].norm)
    if not candidates:
        return False
    found, sense = _lookup(words, i, candidates)
    return found == end and sense is not None and sense.role not in NAME_ROLES


def _source(words: list[Word], start: int, end: int) -> str:
    return " ".join(w.text for w in words[start:end] if w.kind != "punct") or words[start].text


def _lookup(words: list[Word], i: int, candidates) -> tuple[int, Sense | None]:
    """Longest lexicon phrase among ``candidates`` (the phrases whose first
    word is word ``i``): ``(end, sense)``, or ``(0, None)``. Punctuation
    inside a phrase is skipped (``twenty-five``, ``t/m``)."""
    n = len(words)
    for phrase, sense in candidates:
        size = len(phrase)
        if size == 1:  # longest first: every longer phrase failed
            return i + 1, sense
        j, k = i + 1, 1
        while k < size:
            while j < n and words[j].kind == "punct":
                j += 1
            if j >= n or words[j].norm != phrase[k]:
                break
            j += 1
            k += 1
        if k == size:
            return j, sense
    return 0, None


def _shape(word: Word) -> LexToken:
    """The token for a number, date, clock time or punctuation mark that the
    lexicon does not know, read from its shape."""
    kind = word.kind
    if kind == "iso":  # year first: 2026-03-16, 2015/08/12
        year, month, day = (int(p) for p in _SEPARATED.findall(word.text))
        return LexToken("ISO", (year, month, day), word.text, word.start, word.end)
    if kind == "dmy":  # 31.10.1974, 30.12.16
        day, month, year = (int(p) for p in _SEPARATED.findall(word.text))
        if year < 100:  # a two-digit year: this century
            year += 2000
        return LexToken("DMY", (year, month, day), word.text, word.start, word.end)
    if kind == "clock":  # seconds are dropped: 7:56:30 is 7:56
        hour, minute = word.text.split(":")[:2]
        return LexToken("CLOCK", (int(hour), int(minute)), word.text, word.start, word.end,
                        leading_zero=hour.startswith("0"))
    if kind == "tag":  # #bugfix: a tag, no part of the sentence's meaning
        return LexToken("WORD", word.text[1:], word.text, word.start, word.end, filler=True)
    if kind == "decimal":
        value = float(word.text.replace(",", "."))
        role = "DEC" if value < _LARGEST else "WORD"
        return LexToken(role, value, word.text, word.start, word.end)
    return LexToken(_PUNCT_ROLES.get(word.text, "WORD"), None, word.text, word.start, word.end)


def _word(word: Word, lexicon: Lexicon) -> list[LexToken]:
    """Tokens for a word the lexicon does not know whole: its digit and
    letter parts (``1h30``, ``9am``) when every letter part is a lexicon word,
    else a ``WORD``."""
    text, norm = word.text, word.norm
    filler = norm in lexicon.fillers
    if not text.isalpha() and len(norm) == len(text) and _DIGIT.search(text):
        parts = list(_PARTS.finditer(norm))
        if len(parts) > 1:
            split = []
            phrases = lexicon.phrases
            for part in parts:
                start = word.start + part.start()
                value = part.group()
                if value.isdecimal():
                    split.append(_number(value, start))
                    continue
                senses = phrases.get(value)
                sense = next((s for p, s in senses or () if len(p) == 1), None)
                if sense is None:
                    break
                split.append(LexToken(sense.role, sense.value,
                                      text[part.start() : part.end()], start, start + len(value)))
            else:
                return split
    return [LexToken("WORD", None, text, word.start, word.end, filler=filler)]


def _number(digits: str, start: int) -> LexToken:
    size = len(digits)
    if size > _DIGITS:
        return LexToken("WORD", None, digits, start, start + size)
    return LexToken("YEAR" if size == 4 else "NUM", int(digits), digits, start, start + size,
                    False, (), size > 1 and digits[0] == "0")


def _settle_numbers_and_months(tokens: list[LexToken], clock_hour: bool) -> None:
    """Readings that need a look more than one token ahead, settled here so
    the grammar stays LALR(1):

    * a fraction before a unit (``1/2 uur``) is one ``FRACTION``;
    * a number that leads a dashed or slashed pair (``16-03``, ``9-12u``,
      ``16/3``) is a ``LEAD``; one before a month name (``16 maart``, ``16th
      of march``, ``1e van januari``) is a ``DAYNUM``; neither is ever the
      minutes of a duration before it (``2 uur 16-03``);
    * a number right after an hour unit is its minutes (``1h30``,
      ``1 hour thirty``, ``1h 15m``): ``MINS``, unless another unit follows
      it (``2 uur 3 dagen geleden``); so is a number word after an hour
      word (``three twenty``);
    * an hour unit that marks a clock time is an ``OCLOCK``: on both ends of
      a range (``9u-12u``, ``10 uur tot 12 uur``), and, where the locale's
      hour word is also its clock mark (``clock_hour``), before a part of the
      day (``8 uur 's avonds``);
    * ``met Jan 2 uur``: a month name followed by an amount and a unit is a
      name, not a date.
    """
    _merge_fractions(tokens)
    n = len(tokens)
    hours = []
    for k, token in enumerate(tokens):
        role = token.role
        if role == "HOUR":
            hours.append(k)
        elif role == "NUM":
            next1 = tokens[k + 1].role if k + 1 < n else None
            next2 = tokens[k + 2].role if k + 2 < n else None
            after_hour = k and tokens[k - 1].role == "HOUR"
            if after_hour and tokens[k - 1].end == token.start and next1 not in _UNITS:
                token.role = "MINS"  # 1h30, 13h30 - 15h00: written against its hour
                continue
            if next1 in _SEPARATORS and next2 in _NUM_OR_YEAR and not (
                k and tokens[k - 1].role in _CLOCK_BEFORE
            ):
                token.role = "LEAD"
                continue
            later = k + 1
            while later < n and tokens[later].role in _BEFORE_MONTH:
                later += 1
            if later < n and later - k <= 3 and tokens[later].role == "MONTH":
                token.role = "DAYNUM"
            elif after_hour and (
                next1 is None or next1 not in _UNITS or next1 == "MINUTE"
            ) or (
                k
                and tokens[k - 1].role == "NUM"
                and _number_words(tokens[k - 1], token)
                and next1 not in _UNITS
            ):
                token.role = "MINS"
        elif (
            role == "MONTH"
            and k + 2 < n
            and (k == 0 or tokens[k - 1].role not in _BEFORE_DAY_MONTH)
            and tokens[k + 1].role in _AMOUNTS
            and tokens[k + 2].role in _UNITS
        ):
            token.role = "WORD"
    for k in hours:
        token = tokens[k]
        if token.role == "HOUR" and k and tokens[k - 1].role in _CLOCK_NUMBERS:
            after = k + 1 + (k + 1 < n and tokens[k + 1].role == "MINS")
            if after < n and tokens[after].role in _MARKS and clock_hour:
                token.role = "OCLOCK"
            elif after < n and tokens[after].role in _JOINS:
                end = _unit_end(tokens, after + 1)
                if end is not None:
                    token.role = "OCLOCK"
                    if tokens[end].role == "HOUR":
                        tokens[end].role = "OCLOCK"


def _unit_end(tokens: list[LexToken], at: int) -> int | None:
    """Where the end of ``9u-12u`` / ``9u - 12:30`` starting at ``at`` has its
    unit (the index of its ``HOUR``, or of the clock time itself), else ``None``."""
    n = len(tokens)
    if at < n and tokens[at].role == "CLOCK":
        return at + 1 if at + 1 < n and tokens[at + 1].role == "HOUR" else at
    if at + 1 < n and tokens[at].role == "NUM" and tokens[at + 1].role in ("HOUR", "OCLOCK"):
        return at + 1
    return None


def _number_words(first: LexToken, second: LexToken) -> bool:
    """``three twenty``: an hour word then a minutes word, both written out."""
    return (
        first.text.isalpha()
        and second.text.isalpha()
        and type(first.value) is int
        and type(second.value) is int
        and 1 <= first.value <= 12
        and 10 <= second.value <= 59
    )


def _merge_fractions(tokens: list[LexToken]) -> None:
    """``1/2 uur``, ``3/4 hour``: a proper fraction right before a unit is one
    ``FRACTION`` token (in place)."""
    k = 0
    while k + 3 < len(tokens):
        if tokens[k + 1].role != "SLASH":
            k += 1
            continue
        a, b, unit = tokens[k], tokens[k + 2], tokens[k + 3]
        if a.role == "NUM" and b.role == "NUM" and unit.role in _UNITS and 0 < a.value < b.value:
            tokens[k : k + 3] = [LexToken("FRACTION", a.value / b.value, f"{a.text}/{b.text}",
                                          a.start, b.end)]
        k += 1
