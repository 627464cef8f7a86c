"""Locale lexicons (``nlentry/parsing/lexicon.py``): one message fallback,
the example sentence, how words are stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nlentry import Lexicon, available_locales, get_lexicon, message, parse
from nlentry.parsing.lexicon import LOCALE_PATH_ENV

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "locales"
TODAY = dt.date(2026, 3, 18)


def test_a_message_comes_from_its_locale():
    assert message("nl", "not_found") == "bestaat niet"
    assert message("en", "not_found") == "does not exist"
    assert get_lexicon("nl").message("not_found") == "bestaat niet"


def test_a_message_falls_back_to_english_then_to_the_key():
    assert "xx" not in available_locales()
    assert message("xx", "not_found") == "does not exist"
    assert message("nl", "no_such_message") == "no such message"
    assert get_lexicon("nl").message("no_such_message") == "no such message"


def test_a_lexicon_and_its_code_give_the_same_message_for_every_key(monkeypatch):
    monkeypatch.setenv(LOCALE_PATH_ENV, str(FIXTURES))
    keys = set(get_lexicon("en").messages)
    for code in available_locales():
        lexicon = get_lexicon(code)
        for key in keys:
            assert lexicon.message(key) == message(code, key), (code, key)


def test_a_lexicon_off_the_path_falls_back_to_english_too():
    german = Lexicon.from_file(FIXTURES / "de.toml")
    assert german.message("duration_missing") == "keine Dauer gefunden"
    assert "invalid_date" not in german.messages
    assert german.message("invalid_date") == "is not a valid date"
    entry = parse("31-02-2026 2 Stunden", locale=german, today=TODAY)
    assert entry.errors == {"date": ["is not a valid date"]}


def test_every_shipped_locale_has_an_example():
    assert get_lexicon("nl").example == "1 uur"
    assert get_lexicon("en").example == "1 hour"
    assert Lexicon.from_file(FIXTURES / "de.toml").example == "1 Stunde"


def test_half_is_stored_with_the_locale_half_hour():
    for code, counts in (("nl", "next"), ("en", "this")):
        lexicon = get_lexicon(code)
        assert lexicon.half_hour == counts
        senses = [sense for phrase, sense in lexicon.phrases["half"] if phrase == ("half",)]
        assert [(sense.role, sense.value) for sense in senses] == [("HALF", counts)]


def test_een_is_an_article_in_dutch_with_or_without_accents():
    nl = get_lexicon("nl")
    assert [sense.role for _, sense in nl.phrases["een"]] == ["ART"]
    assert parse("één uur", locale="nl", today=TODAY).duration == 3600
    assert parse("een half uur", locale="nl", today=TODAY).duration == 1800


@pytest.mark.parametrize("code", ["nl", "en"])
def test_the_known_words_are_every_phrase_word_and_filler(code):
    lexicon = get_lexicon(code)
    words = {w for bucket in lexicon.phrases.values() for phrase, _ in bucket for w in phrase}
    assert lexicon.known == words | lexicon.fillers
