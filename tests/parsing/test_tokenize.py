"""Words to grammar roles (``nlentry/parsing/tokenize.py``): the lexicon's
roles and phrases, split words, catalog names first, and the readings settled
with more than one token of look-ahead."""

from __future__ import annotations

from nlentry import Catalog
from nlentry.parsing.lexicon import get_lexicon
from nlentry.parsing.tokenize import LexToken, catalog_spans, tokenize
from nlentry.parsing.words import split_shared
from tests.parsing.corpus_support import load_catalog

CATALOG = load_catalog()
AMBIGUOUS = load_catalog("catalog_ambiguous.json")


def tokens(text: str, locale: str = "nl", catalog: Catalog | None = None) -> list[LexToken]:
    words, offsets = split_shared(text)
    return tokenize(words, get_lexicon(locale), catalog_spans(words, catalog), offsets)


def roles(text: str, locale: str = "nl", catalog: Catalog | None = None) -> list[str]:
    return [t.role for t in tokens(text, locale, catalog)]


def test_words_take_their_role_and_value_from_the_lexicon():
    found = tokens("gisteren van 9 tot 12 uur in maart")
    assert [(t.role, t.value) for t in found] == [
        ("RELDAY", -1), ("FROM", None), ("NUM", 9), ("UNTIL", None), ("NUM", 12),
        ("HOUR", None), ("WORD", None), ("MONTH", 3),
    ]
    assert [t.text for t in found] == ["gisteren", "van", "9", "tot", "12", "uur", "in", "maart"]


def test_fillers_are_marked_and_case_and_accents_do_not_matter():
    van, word, uur = tokens("VAN Tweeënhalf Uur")
    assert (van.role, van.filler) == ("FROM", True)
    assert (word.role, word.value, word.filler) == ("FRACTION", 2.5, False)
    assert (uur.role, uur.text) == ("HOUR", "Uur")


def test_half_carries_how_the_locale_counts_half_hours():
    assert [(t.role, t.value) for t in tokens("half")] == [("HALF", "next")]
    assert [(t.role, t.value) for t in tokens("half", "en")] == [("HALF", "this")]


def test_a_phrase_of_several_words_is_one_token():
    until, = tokens("tot en met")
    assert (until.role, until.text, until.start, until.end) == ("UNTIL", "tot en met", 0, 10)
    assert roles("vorige week 's middags") == ["PREV_WEEK", "PM"]
    # punctuation inside a phrase is skipped, and the token covers it
    number, = tokens("twenty-five", "en")
    assert (number.role, number.value, number.start, number.end) == ("NUM", 25, 0, 11)


def test_the_longest_phrase_wins_and_a_lone_first_word_keeps_its_own_role():
    assert roles("vorige week") == ["PREV_WEEK"]
    assert roles("vorige maandag") == ["LAST", "WEEKDAY"]


def test_a_word_of_digits_and_letters_is_read_as_its_parts():
    found = tokens("1h30")
    assert [(t.role, t.value, t.text, t.start, t.end) for t in found] == [
        ("NUM", 1, "1", 0, 1), ("HOUR", None, "h", 1, 2), ("MINS", 30, "30", 2, 4),
    ]
    assert roles("9am", "en") == ["NUM", "AM"]
    assert roles("om 2u15") == ["AT", "NUM", "HOUR", "MINS"]
    # a letter part that is no lexicon word keeps the word whole
    assert [(t.role, t.text) for t in tokens("p2k")] == [("WORD", "p2k")]


def test_shapes_the_lexicon_does_not_know():
    found = tokens("2,5 09:00 2026-03-16 - / 09 1234567890")
    assert [(t.role, t.value) for t in found] == [
        ("DEC", 2.5), ("CLOCK", (9, 0)), ("ISO", (2026, 3, 16)), ("DASH", None),
        ("SLASH", None), ("NUM", 9), ("WORD", None),
    ]
    assert [t.leading_zero for t in found] == [False, True, False, False, False, True, False]
    assert roles("2026") == ["YEAR"]


def test_catalog_names_claim_their_words_first():
    name, = tokens("Project 2000", catalog=CATALOG)
    assert (name.role, name.text, [i.id for i in name.items]) == ("WORD", "Project 2000", [12])
    assert roles("Project 2000") == ["WORD", "YEAR"]  # without the catalog
    found = tokens("2 uur aan Café Noord!", catalog=CATALOG)
    assert [(t.role, t.text) for t in found] == [
        ("NUM", "2"), ("HOUR", "uur"), ("WORD", "aan"), ("WORD", "Café Noord"),
    ]
    assert found[2].filler and not found[3].filler
    assert found[-1].items[0].id == 13 and found[-1].end == len("2 uur aan Café Noord")


def test_a_name_that_is_a_month_after_a_day_number_is_the_month():
    assert roles("3 jan", catalog=AMBIGUOUS) == ["DAYNUM", "MONTH"]
    _met, jan = tokens("met Jan", catalog=AMBIGUOUS)
    assert (jan.role, [i.id for i in jan.items]) == ("WORD", [101])


def test_a_number_that_leads_a_date_or_a_dashed_range_is_lead_or_daynum():
    assert roles("16 maart") == ["DAYNUM", "MONTH"]
    assert roles("16-03") == ["LEAD", "DASH", "NUM"]
    assert roles("9-12u") == ["LEAD", "DASH", "NUM", "HOUR"]
    assert roles("16th of march", "en") == ["DAYNUM", "ORD", "OF", "MONTH"]
    assert roles("1e van januari") == ["DAYNUM", "ORD", "FROM", "MONTH"]
    # never the minutes of a duration before it
    assert roles("2 uur 16-03") == ["NUM", "HOUR", "LEAD", "DASH", "NUM"]


def test_a_number_after_an_hour_unit_is_its_minutes_unless_a_unit_follows():
    assert roles("1 hour thirty", "en") == ["NUM", "HOUR", "MINS"]
    assert roles("1h 15m") == ["NUM", "HOUR", "MINS", "MINUTE"]
    assert roles("2 uur 3 dagen geleden") == ["NUM", "HOUR", "NUM", "DAY", "AGO"]


def test_a_month_before_an_amount_and_a_unit_is_a_name():
    assert roles("met Jan 2 uur") == ["WORD", "WORD", "NUM", "HOUR"]
    assert roles("jan 2 2026") == ["MONTH", "NUM", "YEAR"]


def test_a_word_reads_the_same_the_second_time():
    first = [(t.role, t.value, t.start) for t in tokens("om 1h30 half 9")]
    again = [(t.role, t.value, t.start) for t in tokens("om 1h30 half 9")]
    assert first == again
    assert tokens("1h30")[2].start == 2 and tokens("x 1h30")[3].start == 4


def test_format_characters_are_every_character_of_category_cf():
    import re
    import sys
    import unicodedata

    from nlentry.parsing.words import FORMAT_CHARACTERS

    pattern = re.compile(f"[{FORMAT_CHARACTERS}]")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Cf":
            assert pattern.match(char), hex(code)
        elif unicodedata.category(char) != "Cn":  # unassigned here, Cf in a newer Unicode
            assert not pattern.match(char), hex(code)
