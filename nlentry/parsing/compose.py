"""What the pieces of a sentence mean together: the ``Entry``.

The first duration counts; the first range gives the start and end times
(and the duration when no duration is given), else the first start time
does; the first day expression that names a day gives the date (a month name
the grammar could not place goes to dateparser); the catalog names give the
project and service (the longest name wins; equally long names of different
items are candidates); the words left over, without fillers, are the
description. What is missing or wrong becomes a message in ``errors``, in
the lexicon's locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from operator import attrgetter

from nlentry.limits import MAX_DURATION_SECONDS
from nlentry.parsing import clock as times
from nlentry.parsing import days as dates
from nlentry.parsing.catalog import Item
from nlentry.parsing.entry import Candidate, Entry, Span, new_span
from nlentry.parsing.lexicon import Lexicon
from nlentry.parsing.pieces import Day, Daypart, Duration, Other, StartAt, TimeRange
from nlentry.parsing.tokenize import LexToken

#: The longest duration a sentence may give, in seconds.
MAX_DURATION = MAX_DURATION_SECONDS
# Roles that never reach the description, even when they stand alone.
_SILENT = frozenset({"DASH", "SLASH"})


def compose(
    text: str,
    tokens: Sequence[LexToken],
    pieces: list,
    lexicon: Lexicon,
    today: dt.date,
    working_day_hours: float,
) -> Entry:
    """The entry that ``pieces`` (``recovery.read`` of ``tokens``) give for
    ``text``, read with ``lexicon``."""
    entry = Entry(text=text, locale=lexicon.code, date=today)
    spans = entry.spans
    # the first of each kind of piece counts; a Day that names no day does not
    duration: Duration | None = None
    time_range: TimeRange | None = None
    start_at: StartAt | None = None
    daypart: Daypart | None = None
    day: Day | None = None
    others = []
    for piece in pieces:
        kind = type(piece)
        if kind is Other:
            others.append(piece.index)
        elif kind is Duration:
            duration = duration or piece
        elif kind is Day:
            if day is None and piece.kind != "none":
                day = piece
        elif kind is TimeRange:
            time_range = time_range or piece
        elif kind is StartAt:
            start_at = start_at or piece
        elif kind is Daypart:
            daypart = daypart or piece
    others.sort()
    meridiem = daypart.meridiem if daypart else None

    seconds = None
    if duration is not None:
        seconds = round((duration.hours + duration.days * working_day_hours) * 3600)
        spans.append(_span("duration", duration, text))

    if time_range is not None:
        resolved = times.resolve_range(time_range.first, time_range.last, meridiem)
        if resolved is not None:
            start, end, length = resolved
            entry.start_time, entry.end_time = times.as_time(start), times.as_time(end)
            if seconds is None:
                seconds = length * 60
            spans.append(_span("range", time_range, text))
    elif start_at is not None:
        start = times.minutes(start_at.clock, meridiem)
        if start is not None:
            entry.start_time = times.as_time(start)
            if seconds is not None and 0 < seconds <= MAX_DURATION:
                entry.end_time = times.as_time(start + seconds // 60)
            spans.append(_span("time", start_at, text))

    _set_duration(entry, seconds, lexicon)
    _set_date(entry, day, tokens, others, lexicon, today, text)
    _set_catalog(entry, tokens)
    described = []
    for i in others:
        token = tokens[i]
        if not token.filler and not token.items and token.role not in _SILENT:
            described.append(token.text)
    entry.description = " ".join(described)
    if len(spans) > 1:
        spans.sort(key=_START)
    return entry


_START = attrgetter("start")


def _set_duration(entry: Entry, seconds: int | None, lexicon: Lexicon) -> None:
    if seconds is None:
        entry.errors["duration"] = [lexicon.message("duration_missing")]
    elif seconds <= 0:
        entry.errors["duration"] = [lexicon.message("must_be_positive")]
    elif seconds > MAX_DURATION:
        entry.errors["duration"] = [lexicon.message("duration_too_long")]
    else:
        entry.duration = seconds


def _set_date(entry, day, tokens, others, lexicon, today, text) -> None:
    if day is not None:
        found = dates.resolve(day, today)
        if found is None:
            entry.errors["date"] = [lexicon.message("invalid_date")]
        else:
            entry.date = found
            entry.spans.append(_span("date", day, text))
        return
    span = _unread_date(tokens, others)
    if span is not None:
        start, end = span
        found = dates.fallback(text[start:end], lexicon.code, today)
        if found is not None:
            entry.date = found
            entry.spans.append(new_span("date", start, end, text[start:end]))


_NUMBERISH = frozenset({"NUM", "LEAD", "YEAR", "ORD"})


def _unread_date(tokens: Sequence[LexToken], others: list[int]) -> tuple[int, int] | None:
    """A month name the grammar left alone, with a day number near it
    (``march the 3rd``): the one kind of date span that goes to dateparser.
    A month with no number near it is a name (``met Jan``) and stays one."""
    loose = None
    for i in others:
        if tokens[i].role != "MONTH":
            continue
        if loose is None:
            loose = set(others)
        near = [j for j in range(i - 4, i + 5) if j in loose and tokens[j].role in _NUMBERISH]
        if not near:
            continue
        first, last = min(near[0], i), max(near[-1], i)
        if all(j in loose for j in range(first, last + 1)):
            return tokens[first].start, tokens[last].end
    return None


def _set_catalog(entry: Entry, tokens: Sequence[LexToken]) -> None:
    """Project and service from the catalog names: the longest name of each
    kind wins; equally long names of different items are candidates. Linear
    in the names found, whatever the catalog: a phrase's items come as one
    shared tuple (``Catalog.spans``), looked at once however often it is named."""
    # kind -> [words in the longest name, {id of an items tuple: the tuple}]
    best: dict[str, list] = {}
    kinds_of: dict[int, tuple[str, ...]] = {}
    for token in tokens:
        items = token.items
        if not items:
            continue
        key = id(items)
        kinds = kinds_of.get(key)
        if kinds is None:
            kinds = kinds_of[key] = tuple(dict.fromkeys(item.kind for item in items))
        size = token.text.count(" ") + 1
        for kind in kinds:
            current = best.get(kind)
            if current is None or size > current[0]:
                best[kind] = [size, {key: items}]
            elif size == current[0]:
                current[1][key] = items
        # the span's text as written (a name may have punctuation inside: "Café - Noord")
        text = entry.text[token.start : token.end]
        for kind in kinds:
            entry.spans.append(new_span(kind, token.start, token.end, text))
    for kind, (_size, groups) in best.items():
        by_id: dict[int | str, Item] = {}
        for items in groups.values():
            for item in items:
                if item.kind == kind:
                    by_id.setdefault(item.id, item)
        if len(by_id) == 1:
            chosen = next(iter(by_id.values()))
            if kind == "project":
                entry.project_id = chosen.id
                entry.client_id = chosen.client_id
            else:
                entry.service_id = chosen.id
        else:
            entry.candidates[kind] = [Candidate(item.id, item.name) for item in by_id.values()]


def _span(kind: str, piece, text: str) -> Span:
    return new_span(kind, piece.start, piece.end, text[piece.start : piece.end])
