"""The shape of a locale file, checked when it is loaded.

``check(data, source)`` refuses, with a ``LocaleError`` naming the file and
the key, what would otherwise be silently ignored or fail deep inside a
parse: an unknown table or ``[locale]`` key, a role the grammar has no
terminal for, a phrase under two different roles or values, a value a table
cannot hold (a ``clock_words`` entry that is not ``HH:MM``), a message key
that the reference locale (``en.toml``) does not have, a missing
``[locale] code``, a ``[chat]`` command that does not exist or a word under two
commands. The roles a file may use are the terminals of
``grammar/entry.lark``, read from the grammar file.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from functools import cache
from typing import Any

from nlentry.parsing.data_files import data_dir
from nlentry.parsing.pieces import DAY_DURATIONS
from nlentry.parsing.words import phrase_words

#: The locale whose ``[messages]`` keys are all the keys there are, and that a
#: message falls back to.
REFERENCE_LOCALE = "en"

#: Table of values in a locale file -> grammar role of its phrases.
VALUE_TABLES = {
    "numbers": "NUM",  # a number that is no whole number is a FRACTION (anderhalf)
    "ordinals": "ORDINAL",
    "durations": "DUR",
    "days": "RELDAY",
    "weekdays": "WEEKDAY",
    "weak_weekdays": "WEAKDAY",
    "months": "MONTH",
    "clock_words": "CLOCKWORD",
}
#: Every table a locale file may have.
TABLES = frozenset({"locale", "roles", *VALUE_TABLES, "fillers", "many", "messages", "chat"})
#: The keys of ``[many]`` (how ``parse_many`` cuts a message), each a list of words.
MANY_KEYS = frozenset({"separators", "closing"})
#: The commands of a chat (``nlentry.chat``): the keys of ``[chat]``, each a list of
#: the one-word names a user may type for it (``undo = ["ongedaan", "herstel"]``).
CHAT_COMMANDS = frozenset(
    {"start", "stop", "status", "undo", "today", "week", "help", "project", "service"}
)
#: The keys of ``[locale]``; ``code`` is required.
LOCALE_KEYS = frozenset({"code", "name", "half_hour", "example", "clock_hour"})
#: The parts of the day a day word may name with its day (``vanavond = [0, "pm"]``).
DAY_PARTS = frozenset({"am", "pm", "night"})
#: ``half_hour``: ``"next"`` (``half 9`` is 08:30) or ``"this"`` (09:30).
HALF_HOUR = frozenset({"next", "this"})

_HHMM = re.compile(r"\d\d:\d\d")
# "%declare A B C" lines and "NAME: ..." terminal definitions of a Lark grammar
_DECLARE = re.compile(r"^%declare\s+(.+)$", re.MULTILINE)
_TERMINAL = re.compile(r"^([A-Z][A-Z0-9_]*)(?:\.\d+)?\s*:", re.MULTILINE)


class LocaleError(ValueError):
    """A locale file that cannot be used; ``source`` is the file, ``key`` the
    table or entry that is wrong (``[roles] HOURZ``)."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


@cache
def grammar_terminals() -> frozenset[str]:
    """The terminals of ``grammar/entry.lark``: the roles a word may have."""
    source = (data_dir("grammar") / "entry.lark").read_text(encoding="utf-8")
    declared = {name for line in _DECLARE.findall(source) for name in line.split()}
    return frozenset(declared | set(_TERMINAL.findall(source)))


@cache
def reference_messages() -> frozenset[str]:
    """The message keys of the shipped reference locale file (``en.toml``)."""
    path = data_dir("locales") / f"{REFERENCE_LOCALE}.toml"
    with path.open("rb") as fh:
        return frozenset(tomllib.load(fh).get("messages", {}))


class _Bad(Exception):
    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem


def check(data: dict[str, Any], source: str) -> None:
    """Raise ``LocaleError`` if ``data`` (a parsed locale file, read from
    ``source``) is no usable locale."""
    try:
        _check(data)
    except _Bad as bad:
        raise LocaleError(source, bad.key, bad.problem) from None


def _check(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - TABLES)
    if unknown:
        raise _Bad(f"[{unknown[0]}]", f"no such table (the tables are {', '.join(sorted(TABLES))})")
    for table in TABLES & set(data):
        if not isinstance(data[table], dict):
            raise _Bad(f"[{table}]", "must be a table")
    _check_locale(data.get("locale"))
    _check_phrases(data)
    fillers = data.get("fillers", {})
    extra = sorted(set(fillers) - {"words"})
    if extra:
        raise _Bad(f"[fillers] {extra[0]}", "no such key (the filler words go in [fillers] words)")
    _strings(fillers.get("words", []), "[fillers] words")
    many = data.get("many", {})
    extra = sorted(set(many) - MANY_KEYS)
    if extra:
        raise _Bad(f"[many] {extra[0]}", f"no such key (the keys are {', '.join(sorted(MANY_KEYS))})")
    for key, words in many.items():
        for word in _strings(words, f"[many] {key}"):
            if len(phrase_words(word)) != 1:
                raise _Bad(f"[many] {key}", f"{word!r} is not one word")
    _check_chat(data.get("chat", {}))
    known = reference_messages()
    for key, text in data.get("messages", {}).items():
        if key not in known:
            raise _Bad(f"[messages] {key}",
                 f"no such message in {REFERENCE_LOCALE}.toml, the reference locale")
        if not isinstance(text, str) or not text.strip():
            raise _Bad(f"[messages] {key}", "must be a text")


