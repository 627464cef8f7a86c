"""``parse``: a sentence becomes an ``Entry``.

text -> words (``text``) -> tokens (``tokens``, per locale) -> pieces
(``grammar``) -> entry (here). This module decides what the pieces mean
together: which duration counts, how a range and a start time give the times,
which day, which project and service, what is left for the description.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from . import dates, times
from .catalog import Catalog, Item
from .entry import Candidate, Entry, Span
from .grammar import read
from .lexicon import Lexicon, all_lexicons, get_lexicon
from .pieces import Day, Daypart, Duration, Other, StartAt, TimeRange
from .text import split
from .tokens import LexToken, catalog_spans, explained, tokenize

#: Hours in a working day (``hele dag``, ``a day``).
WORKING_DAY_HOURS = 8.0
#: The longest duration a sentence may give.
MAX_DURATION = 24 * 3600
# Roles that never reach the description, even when they stand alone.
_SILENT = frozenset({"DASH", "SLASH"})


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
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    today = today or dt.date.today()
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8", "replace")
    words = split(text)
    names = catalog_spans(words, catalog)
    lexicon, tokens = _choose_locale(words, names, locale, default_locale)
    pieces = read(tokens)
    return _compose(text, tokens, pieces, lexicon, today, working_day_hours)


def _choose_locale(words, names, locale, default_locale) -> tuple[Lexicon, list[LexToken]]:
    if isinstance(locale, Lexicon):
        lexicon = locale
    elif locale != "auto":
        lexicon = get_lexicon(locale)
    else:  # most words known; a tie goes to the default, then to the first
        lexicon, best = None, None
        for candidate in all_lexicons():
            key = (explained(words, candidate, names), candidate.code == default_locale)
            if best is None or key > best:
                lexicon, best = candidate, key
        if lexicon is None:
            raise ValueError("no locale files on the locale path")
    return lexicon, tokenize(words, lexicon, names)


def _compose(text, tokens, pieces, lexicon: Lexicon, today, working_day_hours) -> Entry:
    entry = Entry(text=text, locale=lexicon.code, date=today)
    first = _first_of_each(pieces)
    duration: Duration | None = first.get(Duration)
    time_range: TimeRange | None = first.get(TimeRange)
    start_at: StartAt | None = first.get(StartAt)
    daypart: Daypart | None = first.get(Daypart)
    meridiem = daypart.meridiem if daypart else None
    others = sorted(p.index for p in pieces if type(p) is Other)

    seconds = None
    if duration is not None:
        seconds = round((duration.hours + duration.days * working_day_hours) * 3600)
        entry.spans.append(_span("duration", duration, text))

    if time_range is not None:
        resolved = times.resolve_range(time_range.first, time_range.last, meridiem)
        if resolved is not None:
            start, end, length = resolved
            entry.start_time, entry.end_time = times.as_time(start), times.as_time(end)
            if seconds is None:
                seconds = length * 60
            entry.spans.append(_span("range", time_range, text))
    elif start_at is not None:
        start = times.minutes(start_at.clock, meridiem)
        if start is not None:
            entry.start_time = times.as_time(start)
            if seconds is not None and 0 < seconds <= MAX_DURATION:
                entry.end_time = times.as_time(start + seconds // 60)
            entry.spans.append(_span("time", start_at, text))

    _set_duration(entry, seconds, lexicon)
    _set_date(entry, pieces, tokens, others, lexicon, today, text)
    _set_catalog(entry, tokens)
    entry.description = " ".join(
        tokens[i].text
        for i in others
        if not tokens[i].filler and not tokens[i].items and tokens[i].role not in _SILENT
    )
    entry.spans.sort(key=lambda s: s.start)
    return entry


def _first_of_each(pieces) -> dict[type, object]:
    first: dict[type, object] = {}
    for piece in pieces:
        if type(piece) is Day and piece.kind == "none":
            continue
        first.setdefault(type(piece), piece)
    return first


def _set_duration(entry: Entry, seconds: int | None, lexicon: Lexicon) -> None:
    if seconds is None:
        entry.errors["duration"] = [lexicon.message("duration_missing")]
    elif seconds <= 0:
        entry.errors["duration"] = [lexicon.message("must_be_positive")]
    elif seconds > MAX_DURATION:
        entry.errors["duration"] = [lexicon.message("duration_too_long")]
    else:
        entry.duration = seconds


def _set_date(entry, pieces, tokens, others, lexicon, today, text) -> None:
    for piece in pieces:
        if isinstance(piece, Day) and piece.kind != "none":
            day = dates.resolve(piece, today)
            if day is None:
                entry.errors["date"] = [lexicon.message("invalid_date")]
            else:
                entry.date = day
                entry.spans.append(_span("date", piece, text))
            return
    span = _unread_date(tokens, others)
    if span is not None:
        start, end = span
        day = dates.fallback(text[start:end], lexicon.code, today)
        if day is not None:
            entry.date = day
            entry.spans.append(Span("date", start, end, text[start:end]))


_NUMBERISH = frozenset({"NUM", "LEAD", "YEAR", "ORD"})


def _unread_date(tokens: Sequence[LexToken], others: list[int]) -> tuple[int, int] | None:
    """A month name the grammar left alone, with a day number near it
    (``march the 3rd``): the one kind of date span that goes to dateparser.
    A month with no number near it is a name (``met Jan``) and stays one."""
    loose = set(others)
    for i in others:
        if tokens[i].role != "MONTH":
            continue
        near = [j for j in range(i - 4, i + 5) if j in loose and tokens[j].role in _NUMBERISH]
        if not near:
            continue
        first, last = min(near[0], i), max(near[-1], i)
        if all(j in loose for j in range(first, last + 1)):
            return tokens[first].start, tokens[last].end
    return None


def _set_catalog(entry: Entry, tokens: Sequence[LexToken]) -> None:
    best: dict[str, tuple[int, list[Item]]] = {}
    for token in tokens:
        if not token.items:
            continue
        size = len(token.text.split())
        for item in token.items:
            kind = item.kind
            current = best.get(kind)
            if current is None or size > current[0]:
                best[kind] = (size, [item])
            elif size == current[0] and all(other.id != item.id for other in current[1]):
                current[1].append(item)
        for kind in {item.kind for item in token.items}:
            entry.spans.append(Span(kind, token.start, token.end, token.text))
    for kind, (_size, items) in best.items():
        if len(items) == 1:
            chosen = items[0]
            if kind == "project":
                entry.project_id = chosen.id
                entry.client_id = chosen.client_id
            else:
                entry.service_id = chosen.id
        else:
            entry.candidates[kind] = [Candidate(item.id, item.name) for item in items]


def _span(kind: str, piece, text: str) -> Span:
    return Span(kind, piece.start, piece.end, text[piece.start : piece.end])
