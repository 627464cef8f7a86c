"""``parse`` end to end (``nlentry/parsing/pipeline.py``): choosing the locale
(``locale_choice.py``) and warming the parser up (``warm_up``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nlentry import Catalog, Lexicon, warm_up
from nlentry.parsing.lexicon import LOCALE_PATH_ENV
from nlentry.parsing.locale_choice import choose_locale, loose_norms
from nlentry.parsing.tokenize import catalog_spans
from nlentry.parsing.words import split
from tests.parsing.corpus_support import load_catalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "locales"
CATALOG = load_catalog()


def chosen(text: str, locale="auto", default_locale="nl", catalog=CATALOG) -> str:
    words = split(text)
    return choose_locale(words, catalog_spans(words, catalog), locale, default_locale).code


def test_auto_keeps_the_locale_that_knows_most_words():
    assert chosen("2 hours on Timi") == "en"
    assert chosen("2 uur aan Timi") == "nl"
    # "gisteren" is Dutch, "a", "with", "an", "hour" English
    assert chosen("gisteren a meeting with an hour") == "en"


def test_a_tie_goes_to_the_default_locale():
    assert chosen("lunch") == "nl"
    assert chosen("lunch", default_locale="en") == "en"


def test_catalog_names_do_not_count():
    catalog = Catalog.from_dict({"projects": [{"id": 1, "name": "Last Hour"}]})
    assert chosen("last hour", catalog=None) == "en"
    assert chosen("last hour", catalog=catalog) == "nl"  # nothing left to count: a tie
    words = split("2 uur aan last hour")
    assert loose_norms(words, catalog_spans(words, catalog)) == ["2", "uur", "aan"]
    # a word of digits and letters counts by its letter parts
    assert loose_norms(split("3hrs 9am-11am 1h30"), {}) == ["hrs", "am", "-", "am", "h"]


@pytest.mark.parametrize("text", ["2hrs frontend webshop", "just 15 min invoicing",
                                  "9am-11am coding", "3hrs Banners", "only 20 min standup"])
def test_terse_english_is_english(text):
    # a word only one locale knows decides before the tie goes to the default (nl)
    assert chosen(text) == "en"


@pytest.mark.parametrize("text", ["2 uur webshop", "15 min facturen", "9-11 uur overleg"])
def test_terse_dutch_stays_dutch(text):
    assert chosen(text) == "nl"


def test_a_code_or_a_lexicon_is_taken_as_given():
    assert chosen("2 hours", locale="nl") == "nl"
    german = Lexicon.from_file(FIXTURES / "de.toml")
    words = split("2 hours")
    assert choose_locale(words, {}, german, "nl") is german
    with pytest.raises(LookupError):
        chosen("2 hours", locale="xx")


def test_warm_up_parses_every_locale_example():
    entries = warm_up(today="2026-03-18")
    assert sorted(entries) == ["en", "nl"]
    for code, entry in entries.items():
        assert (entry.locale, entry.duration, entry.errors) == (code, 3600, {})
        assert entry.date == dt.date(2026, 3, 18)


def test_warm_up_reads_locale_files_on_the_path(monkeypatch, tmp_path):
    monkeypatch.setenv(LOCALE_PATH_ENV, f"{FIXTURES}:{tmp_path}")
    (tmp_path / "xx.toml").write_text('[locale]\ncode = "xx"\n[roles]\nHOUR = ["hx"]\n',
                                      encoding="utf-8")
    entries = warm_up()
    assert sorted(entries) == ["de", "en", "nl"]  # xx has no example: left out
    assert entries["de"].text == "1 Stunde" and entries["de"].duration == 3600
