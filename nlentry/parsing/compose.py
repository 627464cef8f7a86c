"""What the pieces of a sentence mean together: the ``Entry``.

The first duration counts (a second one that stands apart is warned about);
the first range gives the start and end times (and the duration when no
duration is given), else the first start time does (and with a duration, the
end); two numbers joined by a dash are hours or a day and month as
``docs/parsing.md`` says; the first day expression that names a day gives the
date, a written date before a weekday beside it (a month name the grammar
could not place goes to dateparser); the catalog names give the project and
service (``nlentry.parsing.names``); the words left over, without fillers and
tags, are the description. What is missing or wrong becomes a message in
``errors``, what was guessed a warning (``nlentry.parsing.guesses``), both in
the lexicon's locale.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from operator import attrgetter

from nlentry.limits import MAX_DURATION_SECONDS
from nlentry.parsing import clock as times
from nlentry.parsing import days as dates
from nlentry.parsing.catalog import Catalog
from nlentry.parsing.entry import Entry, new_span
from nlentry.parsing.guesses import Guesses
from nlentry.parsing.lexicon import Lexicon
from nlentry.parsing.names import set_catalog
from nlentry.parsing.pieces import Day, Daypart, Duration, Other, StartAt, TimeRange
from nlentry.parsing.tokenize import LexToken

#: The longest duration a sentence may give, in seconds.
MAX_DURATION = MAX_DURATION_SECONDS
# Roles that never reach the description, even when they stand alone.
_SILENT = frozenset({"DASH", "SLASH", "DOT"})
# A word standing right before a duration that makes it negative: a minus
# word, or a unit with no amount of its own (Dutch "min 3 uur").
_NEGATORS = frozenset({"NEG", "MINUTE"})


def compose(
    text: str,
    tokens: Sequence[LexToken],
    pieces: list,
    lexicon: Lexicon,
    today: dt.date,
    working_day_hours: float,
    catalog: Catalog | None = None,
) -> Entry:
    """The entry that ``pieces`` (``recovery.read`` of ``tokens``) give for
    ``text``, read with ``lexicon``."""
    entry = Entry(text=text, locale=lexicon.code, date=today)
    guesses = Guesses(entry, lexicon, today)
    spans = entry.spans
    durations: list[Duration] = []
    ranges: list[TimeRange] = []
    starts: list[StartAt] = []
    days: list[Day] = []
    daypart: Daypart | None = None
    dashed = False
    others = []
    for piece in pieces:
        kind = type(piece)
        if kind is Other:
            others.append(piece.index)
        elif kind is Duration:
            durations.append(piece)
        elif kind is Day:
            if piece.kind != "none":
                days.append(piece)
                dashed = dashed or piece.hours is not None
        elif kind is TimeRange:
            ranges.append(piece)
        elif kind is StartAt:
            starts.append(piece)
        elif kind is Daypart:
            daypart = daypart or piece
    others.sort()
    if len(durations) > 1:
        _join_comma_durations(durations, text)
    if dashed:
        _dashed_hours(days, ranges, durations, starts)
        ranges.sort(key=_START)
    day = _choose_day(days, tokens, others, guesses)
    meridiem = daypart.meridiem if daypart else (day.meridiem if day else None)

    seconds = None
    duration = durations[0] if durations else None
    if duration is not None:
        seconds = round((duration.hours + duration.days * working_day_hours) * 3600)
        if _negated(duration, tokens, others, text):
            seconds = -seconds
        spans.append(_span("duration", duration, text))
        if len(durations) > 1:
            guesses.add("second_duration", durations[1])
    if len(ranges) > 1:
        guesses.add("second_duration", ranges[1])

    if ranges:
        time_range = ranges[0]
        resolved = times.resolve_range(time_range.first, time_range.last, meridiem)
        if resolved is not None:
            start, end, length, shifted = resolved
            entry.start_time, entry.end_time = times.as_time(start), times.as_time(end)
            if seconds is None:
                seconds = length * 60
            spans.append(_span("range", time_range, text))
            if shifted:
                guesses.add("range_shifted", time_range)
    elif starts:
        start_at = starts[0]
        start = times.minutes(start_at.clock, meridiem)
        if start is not None:
            entry.start_time = times.as_time(start)
            if seconds is not None and 0 < seconds <= MAX_DURATION:
                entry.end_time = times.as_time(start + seconds // 60)
            spans.append(_span("time", start_at, text))
            if times.shifted(start_at.clock, meridiem):
                guesses.add("range_shifted", start_at)
            if seconds is None and _bare_colon(start_at, text):
                guesses.clock_not_duration(start_at)

    _set_duration(entry, seconds, lexicon)
    _set_date(entry, day, tokens, others, lexicon, today, text)
    if entry.date > today:
        date_span = next(s for s in spans if s.kind == "date")
        guesses.add("date_in_future", date_span)
    set_catalog(entry, tokens, others, guesses)
    described = []
    for i in others:
        token = tokens[i]
        if token.value is not None and token.role == "WORD" and token.filler:
            entry.tags.append(token.value)  # a #tag
        elif not token.filler and not token.items and token.role not in _SILENT:
            described.append(token.text)
            guesses.unread(i, tokens, others)
    entry.description = " ".join(described)
    guesses.typos(tokens, others, catalog)
    if len(spans) > 1:
        spans.sort(key=_START)
    guesses.finish()
    return entry


_START = attrgetter("start")
_END = attrgetter("end")


def _join_comma_durations(durations: list[Duration], text: str) -> None:
    """``een uur, 15 minuten``: minutes right after hours, with only a comma
    between, are one duration."""
    first, second = durations[0], durations[1]
    if (
        text[first.end : second.start].strip() == ","
        and not first.days
        and not second.days
        and second.hours < 1 <= first.hours
    ):
        first.hours += second.hours
        first.end = second.end
        del durations[1]


def _dashed_hours(days: list[Day], ranges: list[TimeRange], durations, starts) -> None:
    """Two numbers joined by a dash with no mark of a date (``9-17``): a
    range of hours when the entry has no other duration or range and they
    read as a forward range within one day; a day and month otherwise."""
    for day in list(days):
        if day.hours is None:
            continue
        if durations or starts or ranges:
            continue  # another duration or range: a date (12-3 3 uur)
        if times.resolve_range(day.hours.first, day.hours.last, overnight=False) is None:
            continue  # 22-4: a date
        ranges.append(day.hours)
        days.remove(day)


def _choose_day(days: list[Day], tokens, others, guesses: Guesses) -> Day | None:
    """The day of the entry: the first that names one; a written date beats a
    weekday beside it (``zondag 7 december 2014``), warning when the weekday
    does not fall on the date."""
    if not days:
        return None
    day = days[0]
    if len(days) == 1 and day.kind not in ("date", "monthday"):
        return day
    dated = next((d for d in days if d.kind in ("date", "monthday")), None)
    weekday = next((d for d in days if d.kind == "weekday"), None)
    if dated is not None and weekday is not None:
        guesses.weekday(weekday, dated)
        return dated
    if dated is not None:
        return _weak_weekday_date(dated, tokens, others, guesses)
    return day


def _weak_weekday_date(dated: Day, tokens, others, guesses: Guesses) -> Day:
    """``zo 15 maart``: a weekday abbreviation that is also a word (``do``,
    ``zo``, ``sun``) counts as the weekday right before a date."""
    before = _token_before(tokens, dated.start)
    if before is not None and tokens[before].role == "WEAKDAY" and before in others:
        token = tokens[before]
        others.remove(before)
        guesses.weekday(Day("weekday", token.value, token.start, token.end), dated)
    return dated


def _token_before(tokens: Sequence[LexToken], start: int) -> int | None:
    """The index of the last token ending at or before ``start``, dots aside
    (the tokens are in text order: a binary search)."""
    i = bisect_right(tokens, start, key=_END) - 1
    while i >= 0 and tokens[i].role == "DOT":
        i -= 1
    return i if i >= 0 else None


def _negated(duration: Duration, tokens, others, text: str) -> bool:
    """``-3 uur``, ``min 3 uur``, ``minus 2 hours``: a duration with a minus
    right before it (a dash written against its number)."""
    before = _token_before(tokens, duration.start)
    if before is None or before not in others:
        return False
    token = tokens[before]
    negated = token.role in _NEGATORS or (
        token.role == "DASH"
        and token.end == duration.start
        and (token.start == 0 or text[token.start - 1].isspace())
    )
    if negated:
        others.remove(before)  # the minus is read: no part of the description
    return negated


def _bare_colon(start_at: StartAt, text: str) -> bool:
    """A colon form standing alone (``2:30 webshop``), no ``om``/``at`` before."""
    clock = start_at.clock
    return start_at.start == clock.start and ":" in text[clock.start : clock.end]


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


_NUMBERISH = frozenset({"NUM", "LEAD", "DAYNUM", "YEAR", "ORD"})


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


def _span(kind: str, piece, text: str):
    return new_span(kind, piece.start, piece.end, text[piece.start : piece.end])
