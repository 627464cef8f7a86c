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
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nlentry
from nlentry import Entry, parse
from tests.parsing.corpus_support import CORPUS, TODAY, load_catalog

CATALOG = load_catalog()
LOCALES = Path(__file__).resolve().parents[2] / "locales"
WORD_TABLES = ("roles", "numbers", "durations", "days", "weekdays", "months", "clock_words")
NOT_WORDS = ("locale", "messages")  # settings and message texts, not vocabulary
LISTING_TABLES = ("roles", "fillers")  # role -> [phrases]; the other tables: phrase -> value
CODES = {"did_you_mean", "ambiguous", "weekday_mismatch", "range_shifted",
         "clock_not_duration", "second_duration", "number_unread", "date_in_future"}
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def parse_many(text: str, **options) -> list[Entry]:
    # looked up at call time: a missing parse_many fails the tests, not the collection
    return nlentry.parse_many(text, **options)


def _load(code: str) -> dict:
    with open(LOCALES / f"{code}.toml", "rb") as fh:
        return tomllib.load(fh)


def _phrases(lexicon: dict) -> list[str]:
    """Every word or phrase of every word table: the phrases listed under a role
    ([roles], [fillers]) and the keys of every other table, which map a phrase to
    its value ([numbers], [days], [weekdays], ..., whatever the value looks like)."""
    out: set[str] = set()
    for table, values in lexicon.items():
        if table in NOT_WORDS or not isinstance(values, dict):
            continue
        for key, value in values.items():
            if table in LISTING_TABLES:
                out.update(v for v in value if isinstance(v, str) and v)
            else:
                out.add(key)
    return sorted(out)


LEXICONS = {code: _load(code) for code in ("nl", "en")}
VOCABULARY = sorted({p for lexicon in LEXICONS.values() for p in _phrases(lexicon)})

with open(CORPUS / "catalog.json", encoding="utf-8") as _fh:
    _RAW = json.load(_fh)
NAMES = sorted({phrase for kind in ("projects", "services") for item in _RAW[kind]
                for phrase in [item["name"], *item.get("aliases", [])]})


def test_the_vocabulary_covers_every_word_table():
    for code, lexicon in LEXICONS.items():
        for table in WORD_TABLES:
            assert table in lexicon, f"{code}.toml has no [{table}]"
        phrases = set(_phrases(lexicon))
        for table in WORD_TABLES:
            values = lexicon[table]
            words = ({v for vs in values.values() for v in vs} if table == "roles"
                     else set(values))
            assert words <= phrases, (code, table, words - phrases)
    assert {"uur", "gisteren", "kwartier", "hours", "yesterday", "noon"} <= set(VOCABULARY)


# --- pieces of sentences ------------------------------------------------------------------------

def _cased(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.title()])


words = st.sampled_from(VOCABULARY).flatmap(_cased)
names = st.sampled_from(NAMES).flatmap(_cased)
integers = st.integers(0, 3000).map(str)
decimals = st.builds(lambda a, b, sep: f"{a}{sep}{b}", st.integers(0, 30), st.integers(0, 99),
                     st.sampled_from([",", "."]))
fractions = st.sampled_from(["1/2", "½", "¼", "¾", "1/4", "3/4", "2/3"])
_h, _m, _s = st.integers(0, 30), st.integers(0, 75), st.integers(0, 75)
clocks = st.one_of(
    st.builds(lambda h, m: f"{h}:{m:02d}", _h, _m),
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", _h, _m),
    st.builds(lambda h, m, s: f"{h}:{m:02d}:{s:02d}", _h, _m, _s),
    st.builds(lambda h, m: f"{h}.{m:02d}", _h, _m),
    st.builds(lambda h, m, unit: f"{h}{unit}{m:02d}", _h, _m, st.sampled_from(["h", "u", "uur"])),
    st.builds(lambda h, suffix: f"{h}{suffix}", _h,
              st.sampled_from(["am", "pm", "u", "h", "m", "min", "uur", "e", "th", "st"])),
    st.sampled_from(["9:30", "7:56:30", "8.30", "7:56:30pm", "24:00", "00:00", "12:30am"]),
)
_d, _mo = st.integers(0, 35), st.integers(0, 14)
_y = st.one_of(st.integers(1900, 2100), st.integers(0, 99))
dates = st.one_of(
    st.builds(lambda d, m: f"{d:02d}-{m:02d}", _d, _mo),
    st.builds(lambda d, m: f"{d}-{m}", _d, _mo),
    st.builds(lambda d, m: f"{d}/{m}", _d, _mo),
    st.builds(lambda d, m, y: f"{d}.{m}.{y}", _d, _mo, _y),
    st.builds(lambda d, m, y: f"{d:02d}-{m:02d}-{y}", _d, _mo, _y),
    st.builds(lambda d, m, y: f"{y}/{m:02d}/{d:02d}", _d, _mo, _y),
    st.builds(lambda d, m, y: f"{y}-{m:02d}-{d:02d}", _d, _mo, _y),
    st.sampled_from(["16-03", "31.10.1974", "2015/08/12", "2026-03-16", "2026-02-30",
                     "9-12", "13-17", "16-3", "22-4", "30-12-16"]),
)
punctuation = st.sampled_from(["-", "–", "—", "/", ",", ";", ".", "#", "\n", ":", "'s", "(",
                               ")", "!", "?", "'", "\"", "&", "+", "@", "\t", "\r\n"])
tags = st.builds(lambda w: "#" + w, st.sampled_from(VOCABULARY + NAMES + ["bugfix", ""]))
noise = st.text(max_size=8)

pieces = st.one_of(words, words, words, names, integers, decimals, fractions, clocks, dates,
                   punctuation, tags, noise)


@st.composite
def sentences(draw) -> str:
    parts = draw(st.lists(pieces, max_size=24))
    joins = draw(st.lists(st.sampled_from([" ", " ", " ", "", "  "]),
                          min_size=len(parts), max_size=len(parts)))
    return "".join(p + j for p, j in zip(parts, joins, strict=True))


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
