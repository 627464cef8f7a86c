"""Grammar-aware text for fuzzing: sentences built from the locale files' own
words (every phrase of every word table of ``locales/*.toml``), numbers,
decimals, fractions, clock forms, dates, punctuation, tags, catalog names and
random text, joined by spaces or nothing. ``sentences()`` is the strategy; the
parser's fuzz (tests/parsing/test_fuzz_grammar.py) and the service's
(tests/reliability/test_fuzz.py) both use it.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from hypothesis import strategies as st

from tests.parsing.corpus_support import CORPUS

LOCALES = Path(__file__).resolve().parents[2] / "locales"
WORD_TABLES = ("roles", "numbers", "durations", "days", "weekdays", "months", "clock_words")
NOT_WORDS = ("locale", "messages")  # settings and message texts, not vocabulary
LISTING_TABLES = ("roles", "fillers")  # role -> [phrases]; the other tables: phrase -> value

def _load(code: str) -> dict:
    with open(LOCALES / f"{code}.toml", "rb") as fh:
        return tomllib.load(fh)


def phrases_of(lexicon: dict) -> list[str]:
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
VOCABULARY = sorted({p for lexicon in LEXICONS.values() for p in phrases_of(lexicon)})

with open(CORPUS / "catalog.json", encoding="utf-8") as _fh:
    _RAW = json.load(_fh)
NAMES = sorted({phrase for kind in ("projects", "services") for item in _RAW[kind]
                for phrase in [item["name"], *item.get("aliases", [])]})


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