def _check_chat(commands: dict[str, Any]) -> None:
    """``[chat]``: known commands, each a list of single words; a word names one command."""
    extra = sorted(set(commands) - CHAT_COMMANDS)
    if extra:
        raise _Bad(
            f"[chat] {extra[0]}",
            f"no such command (the commands are {', '.join(sorted(CHAT_COMMANDS))})",
        )
    seen: dict[tuple[str, ...], str] = {}
    for command, words in commands.items():
        where = f"[chat] {command}"
        for word in _strings(words, where):
            key = phrase_words(word)
            if len(key) != 1 or word.split() != [word]:
                raise _Bad(where, f"{word!r} is not one word")
            if seen.setdefault(key, command) != command:
                raise _Bad(
                    where, f"{word!r} is also under [chat] {seen[key]}: a word names one command"
                )


def _check_locale(meta: dict[str, Any] | None) -> None:
    if meta is None:
        raise _Bad("[locale]", "missing: a locale file needs [locale] code")
    unknown = sorted(set(meta) - LOCALE_KEYS)
    if unknown:
        raise _Bad(f"[locale] {unknown[0]}",
             f"no such key (the keys are {', '.join(sorted(LOCALE_KEYS))})")
    if "code" not in meta:
        raise _Bad("[locale] code", "missing")
    for key in ("code", "name", "example"):
        if key in meta and (not isinstance(meta[key], str) or not meta[key].strip()):
            raise _Bad(f"[locale] {key}", "must be a text")
    if "clock_hour" in meta and not isinstance(meta["clock_hour"], bool):
        raise _Bad("[locale] clock_hour", "must be true or false")
    if "half_hour" in meta and meta["half_hour"] not in HALF_HOUR:
        raise _Bad("[locale] half_hour", f"must be one of {', '.join(sorted(HALF_HOUR))}")


def _check_phrases(data: dict[str, Any]) -> None:
    """Roles, values, and no phrase with two meanings."""
    terminals = grammar_terminals()
    seen: dict[tuple[str, ...], tuple[str, str, Any]] = {}  # words -> (where, role, value)

    def add(where: str, phrase: str, role: str, value: Any = None) -> None:
        words = phrase_words(phrase)
        if not words:
            raise _Bad(where, f"{phrase!r} has no word in it")
        if words in seen and seen[words][1:] != (role, value):
            raise _Bad(where, f"{phrase!r} is also under {seen[words][0]}: a phrase has one meaning")
        seen.setdefault(words, (where, role, value))

    for role, phrases in data.get("roles", {}).items():
        where = f"[roles] {role}"
        if role not in terminals:
            raise _Bad(where, "no such role: the roles are the terminals of grammar/entry.lark")
        for phrase in _strings(phrases, where):
            add(where, phrase, role)
    for table, role in VALUE_TABLES.items():
        for phrase, value in data.get(table, {}).items():
            where = f"[{table}] {phrase}"
            problem = _VALUES[table](value)
            if problem:
                raise _Bad(where, problem)
            add(where, phrase, role, value)


def _strings(values: Any, where: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _Bad(where, "must be a list of texts")
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(low: int | None = None, high: int | None = None) -> Callable[[Any], str | None]:
    def problem(value: Any) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{value!r} is no whole number"
        if (low is not None and value < low) or (high is not None and value > high):
            return f"{value!r} is not from {low} to {high}"
        return None

    return problem


def _with_part(whole: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """A day value: a whole number, or ``[number, part of the day]``."""

    def problem(value: Any) -> str | None:
        if isinstance(value, list):
            if len(value) != 2 or value[1] not in DAY_PARTS:
                return (f"{value!r} is no [number, part of the day] "
                        f"(the parts are {', '.join(sorted(DAY_PARTS))})")
            return whole(value[0])
        return whole(value)

    return problem


def _number(value: Any) -> str | None:
    if not _is_number(value) or value < 0:
        return f"{value!r} is no number of 0 or more"
    return None


def _duration(value: Any) -> str | None:
    if value in DAY_DURATIONS or (_is_number(value) and value > 0):
        return None
    return f"{value!r} is no number of hours above 0, nor one of {', '.join(sorted(DAY_DURATIONS))}"


def _clock_word(value: Any) -> str | None:
    if isinstance(value, str) and _HHMM.fullmatch(value):
        try:
            dt.time.fromisoformat(value)
        except ValueError:
            pass
        else:
            return None
    return f"{value!r} is no clock time HH:MM"


# table -> the problem with a value, or None
_VALUES: dict[str, Callable[[Any], str | None]] = {
    "numbers": _number,
    "durations": _duration,
    "ordinals": _whole(1, 31),
    "days": _with_part(_whole()),
    "weekdays": _with_part(_whole(1, 7)),
    "weak_weekdays": _whole(1, 7),
    "months": _whole(1, 12),
    "clock_words": _clock_word,
}
