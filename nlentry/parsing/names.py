"""The project and service of an entry, from the catalog names in its tokens.

The longest name of each kind wins; equally long names of different items
are candidates (and an ``ambiguous`` warning). The cost is linear in the
names found, whatever the catalog: a phrase's items come as one shared tuple
(``Catalog.spans``), looked at once however often it is named.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlentry.parsing.catalog import Item
from nlentry.parsing.entry import Candidate, Entry, new_span
from nlentry.parsing.guesses import Guesses
from nlentry.parsing.tokenize import LexToken


def set_catalog(entry: Entry, tokens: Sequence[LexToken], others: list[int],
                guesses: Guesses) -> None:
    """Fill ``project_id``/``client_id``/``service_id`` or ``candidates`` of
    ``entry``, and a span per name found; ``others`` are the positions of the
    tokens outside time expressions (a name is always one of them)."""
    # kind -> [words in the longest name, {id of an items tuple: (tuple, first token)}]
    best: dict[str, list] = {}
    kinds_of: dict[int, tuple[str, ...]] = {}
    for i in others:
        token = tokens[i]
        items = token.items
        if not items:
            continue
        key = id(items)
        if len(items) == 1:
            kinds = (items[0].kind,)
        else:
            kinds = kinds_of.get(key)
            if kinds is None:
                kinds = kinds_of[key] = tuple(dict.fromkeys(item.kind for item in items))
        size = token.text.count(" ") + 1
        for kind in kinds:
            current = best.get(kind)
            if current is None or size > current[0]:
                best[kind] = [size, {key: (items, token)}]
            elif size == current[0]:
                current[1].setdefault(key, (items, token))
        # the span's text as written (a name may have punctuation inside: "Café - Noord")
        text = entry.text[token.start : token.end]
        for kind in kinds:
            entry.spans.append(new_span(kind, token.start, token.end, text))
    for kind, (_size, groups) in best.items():
        if len(groups) == 1:
            items = next(iter(groups.values()))[0]
            if len(items) == 1:  # the common case: one name, one item
                _choose(entry, kind, items[0])
                continue
        by_id: dict[int | str, Item] = {}
        for items, _token in groups.values():
            for item in items:
                if item.kind == kind:
                    by_id.setdefault(item.id, item)
        if len(by_id) == 1:
            _choose(entry, kind, next(iter(by_id.values())))
        else:
            entry.candidates[kind] = [Candidate(item.id, item.name) for item in by_id.values()]
            first = next(iter(groups.values()))[1]
            guesses.add("ambiguous", first)


def _choose(entry: Entry, kind: str, chosen: Item) -> None:
    if kind == "project":
        entry.project_id = chosen.id
        entry.client_id = chosen.client_id
    else:
        entry.service_id = chosen.id
