"""``parse_many``: a message that may hold several entries becomes a list.

The message is read with one lexicon (chosen over the whole text). It is cut
into parts at new lines and ``;`` (always), and at ``,`` and the locale's
separator words (``[many] separators``: ``en``, ``daarna``, ``and``,
``then``) where both sides are complete parts, each with its own duration or
range; a cut inside one expression (``1 uur en 20 minuten``, ``een uur, 15
minuten``) is no cut. A part that begins with a closing word (``[many]
closing``: ``alles voor Timi``, ``all for Acme``, ``allemaal gisteren``)
gives its project, service or day to every entry that names none. A day
named in one part carries to the parts after it until another part names its
own.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from nlentry.parsing.catalog import Catalog
from nlentry.parsing.entry import Entry
from nlentry.parsing.lexicon import Lexicon
from nlentry.parsing.locale_choice import choose_locale
from nlentry.parsing.tokenize import catalog_spans
from nlentry.parsing.words import normalize, split_shared

# Where a message always breaks: a new line, a semicolon.
_HARD = re.compile(r"[\n\r;]+")
# A comma that is no decimal comma (2,5 uur).
_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
_WORD = re.compile(r"[^\W_]+")
# Kinds of span that a cut may not fall inside.
_WHOLE = frozenset({"duration", "range", "time", "date"})


@dataclass
class _Part:
    start: int
    end: int
    entry: Entry

    @property
    def complete(self) -> bool:
        """It has a duration or range of its own."""
        entry = self.entry
        return entry.duration is not None or entry.end_time is not None


def parse_many(
    text: str,
    *,
    parse,
    catalog: Catalog | None,
    locale: str | Lexicon,
    today: dt.date,
    default_locale: str,
    working_day_hours: float,
) -> list[Entry]:
    """The entries of ``text`` (see the module); ``parse`` reads one part."""
    if not isinstance(locale, Lexicon):
        words, _offsets = split_shared(text)
        locale = choose_locale(words, catalog_spans(words, catalog), locale, default_locale)
    lexicon = locale

    def read(start: int, end: int) -> _Part:
        return _Part(start, end, parse(text[start:end], catalog=catalog, locale=lexicon,
                                       today=today, working_day_hours=working_day_hours))

    parts: list[_Part] = []
    closing: list[_Part] = []
    at = 0
    for found in [*_HARD.finditer(text), None]:
        end = found.start() if found else len(text)
        for part in _soft_parts(text, at, end, lexicon, read):
            (closing if _is_closing(text, part, lexicon) else parts).append(part)
        at = found.end() if found else end
    if not parts:
        if closing:  # a closing part alone is an entry like any other
            parts, closing = closing, []
        else:
            return [parse(text, catalog=catalog, locale=lexicon, today=today,
                          working_day_hours=working_day_hours)]
    if len(parts) == 1 and not closing and text[: parts[0].start].strip() == "" \
            and text[parts[0].end :].strip() == "":
        return [parse(text, catalog=catalog, locale=lexicon, today=today,
                      working_day_hours=working_day_hours)]
    entries = [part.entry for part in parts]
    _carry_days(entries)
    for part in closing:
        _apply_closing(part.entry, entries)
    return entries


def _soft_parts(text: str, start: int, end: int, lexicon: Lexicon, read) -> list[_Part]:
    """The parts of the stretch ``start:end`` between hard breaks: cut at
    commas and separator words, then joined again where a side is not
    complete or the cut falls inside one expression."""
    cuts = _cuts(text, start, end, lexicon)
    pieces: list[tuple[int, int]] = []
    at = start
    for cut_start, cut_end in [*cuts, (end, end)]:
        a, b = _strip(text, at, cut_start)
        if a < b:
            pieces.append((a, b))
        at = cut_end
    parts: list[_Part] = []
    for a, b in pieces:
        part = read(a, b)
        if parts:
            last = parts[-1]
            if _is_closing(text, part, lexicon):
                parts.append(part)
                continue
            if not (last.complete and part.complete) or _one_expression(text, last, part, read):
                parts[-1] = read(last.start, b)
                continue
        parts.append(part)
    return parts


def _one_expression(text: str, left: _Part, right: _Part, read) -> bool:
    """Whether joining the two parts reads a duration or range across the
    cut (``een uur, 15 minuten``): only tried when a time expression ends the
    left part and one starts the right part."""
    ends = any(s.kind in _WHOLE and s.end + left.start == left.end for s in left.entry.spans)
    begins = any(s.kind in _WHOLE and s.start == 0 for s in right.entry.spans)
    if not (ends and begins):
        return False
    joined = read(left.start, right.end)
    cut = left.end - left.start
    return any(s.kind in _WHOLE and s.start < cut < s.end for s in joined.entry.spans)


def _cuts(text: str, start: int, end: int, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Where the stretch may be cut: its commas and separator words, in order."""
    found = [(m.start(), m.end()) for m in _COMMA.finditer(text, start, end)]
    separators = lexicon.separators
    if separators:
        found += [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)
                  if normalize(m.group()) in separators]
    found.sort()
    return found


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_closing(text: str, part: _Part, lexicon: Lexicon) -> bool:
    """A part that begins with a closing word and has no duration of its own."""
    first = _WORD.search(text, part.start, part.end)
    return (
        first is not None
        and normalize(first.group()) in lexicon.closing
        and not part.complete
    )


def _has_day(entry: Entry) -> bool:
    return any(span.kind == "date" for span in entry.spans)


def _carry_days(entries: list[Entry]) -> None:
    """A day named in one entry carries to the entries after it that name none."""
    day = None
    for entry in entries:
        if _has_day(entry):
            day = entry.date
        elif day is not None:
            entry.date = day


def _apply_closing(closing: Entry, entries: list[Entry]) -> None:
    """``alles voor Timi``: the project, service and day of a closing part,
    for every entry that names none of its own."""
    day = closing.date if _has_day(closing) else None
    for entry in entries:
        if closing.project_id is not None and entry.project_id is None \
                and "project" not in entry.candidates:
            entry.project_id, entry.client_id = closing.project_id, closing.client_id
        if closing.service_id is not None and entry.service_id is None \
                and "service" not in entry.candidates:
            entry.service_id = closing.service_id
        if day is not None and not _has_day(entry):
            entry.date = day
