"""Where the grammar and locale files live.

In a wheel they are installed inside the package (``nlentry/grammar``,
``nlentry/locales``); in a source checkout they sit beside the package at the
top of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # the nlentry package


@cache
def data_dir(name: str) -> Path:
    """Return the directory ``name`` (``grammar`` or ``locales``)."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"nlentry data directory {name!r} not found")
