"""Saying what was guessed (docs/parsing.md, "Saying what was guessed").

Each warning code of the contract shows up where the rule says so, with the
offsets of the thing warned about and the suggestion where the spec gives one;
a certain reading has no warnings; messages come in the entry's locale; a typo
never changes the reading; names that are time words keep their time meaning;
and matching stays cheap on a catalog of look-alikes and on a long text (no
timing: only that the answer is right and comes back).
"""

from __future__ import annotations

import json

import pytest

from nlentry import Catalog, Entry, parse
from tests.parsing.corpus_support import TODAY, load_catalog

CATALOG = load_catalog()
AMBIGUOUS = load_catalog("catalog_ambiguous.json")  # "klant" is Alpha and Beta; "review" two services

CODES = {"did_you_mean", "ambiguous", "weekday_mismatch", "range_shifted",
         "clock_not_duration", "second_duration", "number_unread", "date_in_future"}
WARNING_KEYS = {"code", "message", "start", "end", "suggestion"}


def _parse(text: str, catalog: Catalog | None = CATALOG, **options) -> dict:
    got = parse(text, catalog=catalog, today=TODAY, **options).to_dict()
    _check_warnings(text, got)
    return got


def _check_warnings(text: str, got: dict) -> None:
    """Every warning has the contract's shape, whatever else the test checks."""
    assert isinstance(got["warnings"], list), got
    for w in got["warnings"]:
        assert WARNING_KEYS <= set(w), w
        assert w["code"] in CODES, w
        assert isinstance(w["message"], str) and w["message"].strip(), w
        assert w["suggestion"] is None or isinstance(w["suggestion"], str), w
        assert isinstance(w["start"], int) and isinstance(w["end"], int), w
        assert 0 <= w["start"] <= w["end"] <= len(text), (text, w)
    json.dumps(got["warnings"])


def _with(got: dict, code: str) -> list[dict]:
    found = [w for w in got["warnings"] if w["code"] == code]
    assert found, f"no {code} warning in {got['text']!r}: {got['warnings']}"
    return found


def _codes(got: dict) -> list[str]:
    return [w["code"] for w in got["warnings"]]


