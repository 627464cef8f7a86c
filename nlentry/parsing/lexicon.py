"""Locale lexicons: the words of one language, loaded from ``locales/*.toml``.

A lexicon maps words and phrases to the roles the grammar knows (``HOUR``,
``FROM``, ``WEEKDAY``, ...) with a value where the role needs one (a number,
a day offset, a month). Adding a language means adding a TOML file; see
``docs/adding-a-locale.md``. A file is checked when it is loaded
(``nlentry.parsing.lexicon_check``): a file that is no usable locale raises
``LocaleError``.

A message is looked up in one way (``message``, ``Lexicon.message``): the
locale's own text, else the reference locale's (English), else the key.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from nlentry.parsing.data_files import data_dir
from nlentry.parsing.lexicon_check import REFERENCE_LOCALE, VALUE_TABLES, LocaleError, check
from nlentry.parsing.words import normalize_name, phrase_words

__all__ = [
    "LOCALE_PATH_ENV",
    "NAME_ROLES",
    "Lexicon",
    "LocaleError",
    "Sense",
    "all_lexicons",
    "available_locales",
    "get_lexicon",
    "is_time_word",
    "locale_dirs",
    "message",
]

#: Environment variable with extra locale directories (``os.pathsep`` separated).
LOCALE_PATH_ENV = "NLENTRY_LOCALE_PATH"


@dataclass(frozen=True, slots=True)
class Sense:
    """What a lexicon phrase means: a grammar role and its value. The value of
    ``HALF`` is the locale's ``half_hour`` (how it counts half hours)."""

    role: str
    value: Any = None


@dataclass
class Lexicon:
    """The words of one locale."""

    code: str
    name: str
    half_hour: str  # "next": "half 9" is 08:30; "this": "half nine" is 09:30
    fillers: frozenset[str]
    messages: dict[str, str]
    # first word -> [(phrase words, sense)], longest phrase first
    phrases: dict[str, list[tuple[tuple[str, ...], Sense]]] = field(repr=False)
    path: Path | None = None
    #: every word that appears in a phrase or is a filler
    known: frozenset[str] = field(default=frozenset(), repr=False)
    #: a sentence of this locale that parses (``warm_up`` reads it)
    example: str = ""
    #: the hour unit is also the clock mark (Dutch ``8 uur 's avonds`` is 20:00)
    clock_hour: bool = False
    #: words between two entries of one message (``en``, ``daarna``): ``parse_many``
    separators: frozenset[str] = frozenset()
    #: words that open a part for all entries (``alles voor Timi``): ``parse_many``
    closing: frozenset[str] = frozenset()
    #: ``[chat]``: a chat command (``undo``) -> the words that name it, as written
    #: (``("ongedaan", "herstel")``): ``nlentry.chat.commands``
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    #: word -> (role, value, is a filler) for the words that are a one-word
    #: phrase and start no longer one: what the tokenizer reads without a look
    #: ahead (derived from ``phrases``)
    singles: dict[str, tuple[str, Any, bool]] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    #: how each word read so far reads alone in this lexicon, by its text
    #: (``nlentry.parsing.tokenize`` fills it; a word's role never changes)
    readings: dict[str, Any] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    #: what is derived from the phrases once, by its key (the typo index of
    #: ``nlentry.parsing.guesses``, ``shortest``)
    derived: dict[Any, Any] = field(init=False, default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for word, bucket in self.phrases.items():
            if all(len(phrase) == 1 for phrase, _ in bucket):
                sense = bucket[0][1]
                self.singles[word] = (sense.role, sense.value, word in self.fillers)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Lexicon:
        """Load and check a locale file; ``LocaleError`` if it is no usable locale."""
        path = Path(path)
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        lexicon = cls.from_dict(data, source=str(path))
        lexicon.path = path
        return lexicon

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "<dict>") -> Lexicon:
        """A lexicon from the tables of a locale file, checked first
        (``LocaleError`` names ``source`` and the wrong key)."""
        check(data, source)
        meta = data["locale"]
        half_hour = meta.get("half_hour", "next")
        phrases: dict[str, list[tuple[tuple[str, ...], Sense]]] = {}

        def add(phrase: str, sense: Sense) -> None:
            words = phrase_words(phrase)
            if words:
                phrases.setdefault(words[0], []).append((words, sense))

        for role, words in data.get("roles", {}).items():
            sense = Sense(role, half_hour if role == "HALF" else None)
            for word in words:
                add(word, sense)
        for table, role in VALUE_TABLES.items():
            for word, value in data.get(table, {}).items():
                sense_role = role
                if role == "CLOCKWORD":
                    value = dt.time.fromisoformat(value)
                elif isinstance(value, list):  # [day, part of the day]: vanavond
                    value = tuple(value)
                elif role == "NUM" and value != int(value):  # anderhalf: an amount only
                    sense_role = "FRACTION"
                add(word, Sense(sense_role, value))
        for bucket in phrases.values():
            bucket.sort(key=lambda entry: -len(entry[0]))
        many = data.get("many", {})
        separators, closing = (
            frozenset(w for word in many.get(key, []) for w in phrase_words(word))
            for key in ("separators", "closing")
        )
        fillers = frozenset(
            w for phrase in data.get("fillers", {}).get("words", []) for w in phrase_words(phrase)
        ) | separators | closing
        return cls(
            code=meta["code"],
            name=meta.get("name", meta["code"]),
            half_hour=half_hour,
            fillers=fillers,
            messages=dict(data.get("messages", {})),
            phrases=phrases,
            known=fillers.union(*(p for bucket in phrases.values() for p, _ in bucket)),
            example=meta.get("example", ""),
            clock_hour=meta.get("clock_hour", False),
            separators=separators,
            closing=closing,
            commands={name: tuple(words) for name, words in data.get("chat", {}).items()},
        )

    def message(self, key: str) -> str:
        """A user-facing message in this locale (see ``message``)."""
        return _message(self, key)

    def shortest(self, role: str) -> str | None:
        """The shortest one-word phrase of ``role`` (``u`` for ``HOUR`` in
        Dutch), the first listed of equally short ones; ``None`` if none."""
        key = ("shortest", role)
        if key not in self.derived:
            found = [words[0] for bucket in self.phrases.values() for words, sense in bucket
                     if sense.role == role and len(words) == 1]
            self.derived[key] = min(found, key=len) if found else None
        return self.derived[key]


