"""Projects and services, and finding them in a sentence by name or alias.

A name or alias matches by its normalised words (``words.normalize_name``):
case, accents and punctuation around it never matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlentry.parsing.lexicon import is_time_word
from nlentry.parsing.words import normalize_name


@dataclass(frozen=True)
class Item:
    """A project or a service."""

    kind: str  # "project" or "service"
    id: int | str
    name: str
    client_id: int | str | None = None
    client_name: str | None = None
    #: a project's billable default, when the catalog's source gives one (the parser
    #: never reads it; a service that uses the catalog may)
    billable: bool | None = field(default=None, compare=False)


class _Group:
    """The items one phrase names, in the order they were added; ``items`` is
    built once and shared by every match of the phrase, so a thousand items
    with one name cost one tuple, not a thousand per mention."""

    __slots__ = ("_items", "_tuple", "phrase")

    def __init__(self, phrase: tuple[str, ...]) -> None:
        self.phrase = phrase
        self._items: dict[Item, None] = {}
        self._tuple: tuple[Item, ...] | None = None

    def add(self, item: Item) -> None:
        if item not in self._items:
            self._items[item] = None
            self._tuple = None

    @property
    def items(self) -> tuple[Item, ...]:
        if self._tuple is None:
            self._tuple = tuple(self._items)
        return self._tuple


@dataclass
class Catalog:
    """Names and aliases of projects and services, indexed once for matching.

    Matching is linear in the sentence and independent of how many items
    share a name: the index holds one group per distinct phrase."""

    items: list[Item] = field(default_factory=list)
    # a trie of the phrases: word -> node; a node's ``None`` key holds the group
    # of the phrase that ends there
    _trie: dict = field(default_factory=dict, repr=False)
    _names: list[tuple[Item, str]] = field(default_factory=list, repr=False)
    # what is derived from the names (``cache``), dropped when one is added
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Catalog:
        """Build a catalog from ``{"projects": [...], "services": [...]}``.

        Projects are ``{"id", "name", "aliases": [...], "client": {"id", "name"} | None}``
        (and an optional ``billable``), services ``{"id", "name", "aliases": [...]}``, as the API's
        ``projects.json`` and ``services.json`` return them.
        """
        catalog = cls()
        data = data or {}
        for kind, key in (("project", "projects"), ("service", "services")):
            for raw in data.get(key) or ():
                client = raw.get("client") or {}
                item = Item(kind, raw["id"], raw["name"], client.get("id"), client.get("name"),
                            raw.get("billable"))
                catalog.add(item, [raw["name"], *(raw.get("aliases") or ())])
        return catalog

    def add(self, item: Item, names: Iterable[str]) -> None:
        """Add ``item`` under each of ``names``."""
        self._derived.clear()
        self.items.append(item)
        for name in names:
            key = normalize_name(name)
            if not key:
                continue
            self._names.append((item, name))
            words = tuple(key.split(" "))
            node = self._trie
            for word in words:
                node = node.setdefault(word, {})
            group = node.get(None)
            if group is None:
                group = node[None] = _Group(words)
            group.add(item)

    def __len__(self) -> int:
        return len(self.items)

    def names(self) -> list[tuple[Item, str]]:
        """Every ``(item, name or alias)`` as given, in the order added."""
        return list(self._names)

    def cached(self, key: str) -> Any:
        """What ``cache`` kept under ``key`` since the last ``add``, or ``None``."""
        return self._derived.get(key)

    def cache(self, key: str, value: Any) -> Any:
        """Keep ``value``, derived from the names, under ``key`` until the next ``add``."""
        self._derived[key] = value
        return value

    def time_words(self) -> list[tuple[Item, str]]:
        """The ``(item, name or alias)`` whose name is a word of the time
        vocabulary of an installed locale (``Uur``, ``gisteren``): the parser
        reads such a word as time, never as the name, so the service refuses
        such an alias and warns about such a project or service name."""
        return [(item, name) for item, name in self._names if is_time_word(name)]

    def phrases(self) -> Iterator[tuple[tuple[str, ...], tuple[Item, ...]]]:
        """Every distinct normalised phrase and the items it names."""
        stack = [self._trie]
        while stack:
            node = stack.pop()
            for word, child in node.items():
                if word is None:
                    yield child.phrase, child.items
                else:
                    stack.append(child)

    def spans(self, words: Sequence[str]) -> list[tuple[int, int, tuple[Item, ...]]]:
        """The names in ``words`` (normalised), as ``(start, end, items)``: the
        items named by ``words[start:end]``, longest match first, left to right.

        A word belongs to one match only. Items that share the same longest
        phrase at a position are returned together in one match (the same
        tuple each time that phrase matches). The cost is the number of words
        times the length of the longest phrase, whatever the catalog holds.
        """
        matches = []
        i, n = 0, len(words)
        trie = self._trie
        while i < n:
            node = trie.get(words[i])
            if node is None:
                i += 1
                continue
            best, j = None, i + 1
            if None in node:
                best = (j, node[None])
            while j < n:
                node = node.get(words[j])
                if node is None:
                    break
                j += 1
                if None in node:
                    best = (j, node[None])
            if best is None:
                i += 1
                continue
            end, group = best
            matches.append((i, end, group.items))
            i = end
        return matches