def _where(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def _covers(w: dict, text: str, part: str) -> bool:
    start, end = _where(text, part)
    return w["start"] <= start and end <= w["end"]


# --- a certain reading has no warnings ------------------------------------------------------

CERTAIN = [
    "2 uur Timi",
    "gisteren van 9 tot 12 coden voor Website",
    "1h30 meeting about the redesign yesterday",
    "2,5 uur met Rowan aan Timi gewerkt",
    "gisteren van half 9 tot 12 coden voor Website",
    "maandag anderhalf uur mockups voor cafe noord",
    "om 14:00 een uur overleg met Erik",
    "zondag 15 maart 2 uur Timi",
    "zondag 15 maart 2 uur",
    "1 uur en 20 minuten coden voor Timi",
    "een uur, 15 minuten Timi",
    "2 hours on Website Redesign yesterday",
    "van 13:00 tot 15:00 overleg",
    "vandaag 2 uur Timi",
]


@pytest.mark.parametrize("text", CERTAIN)
def test_a_certain_reading_has_no_warnings(text):
    got = _parse(text)
    assert got["warnings"] == [], got
    assert got["errors"] == {}, got


# --- did_you_mean -----------------------------------------------------------------------------

# (text, locale, the unknown word, the suggestion)
TYPOS = [
    ("2 uur aan webiste", "nl", "webiste", "Website"),
    ("2 hours on webiste", "en", "webiste", "Website"),
    ("gisteen 2 uur", "nl", "gisteen", "gisteren"),
    ("yesterdy 2 hours", "en", "yesterdy", "yesterday"),
    ("2 uuur Timi", "nl", "uuur", "uur"),
    ("2 uur met Rowna", "nl", "Rowna", "Rowan"),
    ("2 uur coden voor Timi mrogen", "nl", "mrogen", "morgen"),
]


@pytest.mark.parametrize(("text", "locale", "word", "suggestion"), TYPOS)
def test_did_you_mean_names_the_word_and_suggests(text, locale, word, suggestion):
    got = _parse(text, locale=locale)
    hits = [w for w in _with(got, "did_you_mean")
            if (w["start"], w["end"]) == _where(text, word)]
    assert hits, f"no did_you_mean on {word!r}: {got['warnings']}"
    assert hits[0]["suggestion"] == suggestion, hits


# (text with a typo, the same text without the typo word)
WITHOUT_TYPO = [
    ("2 uur aan webiste", "2 uur aan"),
    ("2 hours on webiste", "2 hours on"),
    ("gisteen 2 uur", "2 uur"),
    ("yesterdy 2 hours", "2 hours"),
    ("2 uuur Timi", "2 Timi"),
    ("2 uur met Rowna", "2 uur met"),
    ("2 uur coden voor Timi mrogen", "2 uur coden voor Timi"),
    ("gisteren van 9 tot 12 codne voor Website", "gisteren van 9 tot 12 voor Website"),
]
READING = ("duration", "date", "start_time", "end_time", "project_id", "service_id",
           "client_id")


@pytest.mark.parametrize(("typo", "plain"), WITHOUT_TYPO)
def test_a_typo_never_changes_the_reading(typo, plain):
    got = _parse(typo)
    _with(got, "did_you_mean")
    want = _parse(plain)
    assert {k: got[k] for k in READING} == {k: want[k] for k in READING}, (got, want)


def test_a_known_word_gets_no_did_you_mean():
    for text in ("2 uur aan Website", "gisteren 2 uur", "2 uur Timi", "2 hours on site"):
        assert "did_you_mean" not in _codes(_parse(text)), text


# --- ambiguous --------------------------------------------------------------------------------

def test_ambiguous_project_from_the_ambiguous_catalog():
    text = "2 uur klant"
    got = _parse(text, catalog=AMBIGUOUS)
    assert got["project_id"] is None
    assert {c["id"] for c in got["candidates"]["project"]} == {101, 102}
    w = _with(got, "ambiguous")
    assert any((x["start"], x["end"]) == _where(text, "klant") for x in w), w
    assert got["duration"] == 7200


def test_ambiguous_service_from_the_ambiguous_catalog():
    text = "2 uur review voor Alpha"
    got = _parse(text, catalog=AMBIGUOUS)
    assert got["service_id"] is None and got["project_id"] == 101
    assert {c["id"] for c in got["candidates"]["service"]} == {201, 202}
    w = _with(got, "ambiguous")
    assert any((x["start"], x["end"]) == _where(text, "review") for x in w), w


def test_ambiguous_with_a_catalog_built_in_the_test():
    catalog = Catalog.from_dict({
        "projects": [{"id": 1, "name": "Alpha", "aliases": ["ops"]},
                     {"id": 2, "name": "Beta", "aliases": ["ops"]}],
        "services": [{"id": 7, "name": "Bouwen"}],
    })
    text = "gisteren 3 uur bouwen voor ops"
    got = _parse(text, catalog=catalog)
    assert got["project_id"] is None and got["service_id"] == 7
    assert {c["id"] for c in got["candidates"]["project"]} == {1, 2}
    w = _with(got, "ambiguous")
    assert any((x["start"], x["end"]) == _where(text, "ops") for x in w), w
    # naming one of them outright is not ambiguous
    plain = _parse("gisteren 3 uur bouwen voor Alpha", catalog=catalog)
    assert plain["project_id"] == 1 and "ambiguous" not in _codes(plain), plain


# --- weekday_mismatch ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "locale", "weekday"), [
    ("dinsdag 15 maart 2 uur", "nl", "dinsdag"),
    ("2 hours on tuesday 15 march", "en", "tuesday"),
])
def test_weekday_mismatch_the_date_decides(text, locale, weekday):
    got = _parse(text, locale=locale)
    assert got["date"] == "2026-03-15", got  # a Sunday
    assert got["duration"] == 7200
    w = _with(got, "weekday_mismatch")
    assert any(_covers(x, text, weekday) for x in w), w


@pytest.mark.parametrize("text", ["zondag 15 maart 2 uur", "2 hours on sunday 15 march",
                                  "maandag 16 maart 2 uur"])
def test_weekday_matching_the_date_gives_no_warning(text):
    got = _parse(text)
    assert "weekday_mismatch" not in _codes(got), got


