"""A locale file is checked when it is loaded: what cannot be used is refused
with a ``LocaleError`` that names the file and the key (docs/adding-a-locale.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from nlentry import LocaleError
from nlentry.parsing.data_files import data_dir
from nlentry.parsing.lexicon import LOCALE_PATH_ENV, Lexicon, get_lexicon

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "locales"
GOOD = """\
[locale]
code = "xx"
name = "Test"
half_hour = "next"
example = "1 hr"

[roles]
HOUR = ["hr", "hrs"]
MINUTE = ["mn"]
ART = ["un"]

[numbers]
uno = 1

[clock_words]
midi = "12:00"

[fillers]
words = ["for"]

[messages]
duration_missing = "no duration"
"""


def write(tmp_path: Path, text: str, name: str = "xx.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> LocaleError:
    path = write(tmp_path, text)
    with pytest.raises(LocaleError) as caught:
        Lexicon.from_file(path)
    error = caught.value
    assert error.source == str(path)
    assert str(path) in str(error) and error.key in str(error)
    return error


def test_a_good_file_loads(tmp_path):
    lexicon = Lexicon.from_file(write(tmp_path, GOOD))
    assert (lexicon.code, lexicon.name, lexicon.example) == ("xx", "Test", "1 hr")


@pytest.mark.parametrize(
    "path",
    [*sorted(data_dir("locales").glob("*.toml")), FIXTURES / "de.toml"],
    ids=lambda p: p.name,
)
def test_the_shipped_locales_and_the_german_fixture_pass(path):
    lexicon = Lexicon.from_file(path)
    assert lexicon.code == path.stem
    assert lexicon.example  # every locale we ship can warm the parser


def test_an_unknown_role_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace('HOUR = ["hr", "hrs"]', 'HOURZ = ["hr", "hrs"]'))
    assert error.key == "[roles] HOURZ"
    assert "grammar/entry.lark" in error.problem


def test_an_unknown_table_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace("[numbers]", "[number]"))
    assert error.key == "[number]"


def test_an_unknown_locale_key_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace('half_hour = "next"', 'half_hours = "next"'))
    assert error.key == "[locale] half_hours"


def test_a_phrase_under_two_roles_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace('MINUTE = ["mn"]', 'MINUTE = ["mn", "HR"]'))
    assert error.key == "[roles] MINUTE"
    assert "[roles] HOUR" in error.problem


def test_a_phrase_under_a_role_and_a_value_is_refused(tmp_path):
    # "ún" is "un" once accents are stripped: the same phrase as the ART word
    error = refused(tmp_path, GOOD.replace("uno = 1", 'uno = 1\n"ún" = 1'))
    assert error.key == "[numbers] ún"
    assert "[roles] ART" in error.problem


def test_the_same_phrase_twice_with_one_meaning_is_allowed(tmp_path):
    lexicon = Lexicon.from_file(write(tmp_path, GOOD.replace('["hr", "hrs"]', '["hr", "Hr"]')))
    assert lexicon.singles["hr"][0] == "HOUR"


def test_a_message_english_does_not_have_is_refused(tmp_path):
    error = refused(tmp_path, GOOD + 'duration_mising = "typo"\n')
    assert error.key == "[messages] duration_mising"
    assert "en.toml" in error.problem


def test_a_missing_locale_code_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace('code = "xx"\n', ""))
    assert error.key == "[locale] code"


def test_a_missing_locale_table_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace('[locale]\ncode = "xx"\nname = "Test"\n'
                                           'half_hour = "next"\nexample = "1 hr"\n', ""))
    assert error.key == "[locale]"


@pytest.mark.parametrize("value", ['"12"', '"25:00"', '"12:00:00"', '"noon"', "12"])
def test_a_clock_word_that_is_not_hh_mm_is_refused(tmp_path, value):
    error = refused(tmp_path, GOOD.replace('midi = "12:00"', f"midi = {value}"))
    assert error.key == "[clock_words] midi"


@pytest.mark.parametrize(
    ("table", "entry"),
    [
        ("numbers", 'deux = "two"'),
        ("numbers", "moins = -1"),
        ("weekdays", "octodi = 8"),
        ("months", "brumaire = 13"),
        ("days", "demain = 1.5"),
        ("durations", 'semaine = "week"'),
        ("durations", "rien = 0"),
    ],
)
def test_a_bad_value_is_refused(tmp_path, table, entry):
    header = f"[{table}]\n"
    text = GOOD.replace(header, header + entry + "\n") if header in GOOD else (
        f"{GOOD}\n{header}{entry}\n")
    error = refused(tmp_path, text)
    assert error.key == f"[{table}] {entry.split(' =')[0]}"


def test_a_bad_half_hour_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace('half_hour = "next"', 'half_hour = "later"'))
    assert error.key == "[locale] half_hour"


def test_a_role_that_is_no_list_of_words_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace('MINUTE = ["mn"]', 'MINUTE = "mn"'))
    assert error.key == "[roles] MINUTE"


def test_a_phrase_without_a_word_is_refused(tmp_path):
    error = refused(tmp_path, GOOD.replace('MINUTE = ["mn"]', 'MINUTE = ["mn", ""]'))
    assert error.key == "[roles] MINUTE"


def test_from_dict_checks_too():
    data = tomllib.loads(GOOD.replace("[numbers]", "[number]"))
    with pytest.raises(LocaleError, match=r"^<dict>: \[number\]"):
        Lexicon.from_dict(data)
    with pytest.raises(LocaleError, match=r"^mine: \[number\]"):
        Lexicon.from_dict(data, source="mine")


def test_a_bad_file_on_the_locale_path_is_refused_when_asked_for(tmp_path, monkeypatch):
    write(tmp_path, GOOD.replace("HOUR", "HOURZ"), name="xx.toml")
    monkeypatch.setenv(LOCALE_PATH_ENV, str(tmp_path))
    with pytest.raises(LocaleError, match="HOURZ"):
        get_lexicon("xx")


def test_a_locale_error_is_a_value_error():
    assert issubclass(LocaleError, ValueError)


def test_the_sample_file_of_the_locale_guide_passes(tmp_path):
    guide = (Path(__file__).resolve().parents[2] / "docs" / "adding-a-locale.md").read_text(
        encoding="utf-8")
    sample = guide.split("```toml\n", 1)[1].split("```", 1)[0]
    lexicon = Lexicon.from_file(write(tmp_path, sample, name="de.toml"))
    assert (lexicon.code, lexicon.example) == ("de", "1 Stunde")
