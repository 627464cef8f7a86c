"""Several entries in one message (docs/parsing.md, "Several entries in one message").

``parse_many`` splits on new lines, ``;``, and on ``,``/``en``/``and``/``daarna``/``then``
between two parts that each have their own duration or range; a day carries to
the parts after it; a closing part (``alles voor Timi``) applies to the entries
that name none; one entry gives a list of one. And ``nlentry parse --many``
prints the list as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import nlentry
from nlentry import Entry, parse
from tests.parsing.corpus_support import CORPUS, TODAY, load_catalog

CATALOG = load_catalog()
ROOT = Path(__file__).resolve().parents[2]


def parse_many(text: str, **options) -> list[Entry]:
    # looked up at call time: a missing parse_many fails the tests, not the collection
    return nlentry.parse_many(text, **options)


def _many(text: str, **options) -> list[dict]:
    options.setdefault("catalog", CATALOG)
    options.setdefault("today", TODAY)
    entries = parse_many(text, **options)
    assert isinstance(entries, list), entries
    assert all(isinstance(e, Entry) for e in entries), entries
    return [e.to_dict() for e in entries]


def _pick(entries: list[dict], *keys: str) -> list[tuple]:
    return [tuple(e[k] for k in keys) for e in entries]


# --- each separator -------------------------------------------------------------------------

def test_comma_between_two_ranges():
    got = _many("9-12 coden voor Timi, 13-17 overleg bij Website")
    assert _pick(got, "duration", "start_time", "end_time", "service_id", "project_id") == [
        (10800, "09:00", "12:00", 1, 2),
        (14400, "13:00", "17:00", 3, 3327),
    ], got


def test_en_between_two_durations():
    got = _many("2 uur webshop en 1 uur kassa")
    assert [e["duration"] for e in got] == [7200, 3600], got
    assert "webshop" in got[0]["description"] and "kassa" not in got[0]["description"], got
    assert "kassa" in got[1]["description"] and "webshop" not in got[1]["description"], got


# (separator, text, [(duration, project, service), ...])
SEPARATORS = [
    ("newline", "2 uur coden voor Timi\n1 uur overleg voor Website",
     [(7200, 2, 1), (3600, 3327, 3)]),
    ("semicolon", "2 uur coden voor Timi; 1 uur overleg voor Website",
     [(7200, 2, 1), (3600, 3327, 3)]),
    ("comma", "2 uur coden voor Timi, 1 uur overleg voor Website",
     [(7200, 2, 1), (3600, 3327, 3)]),
    ("en", "2 uur coden voor Timi en 1 uur overleg voor Website",
     [(7200, 2, 1), (3600, 3327, 3)]),
    ("and", "2 hours coding for Timi and 1 hour meeting for Website",
     [(7200, 2, 1), (3600, 3327, 3)]),
    ("daarna", "2 uur coden voor Timi daarna 1 uur overleg voor Website",
     [(7200, 2, 1), (3600, 3327, 3)]),
    ("then", "2 hours coding for Timi then 1 hour meeting for Website",
     [(7200, 2, 1), (3600, 3327, 3)]),
    ("three lines", "1 uur Timi\n2 uur Website\n3 uur Banners",
     [(3600, 2, None), (7200, 3327, None), (10800, 3328, None)]),
]


@pytest.mark.parametrize(("text", "want"), [row[1:] for row in SEPARATORS],
                         ids=[row[0] for row in SEPARATORS])
def test_each_separator_splits_complete_parts(text, want):
    got = _many(text)
    assert _pick(got, "duration", "project_id", "service_id") == want, got
    assert all(e["errors"] == {} for e in got), got


def test_entries_keep_their_order():
    got = _many("3 uur Timi; 1 uur Timi; 2 uur Timi")
    assert [e["duration"] for e in got] == [10800, 3600, 7200], got


# --- a separator that does not separate complete parts -----------------------------------------

@pytest.mark.parametrize(("text", "duration", "project"), [
    ("een uur, 15 minuten Timi", 4500, 2),
    ("twee uur, 3 kwartier voor Timi", 9900, 2),
    ("1 uur en 20 minuten coden voor Timi", 4800, 2),
    ("2 hours and 10 minutes for Timi", 7800, 2),
    ("2 uur coden voor Timi, vanuit huis", 7200, 2),
    ("2 uur coden en testen voor Timi", 7200, 2),
])
def test_one_expression_stays_one_entry(text, duration, project):
    got = _many(text)
    assert len(got) == 1, got
    assert (got[0]["duration"], got[0]["project_id"]) == (duration, project), got


# --- the day carries to the parts after it ------------------------------------------------------

def test_a_day_carries_to_the_next_part():
    got = _many("gisteren 9-12 coden; 13-15 overleg")
    assert _pick(got, "date", "start_time", "end_time", "service_id") == [
        ("2026-03-17", "09:00", "12:00", 1),
        ("2026-03-17", "13:00", "15:00", 3),
    ], got


def test_a_day_carries_in_english():
    got = _many("yesterday 2 hours coding\n1 hour meeting")
    assert [e["date"] for e in got] == ["2026-03-17", "2026-03-17"], got


def test_a_part_naming_its_own_day_keeps_it_and_carries_it_on():
    got = _many("gisteren 2 uur coden\nmaandag 1 uur overleg\n1 uur Timi")
    assert [e["date"] for e in got] == ["2026-03-17", "2026-03-16", "2026-03-16"], got


def test_a_day_does_not_carry_backwards():
    got = _many("2 uur coden; gisteren 1 uur overleg")
    assert [e["date"] for e in got] == ["2026-03-18", "2026-03-17"], got


def test_no_day_anywhere_is_today():
    got = _many("2 uur coden; 1 uur overleg")
    assert [e["date"] for e in got] == ["2026-03-18", "2026-03-18"], got


# --- a closing part for all parts ---------------------------------------------------------------

def test_closing_project_applies_to_every_entry():
    got = _many("2 uur coden\n1 uur overleg\nalles voor Timi")
    assert _pick(got, "duration", "service_id", "project_id") == [(7200, 1, 2), (3600, 3, 2)], got


def test_closing_project_in_english():
    got = _many("2 hours coding\n1 hour meeting\nall for Website")
    assert _pick(got, "duration", "project_id") == [(7200, 3327), (3600, 3327)], got


def test_a_part_naming_its_own_project_keeps_it():
    got = _many("2 uur coden voor Website\n1 uur overleg\nalles voor Timi")
    assert _pick(got, "duration", "project_id") == [(7200, 3327), (3600, 2)], got


def test_closing_day_applies_to_every_entry():
    got = _many("2 uur coden; 1 uur overleg; allemaal gisteren")
    assert _pick(got, "duration", "date") == [(7200, "2026-03-17"), (3600, "2026-03-17")], got


# --- one entry, missing durations, empty text ---------------------------------------------------

@pytest.mark.parametrize("text", ["2 uur coden voor Timi",
                                  "gisteren van half 9 tot 12 coden voor Website",
                                  "1h30 meeting about the redesign yesterday", "lunch"])
def test_one_entry_gives_a_list_of_one_equal_to_parse(text):
    got = _many(text)
    assert got == [parse(text, catalog=CATALOG, today=TODAY).to_dict()], got


def test_a_part_without_a_duration_has_a_duration_error():
    got = _many("2 uur Timi\nlunch")
    assert len(got) == 2, got
    assert got[0]["duration"] == 7200 and "duration" not in got[0]["errors"], got
    assert got[1]["duration"] is None and got[1]["errors"].get("duration"), got


def test_a_first_part_without_a_duration_has_a_duration_error():
    got = _many("lunch; 2 uur Timi")
    assert len(got) == 2, got
    assert got[0]["duration"] is None and got[0]["errors"].get("duration"), got
    assert got[1]["duration"] == 7200, got


@pytest.mark.parametrize("text", ["", "   ", "\n\n", ";", " ; \n , "])
def test_empty_text_does_not_raise(text):
    got = _many(text)
    assert all(e["errors"] for e in got), got


def test_options_reach_every_entry():
    got = _many("hele dag; halve dag", working_day_hours=6.0)
    assert [e["duration"] for e in got] == [21600, 10800], got
    got = _many("2 uur Timi; 1 uur Website", locale="nl", today=dt.date(2026, 1, 5))
    assert [e["locale"] for e in got] == ["nl", "nl"], got
    assert [e["date"] for e in got] == ["2026-01-05", "2026-01-05"], got


# --- the command line ---------------------------------------------------------------------------

def _cli(text: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nlentry.cli", "parse", "--many", "--today", "2026-03-18",
         "--catalog", str(CORPUS / "catalog.json"), text],
        check=False, capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_cli_many_prints_a_json_list():
    proc = _cli("9-12 coden voor Timi, 13-17 overleg bij Website")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert isinstance(out, list) and len(out) == 2, proc.stdout
    assert [(e["duration"], e["project_id"]) for e in out] == [(10800, 2), (14400, 3327)], out


def test_cli_many_with_one_entry_prints_a_list_of_one():
    proc = _cli("2 uur coden voor Timi")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert isinstance(out, list) and len(out) == 1, proc.stdout
    assert out[0]["duration"] == 7200 and out[0]["project_id"] == 2, out