# --- range_shifted -----------------------------------------------------------------------------

def test_range_end_moved_twelve_hours():
    text = "van 9 tot 5"
    got = _parse(text)
    assert (got["start_time"], got["end_time"], got["duration"]) == ("09:00", "17:00", 28800)
    w = _with(got, "range_shifted")
    assert any(x["start"] <= text.index("5") < x["end"] for x in w), w  # the end was moved


def test_both_range_times_moved_twelve_hours():
    text = "van 1 tot 3 coden"
    got = _parse(text)
    assert (got["start_time"], got["end_time"], got["duration"]) == ("13:00", "15:00", 7200)
    w = _with(got, "range_shifted")
    range_end = text.index("3") + 1
    for pos in (text.index("1"), text.index("3")):
        assert any(x["start"] <= pos < x["end"] for x in w), (pos, w)
    assert all(x["end"] <= range_end for x in w), w  # "coden" was not moved


@pytest.mark.parametrize("text", ["van 9 tot 12", "van 13:00 tot 15:00", "van 03:00 tot 05:00",
                                  "9:00-12:30 coden"])
def test_a_range_left_as_written_is_not_shifted(text):
    assert "range_shifted" not in _codes(_parse(text)), text


# --- clock_not_duration ------------------------------------------------------------------------

def test_a_bare_colon_form_is_a_clock_time_and_says_so():
    text = "2:30 webshop"
    got = _parse(text, locale="nl")
    assert got["start_time"] == "14:30" and got["duration"] is None, got
    assert got["errors"].get("duration"), got
    w = _with(got, "clock_not_duration")
    hits = [x for x in w if (x["start"], x["end"]) == _where(text, "2:30")]
    assert hits, w
    # the entry warns that 2u30 would be 2 h 30 min
    assert any("2u30" in ((x["suggestion"] or "") + " " + x["message"]) for x in hits), hits


@pytest.mark.parametrize("text", ["1:45 uur coden", "9:00-12:30 coden", "om 14:00 een uur overleg"])
def test_a_colon_form_with_a_duration_is_not_clock_not_duration(text):
    got = _parse(text)
    assert got["duration"] is not None, got
    assert "clock_not_duration" not in _codes(got), got


# --- second_duration ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "locale", "second"), [
    ("2 uur Timi en 1 uur Website", "nl", "1 uur"),
    ("2 hours Timi and 1 hour Website", "en", "1 hour"),
])
def test_a_second_duration_apart_is_not_used_and_warned(text, locale, second):
    got = parse(text, catalog=CATALOG, today=TODAY, locale=locale).to_dict()
    _check_warnings(text, got)
    assert got["duration"] == 7200, got  # the first is the duration
    w = _with(got, "second_duration")
    assert any(_covers(x, text, second) and x["start"] >= text.index(second) for x in w), w


@pytest.mark.parametrize("text", ["1 uur en 20 minuten Timi", "een uur, 15 minuten Timi",
                                  "twee uur, 3 kwartier", "2 hours and 10 minutes Timi"])
def test_one_joined_expression_is_not_a_second_duration(text):
    got = _parse(text)
    assert "second_duration" not in _codes(got), got


# --- number_unread -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "locale", "phrase"), [
    ("2 uur Timi 5 gisteren", "nl", "5 gisteren"),
    ("2 hours Timi 5 yesterday", "en", "5 yesterday"),
])
def test_a_number_beside_a_time_word_left_over_is_warned(text, locale, phrase):
    got = _parse(text, locale=locale)
    assert got["duration"] == 7200 and got["date"] == "2026-03-17", got
    assert "5" in got["description"], got
    w = _with(got, "number_unread")
    number = text.index(phrase)
    start, end = _where(text, phrase)
    assert any(x["start"] <= number < x["end"] and start <= x["start"] and x["end"] <= end
               for x in w), w


# --- date_in_future ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "locale", "day_word", "date"), [
    ("morgen 2 uur", "nl", "morgen", "2026-03-19"),
    ("tomorrow 2 hours", "en", "tomorrow", "2026-03-19"),
    ("overmorgen 2 uur Timi", "nl", "overmorgen", "2026-03-20"),
    ("2 uur op 2026-03-20", "nl", "2026-03-20", "2026-03-20"),
])
def test_a_date_after_today_is_warned(text, locale, day_word, date):
    got = _parse(text, locale=locale)
    assert got["date"] == date and got["duration"] == 7200, got
    w = _with(got, "date_in_future")
    assert any(_covers(x, text, day_word) for x in w), w


