"""Tags (docs/parsing.md, "Output fields"): the ``#words`` of the text, without ``#``,
in order; a tag is not part of the description and does not change the reading."""

from __future__ import annotations

import pytest

import nlentry
from nlentry import parse
from tests.parsing.corpus_support import TODAY, load_catalog

CATALOG = load_catalog()
READING = ("duration", "date", "start_time", "end_time", "project_id", "service_id",
           "client_id")


def _parse(text: str, **options) -> dict:
    return parse(text, catalog=CATALOG, today=TODAY, **options).to_dict()


def _words(description: str) -> list[str]:
    return description.split()


def test_the_spec_example():
    got = _parse("2 uur coden #bugfix #urgent")
    assert got["tags"] == ["bugfix", "urgent"], got
    assert "#" not in got["description"], got
    assert "bugfix" not in got["description"] and "urgent" not in got["description"], got
    assert (got["duration"], got["service_id"]) == (7200, 1), got


@pytest.mark.parametrize(("text", "tags"), [
    ("#urgent 2 uur coden #bugfix", ["urgent", "bugfix"]),
    ("#c 2 uur #a Timi #b", ["c", "a", "b"]),
    ("2 hours coding #review #frontend", ["review", "frontend"]),
])
def test_tags_keep_their_order(text, tags):
    assert _parse(text)["tags"] == tags


@pytest.mark.parametrize("text", ["2 uur coden", "1h30 meeting about the redesign yesterday",
                                  "lunch", "", "8 uur voor Timi gewerkt vanuit huis"])
def test_no_tags_is_an_empty_list(text):
    assert _parse(text)["tags"] == []


def test_a_tag_keeps_its_spelling():
    assert _parse("2 uur coden #BugFix")["tags"] == ["BugFix"]


# (text with tags, the same text without them)
WITH_AND_WITHOUT = [
    ("2 uur #bugfix coden voor Timi", "2 uur coden voor Timi"),
    ("#klantwerk gisteren van 9 tot 12 coden voor Website",
     "gisteren van 9 tot 12 coden voor Website"),
    ("#intern 1h30 meeting about the redesign yesterday",
     "1h30 meeting about the redesign yesterday"),
    ("om 14:00 een uur overleg met Erik #sprint", "om 14:00 een uur overleg met Erik"),
    ("8 uur voor Timi gewerkt #thuis vanuit huis", "8 uur voor Timi gewerkt vanuit huis"),
    ("maandag #a anderhalf uur #b mockups voor cafe noord #c",
     "maandag anderhalf uur mockups voor cafe noord"),
]


@pytest.mark.parametrize(("tagged", "plain"), WITH_AND_WITHOUT)
def test_a_tag_does_not_change_the_reading_or_the_description(tagged, plain):
    got, want = _parse(tagged), _parse(plain)
    assert {k: got[k] for k in READING} == {k: want[k] for k in READING}, (got, want)
    assert _words(got["description"]) == _words(want["description"]), (got, want)
    assert got["tags"] and want["tags"] == [], got


@pytest.mark.parametrize("text", ["2 uur # Timi", "2 uur coden #", "# 2 uur Timi"])
def test_a_lone_hash_is_not_a_tag(text):
    got = _parse(text)
    assert got["tags"] == [], got
    assert got["duration"] == 7200, got


def test_a_lone_hash_does_not_hide_the_project():
    got = _parse("2 uur # Timi")
    assert got["project_id"] == 2, got


def test_each_entry_of_a_message_has_its_own_tags():
    entries = nlentry.parse_many("2 uur Timi #a\n1 uur Website #b #c", catalog=CATALOG,
                                 today=TODAY)
    assert [e.to_dict()["tags"] for e in entries] == [["a"], ["b", "c"]]
