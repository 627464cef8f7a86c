"""The Lark internals ``nlentry/parsing/lalr.py`` reads are still there, in the
shape it expects.

The LALR loop does not go through Lark's public parser: it takes Lark's
parse table and rule options and runs them itself. A Lark release that moves
or reshapes any of them must fail here, loudly, before it breaks a parse;
``pyproject.toml`` bounds the Lark version for that reason.
"""

from __future__ import annotations

import lark
import pytest
from lark import Lark
from lark.grammar import NonTerminal, Rule, Terminal

from nlentry.parsing import lalr
from nlentry.parsing.data_files import data_dir
from nlentry.parsing.lexicon_check import grammar_terminals

UPDATE = (
    "Lark {version} changed an internal that nlentry/parsing/lalr.py reads ({what}): "
    "the LALR loop (lalr.build, lalr._shaper, lalr.run) needs updating for it, "
    "or bound lark in pyproject.toml below this version"
)


def _require(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(UPDATE.format(version=lark.__version__, what=what))


@pytest.fixture(scope="module")
def grammar() -> Lark:
    source = (data_dir("grammar") / "entry.lark").read_text(encoding="utf-8")
    return Lark(source, parser="lalr", lexer=lalr._PassThrough)


@pytest.fixture(scope="module")
def conf(grammar):
    interactive = grammar.parse_interactive([])
    _require(hasattr(interactive, "parser_state"), "InteractiveParser.parser_state")
    _require(hasattr(interactive.parser_state, "parse_conf"), "ParserState.parse_conf")
    return interactive.parser_state.parse_conf


def test_shift_is_importable_and_marks_shifts(conf):
    try:
        from lark.parsers.lalr_analysis import Shift
    except ImportError:  # pragma: no cover - only on a changed Lark
        _require(False, "lark.parsers.lalr_analysis.Shift")
    kinds = {kind for moves in conf.states.values() for kind, _arg in moves.values()}
    _require(Shift in kinds, "Shift as the kind of a move in conf.states")
    _require(len(kinds) == 2, f"two kinds of move (shift, reduce), found {kinds}")


def test_states_map_a_state_to_its_moves(conf):
    _require(isinstance(conf.states, dict) and conf.states, "conf.states, a dict of states")
    _require(all(isinstance(state, int) for state in conf.states), "int state numbers")
    _require(isinstance(conf.start_state, int) and conf.start_state in conf.states,
             "conf.start_state")
    _require(isinstance(conf.end_state, int), "conf.end_state")
    from lark.parsers.lalr_analysis import Shift

    for moves in conf.states.values():
        _require(isinstance(moves, dict), "a state's moves, a dict")
        for symbol, move in moves.items():
            _require(isinstance(symbol, str), "a move's symbol, a str (a Token)")
            _require(isinstance(move, tuple) and len(move) == 2, "a move, (kind, argument)")
            kind, arg = move
            if kind is Shift:
                _require(isinstance(arg, int), "a shift's argument, the next state")
            else:
                _require(isinstance(arg, Rule), "a reduce's argument, the Rule")


def test_the_end_terminal_is_named_as_lalr_expects(conf):
    symbols = {str(symbol) for moves in conf.states.values() for symbol in moves}
    _require(lalr._END in symbols, f"the end-of-input terminal {lalr._END!r}")


def test_rules_have_the_options_and_symbols_the_shaper_reads(grammar):
    _require(grammar.rules and all(isinstance(r, Rule) for r in grammar.rules), "Lark.rules")
    for rule in grammar.rules:
        _require(isinstance(rule.origin, NonTerminal) and isinstance(rule.origin.name, str),
                 "Rule.origin.name")
        _require(isinstance(rule.expansion, list), "Rule.expansion, a list of symbols")
        _require(rule.alias is None or isinstance(rule.alias, str), "Rule.alias")
        options = rule.options
        for name in ("expand1", "keep_all_tokens", "template_source"):
            _require(hasattr(options, name), f"RuleOptions.{name}")
        _require(isinstance(options.expand1, bool), "RuleOptions.expand1, a bool")
        _require(isinstance(options.keep_all_tokens, bool), "RuleOptions.keep_all_tokens")
        for sym in rule.expansion:
            _require(isinstance(sym.is_term, bool) and isinstance(sym.name, str),
                     "Symbol.is_term and Symbol.name")
            if sym.is_term:
                _require(isinstance(sym, Terminal) and isinstance(sym.filter_out, bool),
                         "Terminal.filter_out")


def test_expand1_is_set_by_a_question_mark(grammar):
    """``?duration: hours | ...`` is what makes a one-child rule its child."""
    by_origin = {r.origin.name: r for r in grammar.rules}
    _require(by_origin["duration"].options.expand1, "RuleOptions.expand1 of ?duration")
    _require(not by_origin["other"].options.expand1, "RuleOptions.expand1 of other")


def test_the_start_list_is_the_rule_the_loop_folds(grammar):
    """``start: _item*`` is read by Lark as ``__start_star_0``; ``_fold_items``
    relies on that to put the items' shortcut in the table."""
    machine = lalr.machine()
    _require(machine.between >= 0, "start: _item* folded into __start_star_0 lists")
    _require(machine.words_apart, "a WORD between items is an other item alone")


def test_the_grammar_terminals_are_those_locale_files_may_use(grammar):
    used = {sym.name for rule in grammar.rules for sym in rule.expansion if sym.is_term}
    assert used == set(grammar_terminals())
