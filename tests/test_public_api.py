"""The public library API: ``nlentry.__all__`` is exactly what a library user
gets, every name in it exists, and the parser loads nothing of the service."""

from __future__ import annotations

import subprocess
import sys

import nlentry
import nlentry.parsing

EXPECTED = [
    "Candidate",
    "Catalog",
    "Entry",
    "Item",
    "Lexicon",
    "LocaleError",
    "ParseWarning",
    "Span",
    "WARNING_CODES",
    "__version__",
    "available_locales",
    "get_lexicon",
    "message",
    "parse",
    "parse_many",
    "warm_up",
]
PARSING = [
    "Candidate",
    "Catalog",
    "Entry",
    "Item",
    "Lexicon",
    "LocaleError",
    "ParseWarning",
    "Span",
    "WARNING_CODES",
    "available_locales",
    "format_hhmm",
    "get_lexicon",
    "message",
    "normalize_name",
    "parse",
    "parse_many",
    "phrase_words",
    "warm_up",
]
SERVICE = ("nlentry.api", "nlentry.storage", "nlentry.cli", "starlette", "sqlalchemy")


def test_all_is_exactly_the_public_names_sorted():
    assert sorted(nlentry.__all__) == EXPECTED
    # in ruff's order (RUF022): constants, then classes, then the rest, each sorted
    assert nlentry.__all__ == sorted(nlentry.__all__, key=_ruff_order)


def _ruff_order(name: str) -> tuple[int, str]:
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1 if name[0].isupper() else 2), name


def test_every_public_name_exists():
    for name in nlentry.__all__:
        assert getattr(nlentry, name, None) is not None, name
    assert isinstance(nlentry.__version__, str)


def test_the_library_names_are_those_of_nlentry_parsing():
    assert sorted(nlentry.parsing.__all__) == PARSING
    for name in nlentry.parsing.__all__:
        assert getattr(nlentry.parsing, name, None) is not None, name
    for name in set(EXPECTED) - {"__version__"}:
        assert getattr(nlentry, name) is getattr(nlentry.parsing, name), name


LOADED = """
import sys
import nlentry
{before}
assert nlentry.parse("2 uur").duration == 7200
service = {service!r}
print(",".join(sorted(m for m in sys.modules
                      if any(m == s or m.startswith(s + ".") for s in service))))
"""


def loaded_service_modules(before: str = "") -> list[str]:
    code = LOADED.format(before=before, service=SERVICE)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().split(",") if m]


def test_the_parser_imports_nothing_of_the_service():
    assert loaded_service_modules() == []


def test_the_check_sees_a_service_module():
    assert "starlette" in loaded_service_modules("import starlette")
