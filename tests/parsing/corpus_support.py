"""What the parser tests share: where the corpus lives, its today, its catalogs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from nlentry import Catalog

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
TODAY = dt.date(2026, 3, 18)  # a Wednesday, as in docs/parsing.md


def load_catalog(name: str = "catalog.json") -> Catalog:
    with open(CORPUS / name, encoding="utf-8") as fh:
        return Catalog.from_dict(json.load(fh))
