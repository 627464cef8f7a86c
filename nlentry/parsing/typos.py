"""Words that are probably typos of a catalog name or a time word.

An index of every target word and of each of its one-letter deletions (the
"symmetric delete" method): a word is a candidate for a target when the two
share the word itself or one deletion, which covers one letter inserted,
dropped, changed, or two letters swapped. A candidate is confirmed with
``rapidfuzz``'s optimal string alignment distance (at most 1). A lookup
costs a few dictionary probes per letter of the word, whatever the size of
the catalog or lexicon.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import OSA

#: Words shorter than this are never called typos (too many near misses).
MIN_TYPO_LENGTH = 4
#: A target shorter than this is never suggested.
MIN_TARGET_LENGTH = 3
# How many answers an index keeps; then it starts again.
_CACHE_MAX = 10_000


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class TypoIndex:
    """Targets (normalised words) and what to suggest for each."""

    def __init__(self, targets: Iterable[tuple[str, str]]) -> None:
        self._suggestion: dict[str, str] = {}
        self._by_delete: dict[str, list[str]] = {}
        self._cache: dict[str, str | None] = {}
        for word, suggestion in targets:
            if len(word) < MIN_TARGET_LENGTH or word in self._suggestion:
                continue
            self._suggestion[word] = suggestion
            for variant in _deletes(word):
                self._by_delete.setdefault(variant, []).append(word)

    def __len__(self) -> int:
        return len(self._suggestion)

    def suggest(self, word: str) -> str | None:
        """What ``word`` (normalised, and no target itself) probably means, or ``None``."""
        if len(word) < MIN_TYPO_LENGTH or word in self._suggestion:
            return None
        cache = self._cache
        if word in cache:
            return cache[word]
        found = self._find(word)
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[word] = found
        return found

    def _find(self, word: str) -> str | None:
        candidates = list(self._by_delete.get(word, ()))  # a letter dropped
        for variant in _deletes(word):
            if variant in self._suggestion:  # a letter added
                candidates.append(variant)
            candidates.extend(self._by_delete.get(variant, ()))  # changed or swapped
        best = None
        for target in candidates:
            if OSA.distance(word, target, score_cutoff=1) <= 1 and (best is None or target < best):
                best = target
        return None if best is None else self._suggestion[best]
