"""A grammar-aware fuzz of ``parse`` and ``parse_many`` (docs/parsing.md).

Sentences are built from the locale files' own words (every phrase of every word
table of ``locales/*.toml``), numbers, decimals, fractions, clock forms, dates,
punctuation, tags, catalog names and random text, joined by spaces or nothing.
Whatever comes out, a parse never raises and its result keeps the contract's
shape. Then round trips: generated ranges, parts of the day, ordinal days and
multi-entry messages parse back to what was generated.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nlentry
from nlentry import Entry, parse
from tests.parsing.corpus_support import TODAY, load_catalog
from tests.support.grammar_sentences import LEXICONS, VOCABULARY, WORD_TABLES, phrases_of, sentences

CATALOG = load_catalog()
CODES = {"did_you_mean", "ambiguous", "weekday_mismatch", "range_shifted",
         "clock_not_duration", "second_duration", "number_unread", "date_in_future"}
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def parse_many(text: str, **options) -> list[Entry]:
    # looked up at call time: a missing parse_many fails the tests, not the collection
    return nlentry.parse_many(text, **options)


def test_the_vocabulary_covers_every_word_table():
    for code, lexicon in LEXICONS.items():
        for table in WORD_TABLES:
            assert table in lexicon, f"{code}.toml has no [{table}]"
        phrases = set(phrases_of(lexicon))
        for table in WORD_TABLES:
            values = lexicon[table]
            words = ({v for vs in values.values() for v in vs} if table == "roles"
                     else set(values))
            assert words <= phrases, (code, table, words - phrases)
    assert {"uur", "gisteren", "kwartier", "hours", "yesterday", "noon"} <= set(VOCABULARY)


# --- the shape every result keeps ---------------------------------------------------------------

def _check(text: str, got: dict, locale: str) -> None:
    json.dumps(got)
    assert got["text"] == text
    assert got["duration"] is None or (isinstance(got["duration"], int)
                                       and 0 < got["duration"] <= 86400), got
    if got["duration"] is None:
        assert got["errors"].get("duration"), got
    dt.date.fromisoformat(got["date"])
    for key in ("start_time", "end_time"):
        assert got[key] is None or HHMM.match(got[key]), got
    assert got["locale"] in ("nl", "en"), got
    if locale != "auto":
        assert got["locale"] == locale, got
    assert isinstance(got["description"], str)
    for field, messages in got["errors"].items():
        assert isinstance(field, str) and messages, got
        assert all(isinstance(m, str) and m for m in messages), got
    for kind, items in got["candidates"].items():
        assert kind in ("project", "service") and len(items) >= 2, got
        assert got[f"{kind}_id"] is None, got
    for span in got["spans"]:
        assert 0 <= span["start"] <= span["end"] <= len(text), span
        assert text[span["start"]:span["end"]] == span["text"], span
    for w in got["warnings"]:
        assert w["code"] in CODES, w
        assert isinstance(w["message"], str) and w["message"], w
        assert w["suggestion"] is None or isinstance(w["suggestion"], str), w
        assert 0 <= w["start"] <= w["end"] <= len(text), (text, w)
    assert isinstance(got["tags"], list), got
    assert all(isinstance(t, str) and t for t in got["tags"]), got


@settings(max_examples=50_000 if os.environ.get("CI") else 1_000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=sentences(), with_catalog=st.booleans(),
       locale=st.sampled_from(["auto", "nl", "en"]))
def test_parse_and_parse_many_never_raise(text, with_catalog, locale):
    options = {"catalog": CATALOG if with_catalog else None, "locale": locale, "today": TODAY}
    one = parse(text, **options)
    assert isinstance(one, Entry)
    _check(text, one.to_dict(), locale)
    many = parse_many(text, **options)
    assert isinstance(many, list), many
    for entry in many:
        assert isinstance(entry, Entry), entry
        got = entry.to_dict()
        _check(got["text"], got, locale)  # offsets are into the entry's own text
    if one.duration is not None:  # a message with an entry in it gives at least that one
        assert many, (text, one.to_dict())


# --- round trips -------------------------------------------------------------------------------

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _hhmm(hour: int) -> str:
    return f"{hour:02d}:00"


@SETTINGS
@given(data=st.data(), h1=st.integers(7, 19))
def test_a_range_with_units_on_both_ends(data, h1):
    h2 = data.draw(st.integers(h1 + 1, 20), label="h2")
    text, locale = data.draw(st.sampled_from([
        (f"{h1}u-{h2}u", "nl"), (f"{h1}u - {h2}u", "nl"), (f"{h1}h-{h2}h", "nl"),
        (f"{h1} uur tot {h2} uur", "nl"), (f"van {h1} uur tot {h2} uur", "nl"),
        (f"{h1}h-{h2}h", "en"), (f"{h1}h - {h2}h", "en"), (f"{h1}h-{h2}h", "auto"),
    ]), label="text")
    got = parse(text, catalog=CATALOG, locale=locale, today=TODAY).to_dict()
    assert (got["start_time"], got["end_time"], got["duration"]) == (
        _hhmm(h1), _hhmm(h2), (h2 - h1) * 3600), got


@SETTINGS
@given(data=st.data(), h=st.integers(1, 11))
def test_a_part_of_the_day_makes_a_clock_time(data, h):
    text, locale = data.draw(st.sampled_from([
        (f"{h} uur 's avonds", "nl"), (f"om {h} uur 's avonds", "nl"),
        (f"{h}pm", "en"), (f"at {h}pm", "en"), (f"{h}pm", "auto"),
    ]), label="text")
    got = parse(text, catalog=CATALOG, locale=locale, today=TODAY).to_dict()
    assert got["start_time"] == _hhmm(h + 12), got
    assert got["duration"] is None, got  # a clock time, not a duration


def _suffix(d: int) -> str:
    if d in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")


@SETTINGS
@given(data=st.data(), d=st.integers(1, 28))
def test_an_ordinal_day_is_the_latest_on_or_before_today(data, d):
    expected = dt.date(2026, 3, d) if d <= TODAY.day else dt.date(2026, 2, d)
    text, locale = data.draw(st.sampled_from([
        (f"de {d}e 2 uur", "nl"), (f"op de {d}e 2 uur", "nl"),
        (f"the {d}{_suffix(d)} 2 hours", "en"), (f"on the {d}{_suffix(d)} 2 hours", "en"),
    ]), label="text")
    got = parse(text, catalog=CATALOG, locale=locale, today=TODAY).to_dict()
    assert (got["date"], got["duration"]) == (expected.isoformat(), 7200), got


@SETTINGS
@given(data=st.data(), locale=st.sampled_from(["nl", "en"]),
       parts=st.lists(st.tuples(st.integers(1, 8), st.sampled_from([("Timi", 2),
                                                                    ("Website", 3327)])),
                      min_size=2, max_size=5))
def test_parse_many_reads_each_simple_entry(data, locale, parts):
    texts = []
    for hours, (name, _) in parts:
        unit = "uur" if locale == "nl" else ("hour" if hours == 1 else "hours")
        texts.append(f"{hours} {unit} {name}")
    text = texts[0]
    for part in texts[1:]:
        text += data.draw(st.sampled_from(["\n", "; "]), label="separator") + part
    got = [e.to_dict() for e in parse_many(text, catalog=CATALOG, today=TODAY)]
    assert [(e["duration"], e["project_id"]) for e in got] == [
        (hours * 3600, project) for hours, (_, project) in parts], (text, got)
