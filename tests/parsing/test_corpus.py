"""The corpus under tests/corpus/: one test per sentence, expectations from docs/parsing.md.

Each line of every ``*.jsonl`` there (``nl.jsonl``, ``en.jsonl``, and
``nl_rules.jsonl``/``en_rules.jsonl`` for the rules of the extended spec) is ``{"text", "expect", ["today"], ["locale"],
["default_locale"], ["catalog"]}``. Only the keys present in ``expect`` are checked;
``errors`` lists exactly the fields that must have errors, ``candidates`` maps a
kind to the ids that must be offered (in any order).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nlentry import parse
from tests.parsing.corpus_support import CORPUS, TODAY, load_catalog

_CATALOGS: dict = {}


def _load(name: str) -> list[dict]:
    with open(CORPUS / f"{name}.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


CASES = {path.stem: _load(path.stem) for path in sorted(CORPUS.glob("*.jsonl"))}


def _params():
    for name, cases in CASES.items():
        for number, case in enumerate(cases, 1):
            label = case["text"][:60].replace(" ", "_") or "empty"
            yield pytest.param(case, id=f"{name}-{number:03d}-{label}")


def _catalog(name: str):
    if name not in _CATALOGS:
        _CATALOGS[name] = load_catalog(name)
    return _CATALOGS[name]


def run(case: dict) -> dict:
    today = dt.date.fromisoformat(case["today"]) if "today" in case else TODAY
    entry = parse(
        case["text"],
        catalog=_catalog(case.get("catalog", "catalog.json")),
        locale=case.get("locale", "auto"),
        today=today,
        default_locale=case.get("default_locale", "nl"),
    )
    return entry.to_dict()


@pytest.mark.parametrize("case", list(_params()))
def test_case(case):
    got = run(case)
    json.dumps(got)  # plain JSON types
    for span in got["spans"]:
        assert case["text"][span["start"] : span["end"]] == span["text"], span
    problems = []
    for key, want in case["expect"].items():
        if key == "errors":
            have = sorted(got["errors"])
            for messages in got["errors"].values():
                assert messages and all(isinstance(m, str) and m for m in messages)
        elif key == "candidates":
            want = {kind: sorted(ids) for kind, ids in want.items()}
            have = {kind: sorted(c["id"] for c in items)
                    for kind, items in got["candidates"].items() if items}
        else:
            have = got[key]
        if key == "errors":
            want = sorted(want)
        if have != want:
            problems.append(f"{key}: expected {want!r}, got {have!r}")
    assert not problems, f"{case['text']!r}: " + "; ".join(problems) + f"\nfull: {got}"


def test_corpus_size_and_balance():
    # per language (the file name's part before "_"): large, and half and half
    counts: dict[str, int] = {}
    for name, cases in CASES.items():
        language = name.split("_")[0]
        counts[language] = counts.get(language, 0) + len(cases)
    total = sum(counts.values())
    assert sorted(counts) == ["en", "nl"] and total >= 1000, counts
    for count in counts.values():
        assert count >= 0.4 * total, counts
    # the extended spec's rules: at least 400 cases of their own
    assert len(CASES["nl_rules"]) + len(CASES["en_rules"]) >= 400


def test_corpus_cases_are_well_formed():
    allowed = {"duration", "date", "start_time", "end_time", "project_id", "service_id",
               "client_id", "locale", "description", "errors", "candidates"}
    texts = set()
    for locale, cases in CASES.items():
        for case in cases:
            assert set(case) <= {"text", "expect", "today", "locale", "default_locale",
                                 "catalog"}, case
            assert case["expect"] and set(case["expect"]) <= allowed, case
            key = (case["text"], case.get("today"), case.get("locale"),
                   case.get("default_locale"), case.get("catalog"))
            assert key not in texts, f"duplicate case {case['text']!r} in {locale}"
            texts.add(key)