def locale_dirs() -> tuple[Path, ...]:
    """Directories searched for ``<code>.toml``, extra ones first."""
    return _dirs(_extra_dirs())


# ``os.environ.get`` of an unset variable raises and catches two KeyErrors
# (about a microsecond, on every parse); CPython's ``os.environ`` keeps its
# data in a plain dict that a lookup can read directly. Changes made through
# ``os.environ`` (``monkeypatch.setenv``) are seen either way.
_ENVIRON_DATA = getattr(os.environ, "_data", None)
try:
    _ENV_KEY = os.environ.encodekey(LOCALE_PATH_ENV)  # type: ignore[attr-defined]
except AttributeError:  # not CPython's os.environ
    _ENVIRON_DATA = None


def _extra_dirs() -> str:
    if (
        type(_ENVIRON_DATA) is dict
        and _ENVIRON_DATA is getattr(os.environ, "_data", None)
        and _ENV_KEY not in _ENVIRON_DATA
    ):
        return ""
    return os.environ.get(LOCALE_PATH_ENV, "")


@cache
def _dirs(extra: str) -> tuple[Path, ...]:
    return (*(Path(p) for p in extra.split(os.pathsep) if p), data_dir("locales"))


def available_locales() -> list[str]:
    """Codes of every locale on the search path, in a stable order."""
    return [lexicon.code for lexicon in all_lexicons()]


@cache
def _load(code: str, dirs: tuple[Path, ...]) -> Lexicon:
    for directory in dirs:
        path = directory / f"{code}.toml"
        if path.is_file():
            return Lexicon.from_file(path)
    raise LookupError(f"unknown locale {code!r}")


def get_lexicon(code: str) -> Lexicon:
    """The lexicon for ``code`` (``nl``, ``en``, ...); ``LookupError`` if unknown."""
    return _load(code, locale_dirs())


def message(locale: str, key: str) -> str:
    """A user-facing message in ``locale`` (an unknown locale has none of its
    own): its text, else the reference locale's (English), else the key in
    words (``not_found`` -> ``not found``)."""
    try:
        lexicon = get_lexicon(locale)
    except LookupError:
        lexicon = None
    return _message(lexicon, key)


def _message(lexicon: Lexicon | None, key: str) -> str:
    """The one fallback of a message: ``lexicon``, the reference locale, the key."""
    if lexicon is not None and key in lexicon.messages:
        return lexicon.messages[key]
    try:
        reference = get_lexicon(REFERENCE_LOCALE)
    except LookupError:
        reference = None
    if reference is not None and key in reference.messages:
        return reference.messages[key]
    return key.replace("_", " ")


def all_lexicons() -> tuple[Lexicon, ...]:
    """Every locale on the search path (what ``locale="auto"`` reads with)."""
    return _all(_dirs(_extra_dirs()))


@cache
def _all(dirs: tuple[Path, ...]) -> tuple[Lexicon, ...]:
    codes: dict[str, None] = {}
    for directory in dirs:
        for path in sorted(directory.glob("*.toml")):
            codes.setdefault(path.stem, None)
    return tuple(_load(code, dirs) for code in codes)


#: Roles whose words a catalog name may take for itself: a month is also a
#: person (``met Jan``). Every other phrase of a lexicon keeps its time
#: meaning, even when a project or alias has it as its name.
NAME_ROLES = frozenset({"MONTH"})


def is_time_word(name: str) -> bool:
    """Whether ``name`` is, whole, a word or phrase of the time grammar (``uur``,
    ``gisteren``, ``half an hour``) in any installed locale, a month aside: the
    parser never reads it as the name, so as an alias it would never match."""
    words = tuple(normalize_name(name).split())
    return bool(words) and any(
        phrase == words and sense.role not in NAME_ROLES
        for lexicon in all_lexicons()
        for phrase, sense in lexicon.phrases.get(words[0], ())
    )
