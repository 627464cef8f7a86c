"""The example table of docs/parsing.md, verbatim, and inputs that must never break a parse."""

from __future__ import annotations

import json

import pytest

from nlentry import parse

# text | duration | date | start-end | project | service  (docs/parsing.md, "Examples")
EXAMPLES = [
    ("2,5 uur met Rowan aan Timi gewerkt", 9000, "2026-03-18", "", 2, None),
    ("8 uur voor Timi gewerkt vanuit huis", 28800, "2026-03-18", "", 2, None),
    ("gisteren van half 9 tot 12 coden voor Website", 12600, "2026-03-17", "08:30-12:00",
     3327, 1),
    ("1h30 meeting about the redesign yesterday", 5400, "2026-03-17", "", 10, 3),
    ("maandag anderhalf uur mockups voor cafe noord", 5400, "2026-03-16", "", 13, 2),
    ("om 14:00 een uur overleg met Erik", 3600, "2026-03-18", "14:00-15:00", 3328, 3),
    ("from 1 to 3 html for p2k last friday", 7200, "2026-03-13", "13:00-15:00", 12, 1),
    ("lunch", None, "2026-03-18", "", None, None),
]


@pytest.mark.parametrize(("text", "duration", "date", "start_end", "project", "service"),
                         EXAMPLES, ids=[row[0] for row in EXAMPLES])
def test_spec_example(catalog, today, text, duration, date, start_end, project, service):
    got = parse(text, catalog=catalog, today=today).to_dict()
    start, end = start_end.split("-") if start_end else (None, None)
    assert (got["duration"], got["date"], got["start_time"], got["end_time"],
            got["project_id"], got["service_id"]) == (duration, date, start, end, project,
                                                      service), got
    if duration is None:
        assert list(got["errors"]) == ["duration"], got
        assert got["errors"]["duration"], got
    else:
        assert got["errors"] == {}, got
        assert got["candidates"] == {}, got


BREAKERS = {
    "empty": "",
    "whitespace": " \t\n\r  \u00a0\u2003 ",
    "emoji-only": "🎉🚀☕️👍🏽",
    "10000-characters": ("lorem ipsum dolor sit amet, " * 400)[:10_000],
    "binary-looking": "\x00\xff\xfe\x01\x02\x7f\x80\ufffd\ud7ff\x1b\x07\x08",
    "punctuation": "-/-:..,,;!?()[]{}--@&+",
    "superscript-digits": "² ¹ ³⁴ ½",
    "clock-word-without-hour": "@ anderhalf",
    "digits-of-other-scripts": "٣ ساعات ३ घंटे",
}


@pytest.mark.parametrize("text", BREAKERS.values(), ids=list(BREAKERS))
@pytest.mark.parametrize("locale", ["auto", "nl", "en"])
def test_odd_input_gives_errors_not_exceptions(catalog, today, text, locale):
    entry = parse(text, catalog=catalog, locale=locale, today=today)
    got = entry.to_dict()
    json.dumps(got)
    assert got["text"] == text
    assert got["duration"] is None
    assert got["date"] == "2026-03-18"
    assert "duration" in got["errors"] and got["errors"]["duration"], got
    assert got["locale"] in ("nl", "en")
    if locale != "auto":
        assert got["locale"] == locale


def test_10000_characters_with_a_duration_take_the_first(catalog, today):
    text = ("2 uur aan Timi " * 700)[:10_000]
    got = parse(text, catalog=catalog, today=today).to_dict()
    json.dumps(got)
    assert got["duration"] == 7200
    assert got["project_id"] == 2


def test_parse_without_catalog(today):
    got = parse("2,5 uur met Rowan aan Timi gewerkt", today=today).to_dict()
    assert got["duration"] == 9000
    assert got["project_id"] is None and got["service_id"] is None


def test_today_as_iso_string(catalog):
    got = parse("gisteren 2 uur", catalog=catalog, today="2026-03-18").to_dict()
    assert got["date"] == "2026-03-17"


def test_missing_duration_message_follows_the_locale(catalog, today):
    nl = parse("lunch", catalog=catalog, today=today, default_locale="nl").to_dict()
    en = parse("lunch", catalog=catalog, today=today, default_locale="en").to_dict()
    assert (nl["locale"], en["locale"]) == ("nl", "en")
    assert nl["errors"]["duration"] and en["errors"]["duration"]
    assert nl["errors"]["duration"] != en["errors"]["duration"]
    dutch = parse("gisteren met Erik overleg gehad", catalog=catalog, today=today,
                  default_locale="en").to_dict()
    assert dutch["locale"] == "nl"
    assert dutch["errors"]["duration"] == nl["errors"]["duration"]
    english = parse("yesterday a meeting with Erik", catalog=catalog, today=today).to_dict()
    assert english["locale"] == "en"
    assert english["errors"]["duration"] == en["errors"]["duration"]


def test_over_24_hours_is_an_error_in_the_locale(catalog, today):
    nl = parse("25 uur aan Timi", catalog=catalog, today=today).to_dict()
    en = parse("25 hours on Timi", catalog=catalog, today=today).to_dict()
    assert nl["duration"] is None and en["duration"] is None
    assert nl["errors"]["duration"] and en["errors"]["duration"]
    assert nl["errors"]["duration"] != en["errors"]["duration"]


def test_text_is_kept_verbatim(catalog, today):
    text = "  2,5 uur met Rowan aan Timi gewerkt!  "
    assert parse(text, catalog=catalog, today=today).to_dict()["text"] == text
