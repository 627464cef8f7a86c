"""Which messages are commands: the words of every installed locale, from the locale
files' ``[chat]`` tables; a message that is more than a command is a time entry."""

from __future__ import annotations

import pytest

from nlentry.chat.commands import Command, command_word, read_command
from nlentry.parsing.lexicon import LOCALE_PATH_ENV, get_lexicon
from nlentry.parsing.lexicon_check import CHAT_COMMANDS


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize(("text", "command"), [
    ("today", Command("today")),
    ("Vandaag", Command("today")),
    ("TODAY!", Command("today")),
    ("/status@nlentry_bot", Command("status")),
    ("  stop\n", Command("stop")),
    ("hulp", Command("help")),
    ("herstel", Command("undo")),
    ("undo 12, 13", Command("undo", "12, 13", (12, 13))),
    ("ongedaan 7", Command("undo", "7", (7,))),
    ("start coden voor Timi", Command("start", "coden voor Timi")),
    ("start", Command("start")),
    ("project 12 3327", Command("project", "12 3327", (12, 3327))),
    ("dienst 12 1", Command("service", "12 1", (12, 1))),
    ("service 12 1", Command("service", "12 1", (12, 1))),
])  # fmt: skip
def test_the_words_of_every_locale_are_commands(locale, text, command):
    assert read_command(text, locale) == command


@pytest.mark.parametrize("text", ["vandaag 2 uur Timi", "today 2 hours", "week 12 1 uur",
                                  "stop 1 uur", "undo the meeting", "project Timi 2 uur",
                                  "service 12", "2 uur Timi", "", "   ", "helpdesk 1 uur"])  # fmt: skip
def test_more_than_a_command_is_a_time_entry(text):
    assert read_command(text, "nl") is None


def test_the_users_own_words_name_the_commands():
    assert [command_word(name, "nl") for name in ("undo", "today", "service", "help")] == [
        "ongedaan",
        "vandaag",
        "dienst",
        "help",
    ]
    assert [command_word(name, "en") for name in ("undo", "today", "service")] == [
        "undo",
        "today",
        "service",
    ]
    assert command_word("undo", "xx") == "undo"  # no such locale: the reference's word


def test_the_shipped_locales_name_every_command():
    for code in ("nl", "en"):
        assert set(get_lexicon(code).commands) == CHAT_COMMANDS


GERMAN = """\
[locale]
code = "de"
example = "1 Stunde"

[roles]
HOUR = ["stunde", "stunden"]

[chat]
today = ["heute"]
undo = ["rückgängig"]
stop = ["halt"]
"""


def test_a_new_locale_file_brings_its_words(tmp_path, monkeypatch):
    (tmp_path / "de.toml").write_text(GERMAN, encoding="utf-8")
    monkeypatch.setenv(LOCALE_PATH_ENV, str(tmp_path))
    assert read_command("heute", "nl") == Command("today")
    assert read_command("Rückgängig 3", "en") == Command("undo", "3", (3,))
    assert read_command("ruckgangig", "de") == Command("undo")  # accents aside
    assert command_word("today", "de") == "heute"
    assert command_word("week", "de") == "week"  # not in de.toml: the reference's word
    assert read_command("today", "de") == Command("today")


def test_the_users_locale_wins_a_word_two_locales_give_two_commands(tmp_path, monkeypatch):
    (tmp_path / "xx.toml").write_text('[locale]\ncode = "xx"\n\n[chat]\nstop = ["status"]\n',
                                      encoding="utf-8")  # fmt: skip
    monkeypatch.setenv(LOCALE_PATH_ENV, str(tmp_path))
    assert read_command("status", "xx") == Command("stop")
    assert read_command("status", "nl") == Command("status")
