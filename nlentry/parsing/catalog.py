"""Projects and services, and finding them in a sentence by name or alias.

A name or alias matches by its normalised words (``words.normalize_name``):
case, accents and punctuation around it never matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlentry.parsing.words import normalize_name


@dataclass(frozen=True)
class Item:
    """A project or a service."""

    kind: str  # "project" or "service"
    id: int | str
    name: str
    client_id: int | str | None = None
    client_name: str | None = None


@dataclass
class Catalog:
    """Names and aliases of projects and services, indexed once for matching."""

    items: list[Item] = field(default_factory=list)
    # first word -> [(words, item)], longest phrase first
    _index: dict[str, list[tuple[tuple[str, ...], Item]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Catalog:
        """Build a catalog from ``{"projects": [...], "services": [...]}``.

        Projects are ``{"id", "name", "aliases": [...], "client": {"id", "name"} | None}``,
        services ``{"id", "name", "aliases": [...]}``, as the API's
        ``projects.json`` and ``services.json`` return them.
        """
        catalog = cls()
        data = data or {}
        for kind, key in (("project", "projects"), ("service", "services")):
            for raw in data.get(key) or ():
                client = raw.get("client") or {}
                item = Item(kind, raw["id"], raw["name"], client.get("id"), client.get("name"))
                catalog.add(item, [raw["name"], *(raw.get("aliases") or ())])
        return catalog

    def add(self, item: Item, names: Iterable[str]) -> None:
        """Add ``item`` under each of ``names``."""
        self.items.append(item)
        for name in names:
            key = normalize_name(name)
            if not key:
                continue
            words = tuple(key.split(" "))
            bucket = self._index.setdefault(words[0], [])
            if (words, item) not in bucket:
                bucket.append((words, item))
                bucket.sort(key=lambda entry: -len(entry[0]))

    def __len__(self) -> int:
        return len(self.items)

    def spans(self, words: Sequence[str]) -> list[tuple[int, int, tuple[Item, ...]]]:
        """The names in ``words`` (normalised), as ``(start, end, items)``: the
        items named by ``words[start:end]``, longest match first, left to right.

        A word belongs to one match only. Items that share the same longest
        phrase at a position are returned together in one match.
        """
        matches = []
        i, n = 0, len(words)
        index = self._index
        while i < n:
            bucket = index.get(words[i])
            if not bucket:
                i += 1
                continue
            best_len, best_items = 0, {}  # a dict: ordered, and a linear pass for many items
            for phrase, item in bucket:
                size = len(phrase)
                if size < best_len:
                    break
                # the bucket is keyed by the first word: one word always matches
                if size == 1 or tuple(words[i : i + size]) == phrase:
                    if size > best_len:
                        best_len, best_items = size, {}
                    best_items[item] = None
            if best_len:
                matches.append((i, i + best_len, tuple(best_items)))
                i += best_len
            else:
                i += 1
        return matches
