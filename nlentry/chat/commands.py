"""The command words of a chat, read from the locale files' ``[chat]`` tables.

A command is the first word of a message, in any installed locale (a Dutch
user may type ``today``, an English one ``vandaag``), case and accents aside,
a leading ``/`` and a Telegram ``@bot`` suffix dropped (``/Status@nlentry_bot``).
Where two locales give one word to two commands, the user's own locale wins,
then the reference locale (English), then the others in their order.

What follows the word decides whether it is the command at all, so that a
time entry that starts with a command word stays a time entry
(``vandaag 2 uur Timi``, ``week 12 overleg 1 uur``):

* ``start``: any text, the timer's (``start coden voor Timi``; none is fine);
* ``undo``: nothing, or entry ids (``undo 12,13``: exactly those);
* ``project`` / ``service``: an entry id and a project or service id
  (``project 12 3327``: what a choice button does);
* the others (``stop``, ``status``, ``today``, ``week``, ``help``): nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlentry.parsing.lexicon import Lexicon, all_lexicons, get_lexicon
from nlentry.parsing.lexicon_check import CHAT_COMMANDS, REFERENCE_LOCALE
from nlentry.parsing.words import phrase_words

__all__ = ["CHAT_COMMANDS", "Command", "command_word", "read_command"]

_IDS = re.compile(r"\d+(?:\s*,\s*\d+)*")
_CHOICE = re.compile(r"(\d+)\s+(\d+)")


@dataclass(frozen=True)
class Command:
    """A command a message names: ``name`` (a key of ``[chat]``), the text after its
    word (``rest``) and, for ``undo``, ``project`` and ``service``, the ids it gives."""

    name: str
    rest: str = ""
    ids: tuple[int, ...] = ()


def read_command(text: str, locale: str) -> Command | None:
    """The command ``text`` is, for a user of ``locale``; ``None``: a time entry."""
    parts = text.split(None, 1)
    if not parts:
        return None
    name = _index(locale).get(_key(parts[0]))
    if name is None:
        return None
    rest = parts[1].strip() if len(parts) > 1 else ""
    if name == "start":
        return Command(name, rest)
    if name == "undo":
        if not rest:
            return Command(name)
        if _IDS.fullmatch(rest):
            return Command(name, rest, tuple(int(i) for i in rest.split(",")))
        return None
    if name in ("project", "service"):
        found = _CHOICE.fullmatch(rest)
        if found is None:
            return None
        return Command(name, rest, (int(found[1]), int(found[2])))
    return None if rest else Command(name)


def command_word(name: str, locale: str) -> str:
    """The word a user of ``locale`` types for command ``name``: the locale's first,
    else the reference locale's, else the command's own name."""
    for lexicon in _lexicons(locale):
        if lexicon.code in (locale, REFERENCE_LOCALE) and lexicon.commands.get(name):
            return lexicon.commands[name][0]
    return name


def _key(word: str) -> tuple[str, ...]:
    if word.startswith("/"):
        word = word[1:].split("@", 1)[0]
    return phrase_words(word)


def _lexicons(locale: str) -> list[Lexicon]:
    """Every installed locale, the user's first, then the reference one."""
    found = list(all_lexicons())
    for code in (REFERENCE_LOCALE, locale):
        try:
            own = get_lexicon(code)
        except LookupError:
            continue
        found = [own, *(lexicon for lexicon in found if lexicon.code != own.code)]
    return found


def _index(locale: str) -> dict[tuple[str, ...], str]:
    """Each command word's normalised key -> its command, the first locale winning."""
    index: dict[tuple[str, ...], str] = {}
    for lexicon in _lexicons(locale):
        for name, words in lexicon.commands.items():
            if name in CHAT_COMMANDS:
                for word in words:
                    index.setdefault(phrase_words(word), name)
    return index
