"""A locale is data: a German lexicon file, and nothing else, teaches nlentry German."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nlentry import Catalog, available_locales, parse
from nlentry.parsing.lexicon import LOCALE_PATH_ENV, Lexicon

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "locales"
TODAY = dt.date(2026, 3, 18)  # a Wednesday
CATALOG = Catalog.from_dict(
    {"projects": [{"id": 2, "name": "Timi", "aliases": ["Rowan"], "client": None}], "services": []}
)


@pytest.fixture
def german(monkeypatch):
    monkeypatch.setenv(LOCALE_PATH_ENV, str(FIXTURES))


def test_german_is_unknown_without_the_file():
    assert "de" not in available_locales()
    with pytest.raises(LookupError):
        parse("2,5 Stunden an Timi gearbeitet", locale="de")


def test_german_file_on_the_locale_path_is_enough(german):
    assert "de" in available_locales()
    entry = parse("2,5 Stunden an Timi gearbeitet", catalog=CATALOG, locale="de", today=TODAY)
    assert (entry.duration, entry.project_id, entry.locale, entry.errors) == (9000, 2, "de", {})
    assert entry.description == ""


@pytest.mark.parametrize(
    ("text", "duration", "date", "start", "end"),
    [
        ("gestern von halb 9 bis 12 mit Rowan", 12600, "2026-03-17", "08:30", "12:00"),
        ("anderthalb Stunden am Montag", 5400, "2026-03-16", None, None),
        ("letzten Mittwoch 45 Minuten", 2700, "2026-03-11", None, None),
        ("um viertel nach 9 eine Stunde", 3600, "2026-03-18", "09:15", "10:15"),
        ("16 März 2 Stunden", 7200, "2026-03-16", None, None),
        ("zwischen 13:00 und 15:00", 7200, "2026-03-18", "13:00", "15:00"),
    ],
)
def test_german_uses_the_same_grammar(german, text, duration, date, start, end):
    entry = parse(text, catalog=CATALOG, locale="de", today=TODAY).to_dict()
    assert (entry["duration"], entry["date"]) == (duration, date)
    assert (entry["start_time"], entry["end_time"]) == (start, end)


def test_auto_picks_german_when_it_explains_most(german):
    entry = parse("gestern zwei Stunden gearbeitet", locale="auto", today=TODAY)
    assert (entry.locale, entry.duration, entry.date) == ("de", 7200, dt.date(2026, 3, 17))


def test_messages_come_from_the_file(german):
    entry = parse("Mittagessen", locale="de", today=TODAY)
    assert entry.errors == {"duration": ["keine Dauer gefunden"]}


def test_a_lexicon_object_can_be_passed_directly():
    lexicon = Lexicon.from_file(FIXTURES / "de.toml")
    entry = parse("drei Stunden", locale=lexicon, today=TODAY)
    assert (entry.duration, entry.locale) == (10800, "de")
