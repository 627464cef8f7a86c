"""The docs stay true of the tree: every file or folder they name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
# a backticked path into the repository: `nlentry/api/pipeline.py`, `tests/live/`, ...
CITED = re.compile(r"`((?:nlentry|tests|scripts|bench|docs|grammar|locales|\.ci)/[\w./-]*)"
                   r"(?:::[\w\[\]-]+)?`")


def cited_paths(text: str) -> list[str]:
    return [match.group(1) for match in CITED.finditer(text)]


def test_the_pattern_finds_paths():
    text = "see `nlentry/api/app.py`, `tests/live/` and `tests/api/test_timer.py::test_x`"
    assert cited_paths(text) == ["nlentry/api/app.py", "tests/live/", "tests/api/test_timer.py"]


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_cited_path_exists(doc):
    text = doc.read_text(encoding="utf-8")
    # nlentry/grammar and nlentry/locales are where the wheel puts grammar/ and locales/
    missing = [p for p in cited_paths(text)
               if not (REPO / p).exists() and not p.startswith(("nlentry/grammar", "nlentry/locales"))]
    assert missing == []
