"""Finding project and service names in a sentence (``nlentry/parsing/catalog.py``)."""

from __future__ import annotations

from nlentry import Catalog, Item
from nlentry.parsing import normalize_name, phrase_words
from nlentry.parsing.words import split

CATALOG = Catalog.from_dict({
    "projects": [
        {"id": 1, "name": "Website", "aliases": ["site"], "client": {"id": 7, "name": "Acme"}},
        {"id": 2, "name": "Website Redesign", "aliases": [], "client": None},
        {"id": 3, "name": "Café Noord", "aliases": ["klant"], "client": None},
        {"id": 4, "name": "Beta", "aliases": ["klant", "KLANT!"], "client": None},
    ],
    "services": [{"id": 9, "name": "Design", "aliases": ["site"]}],
})


def norms(text: str) -> list[str]:
    return [w.norm for w in split(text) if w.kind != "punct"]


def found(text: str) -> list[tuple[int, int, list[tuple[str, int]]]]:
    return [(start, end, [(i.kind, i.id) for i in items])
            for start, end, items in CATALOG.spans(norms(text))]


def test_from_dict_keeps_every_item_and_its_client():
    assert len(CATALOG) == 5
    website = CATALOG.items[0]
    assert website == Item("project", 1, "Website", 7, "Acme")
    assert len(Catalog.from_dict(None)) == 0


def test_the_longest_match_wins():
    assert found("redesign van de website redesign") == [(3, 5, [("project", 2)])]
    assert found("website") == [(0, 1, [("project", 1)])]


def test_a_word_belongs_to_one_match_left_to_right():
    assert found("website website redesign") == [(0, 1, [("project", 1)]),
                                                 (1, 3, [("project", 2)])]


def test_a_tie_gives_every_item_of_it():
    assert found("2 uur klant") == [(2, 3, [("project", 3), ("project", 4)])]
    assert found("site") == [(0, 1, [("project", 1), ("service", 9)])]


def test_an_item_named_twice_the_same_way_is_one_item():
    # "klant" and "KLANT!" are the same key for Beta
    assert [i.id for _, _, items in CATALOG.spans(["klant"]) for i in items] == [3, 4]


def test_case_accents_and_punctuation_do_not_matter():
    assert found("CAFE noord") == [(0, 2, [("project", 3)])]
    assert found("(café NOORD!)") == [(0, 2, [("project", 3)])]
    assert found("cafe") == []


def test_names_without_words_are_ignored():
    catalog = Catalog()
    catalog.add(Item("project", 5, "!!"), ["!!", "", "   "])
    assert len(catalog) == 1  # the item is there, but no name finds it
    assert catalog.spans(["!!"]) == catalog.spans([""]) == []
    catalog.add(Item("project", 6, "&"), ["&"])  # punctuation the grammar reads is a word
    assert catalog.spans(["&"]) == [(0, 1, (Item("project", 6, "&"),))]


def test_normalize_name_is_the_key_names_match_by():
    assert normalize_name("  Café   Noord! ") == "cafe noord"
    assert normalize_name("Website-Redesign") == "website redesign"
    assert normalize_name("TWEEËNHALF") == "tweeenhalf"
    assert normalize_name("") == ""
    assert normalize_name("Project 2000") == " ".join(phrase_words("Project 2000"))


def test_many_items_of_one_name_cost_a_linear_pass(monkeypatch):
    """A thousand projects named alike, named 99 times: every one a candidate, and the
    matching compares items by hash, not each with each (it was quadratic: 18 s)."""
    from nlentry import parse

    catalog = Catalog.from_dict(
        {"projects": [{"id": i, "name": "Acme", "client": None} for i in range(1000)]}
    )
    compared = {"n": 0}
    equal = Item.__eq__

    def counting_eq(self, other):
        compared["n"] += 1
        return equal(self, other)

    monkeypatch.setattr(Item, "__eq__", counting_eq)
    entry = parse(" ".join(["acme"] * 99) + " 2 uur", catalog=catalog, locale="nl")
    assert entry.duration == 7200 and entry.project_id is None
    assert [c.id for c in entry.candidates["project"]] == list(range(1000))
    assert compared["n"] < 10_000  # a pairwise check would be ~50 million


def test_a_name_written_with_punctuation_inside_spans_the_text_as_written():
    from nlentry import parse

    catalog = Catalog.from_dict({"projects": [{"id": 13, "name": "Café Noord", "client": None}]})
    entry = parse("2 uur Café - Noord", catalog=catalog, locale="nl")
    assert entry.project_id == 13
    span = next(s for s in entry.spans if s.kind == "project")
    assert (span.start, span.end, span.text) == (6, 18, "Café - Noord")


def test_matching_does_no_work_per_item_of_a_shared_name():
    # the shape of the algorithm, not its milliseconds (those are in bench/parse_bench.py):
    # a thousand projects with one name are one phrase, and every mention of it gives the
    # same tuple of items, so no step of matching or composing visits them one by one
    catalog = Catalog.from_dict({"projects": [{"id": i, "name": "Same"} for i in range(1000)]})
    assert len(list(catalog.phrases())) == 1
    found = catalog.spans(["same"] * 99)
    assert len(found) == 99
    first = found[0][2]
    assert len(first) == 1000 and all(items is first for _, _, items in found)


def test_matching_visits_each_word_at_most_the_longest_phrase_long():
    # a trie of the phrases: at each position the walk stops at the longest name's length,
    # however many names share their first words
    catalog = Catalog.from_dict({"projects": [{"id": i, "name": f"Client {i}"} for i in range(1000)]})
    visited = []

    class Counting(list):
        def __getitem__(self, index):
            visited.append(index)
            return super().__getitem__(index)

    words = Counting(["client", "7", "client", "999", "x"] * 20)
    found = catalog.spans(words)
    assert [(s, e) for s, e, _ in found][:2] == [(0, 2), (2, 4)]
    assert len(visited) <= 2 * len(words)  # one look at a word, and one past a name


def test_an_invisible_character_inside_a_word_does_not_hide_a_name():
    # a zero-width space or joiner pasted inside a word: the same word, the same alias
    from nlentry import parse

    catalog = Catalog.from_dict({"projects": [{"id": 2, "name": "Timi", "aliases": ["Rowan"]}]})
    for text in ("2 uur Ro\u200bwan", "2 uur Ti\u200dmi", "2 uur \ufeffTimi", "2 u\u200bur Timi"):
        entry = parse(text, catalog=catalog, locale="nl", today="2026-03-18")
        assert (entry.project_id, entry.duration) == (2, 7200), text
        for span in entry.spans:
            assert text[span.start:span.end] == span.text
