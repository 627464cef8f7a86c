"""The README's library example runs and answers what the README shows.

Each statement of the ``python`` block that is followed by ``# <result>``
comment lines is evaluated and compared with that result; ``[...]`` in a
shown result stands for a value the README leaves out, a closing ``...}``
for keys it leaves out.
"""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def library_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Library") :]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def shown_results(block: str) -> list[tuple[str, str]]:
    """``(code, shown)`` for each statement followed by ``# result`` lines."""
    pairs, code, shown = [], [], []
    for line in block.splitlines():
        if line.startswith("# "):
            shown.append(line[2:])
            continue
        if shown:
            pairs.append(("\n".join(code), " ".join(shown)))
            code, shown = [], []
        code.append(line)
    if shown:
        pairs.append(("\n".join(code), " ".join(shown)))
    return pairs


def test_the_library_example_answers_what_it_shows():
    pairs = shown_results(library_block())
    assert len(pairs) == 3
    namespace: dict = {}
    for code, shown in pairs:
        *setup, last = ast.parse(code).body
        exec(compile(ast.Module(body=setup, type_ignores=[]), "README", "exec"), namespace)  # noqa: S102 (our own README)
        value = eval(compile(ast.Expression(last.value), "README", "eval"), namespace)
        shown = re.sub(r",\s*\.\.\.\}$", "}", shown).replace("[...]", "...")
        expected = eval(shown, {"datetime": datetime})
        if isinstance(expected, dict):
            assert set(expected) <= set(value), code
            expected = {k: v for k, v in expected.items() if v is not Ellipsis}
            value = {k: value[k] for k in expected}
        assert value == expected, code
