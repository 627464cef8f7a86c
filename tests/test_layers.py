"""The direction of imports: parsing <- storage <- api <- cli, checked on the source.

``nlentry.parsing`` is the pure library (no web, no database); ``nlentry.storage``
knows no HTTP; ``nlentry.api`` holds no SQL (its modules may name SQLAlchemy
types only for type checking).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nlentry"

FORBIDDEN = {
    "parsing": ("nlentry.api", "nlentry.storage", "nlentry.cli", "starlette", "sqlalchemy"),
    "storage": ("nlentry.api", "nlentry.cli", "starlette"),
    "api": ("sqlalchemy", "nlentry.cli"),
    # the conversation of a chat: no platform, no HTTP, no database (it calls the API)
    "chat": ("nlentry.api", "nlentry.storage", "nlentry.cli", "starlette", "sqlalchemy"),
    # the web page's files: served, knowing no API, no database and no chat
    "web": ("nlentry.api", "nlentry.storage", "nlentry.cli", "nlentry.chat", "sqlalchemy"),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Modules imported by ``path``, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, _absolute(path, node)))
    return found


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module an ``import from`` names, a relative one resolved from ``path``."""
    if node.level == 0:
        return node.module or ""
    package = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = package[: len(package) - node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_lies_below_it(layer):
    assert _modules(layer), f"no modules in nlentry/{layer}"
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in _modules(layer)
        for line, name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer])
    ]
    assert wrong == []


def test_the_checker_sees_a_forbidden_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sqlalchemy\n"
                      "from sqlalchemy import select\n")
    assert _imports(module) == [(1, "typing"), (4, "sqlalchemy")]


def test_the_checker_resolves_a_relative_import():
    module = PACKAGE / "parsing" / "example.py"  # not read: only its place counts
    node = ast.parse("from ..storage import models").body[0]
    assert _absolute(module, node) == "nlentry.storage"


def test_no_module_is_over_600_lines():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}
