"""The LALR loop (``nlentry/parsing/lalr.py``) with the actions of
``rules.py``, and the re-reading of ``recovery.py``."""

from __future__ import annotations

import pytest

from nlentry.parsing import lalr
from nlentry.parsing.data_files import data_dir
from nlentry.parsing.lalr import Stuck, build, machine, run
from nlentry.parsing.pieces import Clock, Day, Duration, Other, StartAt, TimeRange
from nlentry.parsing.recovery import read
from nlentry.parsing.rules import ACTIONS
from nlentry.parsing.tokenize import LexToken
from tests.parsing.test_tokenize import tokens


def run_all(toks: list[LexToken]) -> list:
    roles = [t.role for t in toks]
    return run(machine(), toks, roles, range(len(toks)))


def test_the_machine_turns_a_token_list_into_pieces():
    toks = [LexToken("NUM", 2, "2", 0, 1), LexToken("HOUR", None, "uur", 2, 5)]
    assert run_all(toks) == [Duration(2.0, 0.0, 0, 5)]


def test_the_machine_reads_a_range_a_day_and_others_in_text_order():
    pieces = run_all(tokens("gisteren van half 9 tot 12 coden"))
    assert pieces == [
        Day("relative", -1, 0, 8),
        TimeRange(Clock(8, 30, False, None, 13, 19), Clock(12, 0, False, None, 24, 26), 9, 26),
        Other(6),
    ]


def test_a_one_child_rule_passes_its_child_through():
    # strong_clock: CLOCK -> clock_hm, lone_clock: strong_clock -> at_time
    assert run_all(tokens("14:00")) == [StartAt(Clock(14, 0, True, None, 0, 5), 0, 5)]


def test_a_token_with_no_move_raises_stuck_with_its_position():
    with pytest.raises(Stuck) as caught:
        run_all(tokens("van 9 voor Timi"))
    assert caught.value.at == 3  # "Timi": the range opened by "van" cannot go on
    assert caught.value.values[0] == 0  # the FROM token is still on the stack


def test_an_unfinished_end_raises_stuck_at_none():
    with pytest.raises(Stuck) as caught:
        run_all(tokens("tussen 9"))
    assert caught.value.at is None


def test_recovery_reads_the_opener_as_a_word_and_the_rest_again():
    toks = tokens("2 uur van 9 voor Timi gisteren")
    assert read(toks) == [
        Duration(2.0, 0.0, 0, 5), Other(2), Other(3), Other(4), Other(5),
        Day("relative", -1, 22, 30),
    ]
    assert toks[2].role == "FROM"  # the tokens themselves are left as they were


def test_recovery_keeps_the_expression_that_follows_a_failed_opener():
    assert read(tokens("tussen 9 om 10 uur")) == [
        Other(0), Other(1), StartAt(Clock(10, 0, False, None, 12, 18), 9, 18),
    ]


def test_read_without_trouble_is_one_pass_with_words_after_the_expressions():
    assert read(tokens("Timi 2 uur overleg")) == [Duration(2.0, 0.0, 5, 10), Other(0), Other(3)]


def test_the_machine_is_built_once():
    assert machine() is machine()
    assert machine().between >= 0


GRAMMAR = """
%declare NUM HOUR WORD
start: _item*
_item: duration | other
duration: NUM HOUR
other: NUM | HOUR | WORD
"""


def test_build_takes_its_actions_from_the_mapping_given():
    def duration(toks, children):
        return ("duration", toks[children[0]].value)

    actions = {**ACTIONS, "duration": duration}
    small = build(GRAMMAR, actions)
    toks = [LexToken("NUM", 3, "3", 0, 1), LexToken("HOUR", None, "h", 1, 2),
            LexToken("WORD", None, "x", 3, 4)]
    found = run(small, toks, [t.role for t in toks], range(3))
    assert found == [("duration", 3), Other(2)]


def test_a_rule_without_an_action_is_refused():
    actions = {name: action for name, action in ACTIONS.items() if name != "duration"}
    with pytest.raises(ValueError, match="no action in nlentry.parsing.rules"):
        build(GRAMMAR, actions)


def test_anonymous_tokens_are_refused():
    with pytest.raises(ValueError, match="anonymous tokens"):
        build(GRAMMAR.replace("duration: NUM HOUR", 'duration: NUM "h"'), ACTIONS)


def test_every_action_belongs_to_a_rule_of_the_grammar():
    from lark import Lark

    source = (data_dir("grammar") / "entry.lark").read_text(encoding="utf-8")
    grammar = Lark(source, parser="lalr", lexer=lalr._PassThrough)
    names = {r.alias or r.options.template_source or r.origin.name for r in grammar.rules}
    assert set(ACTIONS) <= names, sorted(set(ACTIONS) - names)