@pytest.mark.parametrize("text", ["vandaag 2 uur", "gisteren 2 uur", "20 maart 2 uur",
                                  "2 hours today"])
def test_today_or_before_is_not_in_the_future(text):
    got = _parse(text)
    assert got["date"] <= TODAY.isoformat(), got
    assert "date_in_future" not in _codes(got), got


# --- messages in the entry's locale ------------------------------------------------------------

# (code, Dutch text, English text, catalog)
SAME_CODE = [
    ("did_you_mean", "2 uur aan webiste", "2 hours on webiste", CATALOG),
    ("ambiguous", "2 uur voor klant", "2 hours for klant", AMBIGUOUS),
    ("weekday_mismatch", "dinsdag 15 maart 2 uur", "2 hours on tuesday 15 march", CATALOG),
    ("range_shifted", "van 9 tot 5", "from 9 to 5", CATALOG),
    ("clock_not_duration", "2:30 webshop", "2:30 webshop", CATALOG),
    ("second_duration", "2 uur Timi en 1 uur Website", "2 hours Timi and 1 hour Website",
     CATALOG),
    ("number_unread", "2 uur Timi 5 gisteren", "2 hours Timi 5 yesterday", CATALOG),
    ("date_in_future", "morgen 2 uur", "tomorrow 2 hours", CATALOG),
]


@pytest.mark.parametrize(("code", "nl_text", "en_text", "catalog"), SAME_CODE,
                         ids=[row[0] for row in SAME_CODE])
def test_the_message_is_in_the_entrys_locale(code, nl_text, en_text, catalog):
    nl = _parse(nl_text, catalog=catalog, locale="nl")
    en = _parse(en_text, catalog=catalog, locale="en")
    assert (nl["locale"], en["locale"]) == ("nl", "en")
    nl_messages = {w["message"] for w in _with(nl, code)}
    en_messages = {w["message"] for w in _with(en, code)}
    assert not nl_messages & en_messages, (nl_messages, en_messages)


# --- names that are time words -----------------------------------------------------------------

TIME_WORD_NAMES = {
    "projects": [{"id": 50, "name": "Uur"}, {"id": 51, "name": "Gisteren"},
                 {"id": 3327, "name": "Website"}],
    "services": [],
}


def test_a_project_named_uur_does_not_hide_the_unit():
    catalog = Catalog.from_dict(TIME_WORD_NAMES)
    got = _parse("2 uur aan Website", catalog=catalog)
    assert got["duration"] == 7200, got
    assert got["project_id"] == 3327, got


def test_a_project_named_gisteren_does_not_hide_the_day():
    catalog = Catalog.from_dict(TIME_WORD_NAMES)
    got = _parse("gisteren van 9 tot 11 aan Website", catalog=catalog)
    assert got["date"] == "2026-03-17", got
    assert (got["start_time"], got["end_time"], got["duration"]) == ("09:00", "11:00", 7200)
    assert got["project_id"] == 3327, got


# --- matching costs the same however the catalog is built (no timing) --------------------------

def test_a_thousand_projects_with_one_name_are_all_candidates():
    catalog = Catalog.from_dict({"projects": [{"id": i, "name": "Same"} for i in range(1000)]})
    text = "2 uur " + " ".join(["same"] * 99)
    got = _parse(text, catalog=catalog)
    assert got["duration"] == 7200, got["duration"]
    assert got["project_id"] is None
    ids = [c["id"] for c in got["candidates"]["project"]]
    assert len(ids) == 1000 and set(ids) == set(range(1000))
    assert "ambiguous" in _codes(got)


def test_a_ten_thousand_character_text_gives_an_entry():
    text = ("2 uur Timi gisteren van 9 tot 12 webiste #tag 2:30; " * 300)[:10_000]
    assert len(text) == 10_000
    entry = parse(text, catalog=CATALOG, today=TODAY)
    assert isinstance(entry, Entry)
    _check_warnings(text, entry.to_dict())
