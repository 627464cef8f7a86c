"""Day expressions: the lexicon resolves them; dateparser only sees what it cannot."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from nlentry import Catalog, parse
from nlentry.parsing import days as dates

TODAY = dt.date(2026, 3, 18)
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
EXAMPLES = [
    "2,5 uur met Rowan aan Timi gewerkt",
    "8 uur voor Timi gewerkt vanuit huis",
    "gisteren van half 9 tot 12 coden voor Website",
    "1h30 meeting about the redesign yesterday",
    "maandag anderhalf uur mockups voor cafe noord",
    "om 14:00 een uur overleg met Erik",
    "from 1 to 3 html for p2k last friday",
    "lunch",
]


@pytest.fixture
def dateparser_calls(monkeypatch):
    """Record every span handed to dateparser (and still answer it)."""
    calls: list[str] = []
    real = dates._dateparser

    def spy(locale, today):
        parser = real(locale, today)

        class Recorder:
            def get_date_data(self, span):
                calls.append(span)
                return parser.get_date_data(span)

        return Recorder()

    dates.fallback.cache_clear()
    monkeypatch.setattr(dates, "_dateparser", spy)
    yield calls
    dates.fallback.cache_clear()


@pytest.fixture(scope="module")
def catalog():
    return Catalog.from_dict(json.loads((CORPUS / "catalog.json").read_text()))


def test_no_example_of_the_spec_reaches_dateparser(dateparser_calls, catalog):
    for text in EXAMPLES:
        parse(text, catalog=catalog, today=TODAY)
    assert dateparser_calls == []


def test_no_corpus_sentence_reaches_dateparser(dateparser_calls, catalog):
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                parse(json.loads(line)["text"], catalog=catalog, today=TODAY)
    assert dateparser_calls == []


def test_a_month_the_grammar_cannot_place_goes_to_dateparser(dateparser_calls):
    entry = parse("march 2026 3 2 hours", locale="en", today=TODAY)
    assert (entry.date, entry.duration) == (dt.date(2026, 3, 3), 7200)
    assert dateparser_calls == ["march 2026 3"]
    assert [s.kind for s in entry.spans] == ["date", "duration"]


def test_a_month_name_without_a_number_is_a_name(dateparser_calls):
    entry = parse("2 uur met Jan", locale="nl", today=TODAY)
    assert (entry.date, entry.description) == (TODAY, "Jan")
    assert dateparser_calls == []


def test_dateparser_answers_are_cached(dateparser_calls):
    for _ in range(3):
        parse("march 2026 3 2 hours", locale="en", today=TODAY)
    assert dateparser_calls == ["march 2026 3"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dates.Day("weekday", 3), "2026-03-18"),  # today is that weekday
        (dates.Day("last_weekday", 3), "2026-03-11"),  # strictly before today
        (dates.Day("weekday", 4), "2026-03-12"),
        (dates.Day("prev_week", 7), "2026-03-15"),  # sunday of the previous ISO week
        (dates.Day("prev_week", 1), "2026-03-09"),
        (dates.Day("ago", 3), "2026-03-15"),
        (dates.Day("date", (None, 12, 28)), "2025-12-28"),  # no year: on or before today
        (dates.Day("date", (None, 3, 18)), "2026-03-18"),
        (dates.Day("date", (None, 2, 29)), "2024-02-29"),
        (dates.Day("date", (2026, 2, 31)), None),
        (dates.Day("date", (2025, 12, 28)), "2025-12-28"),  # a year: taken as written
        (dates.Day("date", (2030, 1, 1)), "2030-01-01"),  # even in the future
        (dates.Day("date", (None, 13, 1)), None),  # no such month
        (dates.Day("date", (None, 4, 31)), None),  # no such day in any year
        (dates.Day("relative", 0), "2026-03-18"),
        (dates.Day("relative", -2), "2026-03-16"),
        (dates.Day("relative", 1), "2026-03-19"),
        (dates.Day("weekday", 7), "2026-03-15"),  # sunday: the one before
        (dates.Day("last_weekday", 2), "2026-03-17"),
        (dates.Day("ago", 0), "2026-03-18"),
        (dates.Day("ago", 1.5), None),  # half a day ago names no day
        (dates.Day("ago", 3661), None),  # more than ten years back
        (dates.Day("none"), None),  # "vorige week" alone
    ],
)
def test_resolve(day, expected):
    found = dates.resolve(day, TODAY)
    assert (found.isoformat() if found else None) == expected


def test_a_date_without_a_year_is_the_latest_on_or_before_today():
    assert dates.resolve(dates.Day("date", (None, 3, 19)), TODAY) == dt.date(2025, 3, 19)
    # 29 February: the latest leap year
    assert dates.resolve(dates.Day("date", (None, 2, 29)), dt.date(2029, 3, 1)) == dt.date(
        2028, 2, 29)


def test_an_impossible_date_is_an_error_in_the_entry():
    entry = parse("31-02-2026 2 uur", locale="nl", today=TODAY)
    assert (entry.date, entry.duration) == (TODAY, 7200)
    assert list(entry.errors) == ["date"] and entry.errors["date"]


@pytest.mark.parametrize("text", ["maart anderhalf", "anderhalf maart", "anderhalf-3",
                                  "op anderhalf januari", "de anderhalfde"])
def test_a_number_word_that_is_no_whole_number_is_no_day(text):
    # a day number is an integer or it is not a day: anderhalf is an amount only
    entry = parse(f"{text} 2 uur", locale="nl", today=TODAY)
    assert (entry.date, entry.duration, entry.errors) == (TODAY, 7200, {})
    assert not [s for s in entry.spans if s.kind == "date"]


@pytest.mark.parametrize(("text", "date", "error"), [
    ("2 uur op 01-01-0001", "2026-03-18", True),  # a four-digit year before 1900: no date
    ("2 uur op 0001-01-01", "2026-03-18", True),
    ("2 uur op 31-12-1899", "2026-03-18", True),
    ("2 uur op 01-01-1900", "1900-01-01", False),
    ("2 uur op 1-3-26", "2026-03-01", False),  # two digits: this century
    ("2 uur op 1-3-2026", "2026-03-01", False),
])
def test_a_written_year_is_read_as_written(text, date, error):
    entry = parse(text, today=dt.date(2026, 3, 18), locale="nl")
    assert entry.date.isoformat() == date
    assert ("date" in entry.errors) is error
