"""The ``[chat]`` table of a locale file: command -> its words, checked when loaded."""

from __future__ import annotations

import pytest

from nlentry import LocaleError
from nlentry.parsing.lexicon import Lexicon
from nlentry.parsing.lexicon_check import CHAT_COMMANDS

BASE = '[locale]\ncode = "xx"\n\n[chat]\n'


def load(tmp_path, chat: str) -> Lexicon:
    path = tmp_path / "xx.toml"
    path.write_text(BASE + chat, encoding="utf-8")
    return Lexicon.from_file(path)


def refused(tmp_path, chat: str) -> LocaleError:
    with pytest.raises(LocaleError) as caught:
        load(tmp_path, chat)
    assert str(tmp_path / "xx.toml") in str(caught.value)
    return caught.value


def test_the_commands_and_their_words_load(tmp_path):
    lexicon = load(tmp_path, 'undo = ["ongedaan", "Herstel"]\ntoday = ["vandaag"]\n')
    assert lexicon.commands == {"undo": ("ongedaan", "Herstel"), "today": ("vandaag",)}


def test_a_file_without_chat_has_no_commands(tmp_path):
    path = tmp_path / "xx.toml"
    path.write_text('[locale]\ncode = "xx"\n', encoding="utf-8")
    assert Lexicon.from_file(path).commands == {}


def test_an_unknown_command_is_refused(tmp_path):
    error = refused(tmp_path, 'undoo = ["ongedaan"]\n')
    assert error.key == "[chat] undoo"
    assert all(name in error.problem for name in CHAT_COMMANDS)


def test_a_word_under_two_commands_is_refused(tmp_path):
    # case and accents aside: "Stóp" is "stop"
    error = refused(tmp_path, 'stop = ["stop"]\nundo = ["terug", "Stóp"]\n')
    assert error.key == "[chat] undo"
    assert "[chat] stop" in error.problem


def test_a_word_twice_under_one_command_is_allowed(tmp_path):
    assert load(tmp_path, 'stop = ["stop", "STOP"]\n').commands == {"stop": ("stop", "STOP")}


@pytest.mark.parametrize("value", ['"stop"', "[1]", '["stop", 2]', "{}"])
def test_words_that_are_no_list_of_texts_are_refused(tmp_path, value):
    error = refused(tmp_path, f"stop = {value}\n")
    assert (error.key, error.problem) == ("[chat] stop", "must be a list of texts")


@pytest.mark.parametrize("word", ["ongedaan maken", "ongedaan-maken", "", "!"])
def test_a_word_that_is_not_one_word_is_refused(tmp_path, word):
    error = refused(tmp_path, f'undo = ["{word}"]\n')
    assert error.key == "[chat] undo" and "not one word" in error.problem


def test_chat_must_be_a_table(tmp_path):
    path = tmp_path / "xx.toml"
    path.write_text('chat = "stop"\n[locale]\ncode = "xx"\n', encoding="utf-8")
    with pytest.raises(LocaleError, match=r"\[chat\]: must be a table"):
        Lexicon.from_file(path)
