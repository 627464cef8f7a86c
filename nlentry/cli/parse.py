"""``nlentry parse``: read sentences, print entries as JSON.

``nlentry parse TEXT`` prints one JSON object; with ``--many`` the text may
hold several entries (``parse_many``) and a JSON list is printed (with
``--jsonl``, each line is answered with a list). ``nlentry parse --jsonl``
reads JSON Lines from standard input (each line a JSON string, or an object
with ``"text"`` and optionally ``"today"`` and ``"locale"``) and answers each
line with one JSON line, in order, as soon as it is read. A line that cannot
be read is answered with ``{"error": "..."}`` and the rest goes on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import IO

from nlentry.parsing.catalog import Catalog
from nlentry.parsing.lexicon import get_lexicon
from nlentry.parsing.pipeline import parse, parse_many


def add_parse_command(commands) -> None:
    cmd = commands.add_parser("parse", help="parse a sentence (or JSON Lines on stdin)")
    cmd.add_argument("text", nargs="?", help="the sentence to parse")
    cmd.add_argument("--catalog", help="JSON file with projects and services")
    cmd.add_argument("--today", type=_date, help="the day relative days count from (YYYY-MM-DD)")
    cmd.add_argument("--locale", default="auto", help="auto (default), nl, en, ...")
    cmd.add_argument("--default-locale", default="nl", help="locale that wins a tie in auto")
    cmd.add_argument("--jsonl", action="store_true", help="read JSON Lines from standard input")
    cmd.add_argument("--many", action="store_true",
                     help="the text may hold several entries: print a JSON list")
    cmd.set_defaults(run=run_parse)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def run_parse(args: argparse.Namespace) -> int:
    for code in {args.locale, args.default_locale} - {"auto"}:
        try:
            get_lexicon(code)
        except LookupError:
            print(f"nlentry parse: unknown locale {code!r}", file=sys.stderr)
            return 2
    catalog = None
    if args.catalog:
        with open(args.catalog, encoding="utf-8") as fh:
            catalog = Catalog.from_dict(json.load(fh))
    options = {"catalog": catalog, "locale": args.locale, "today": args.today,
               "default_locale": args.default_locale}
    read = _read_many if args.many else _read_one
    if args.jsonl:
        parse_lines(sys.stdin, sys.stdout, options, read)
        return 0
    if args.text is None:
        print("nlentry parse: give TEXT or --jsonl", file=sys.stderr)
        return 2
    _write(sys.stdout, read(args.text, options))
    return 0


def _read_one(text: str, options: dict) -> dict:
    return parse(text, **options).to_dict()


def _read_many(text: str, options: dict) -> list[dict]:
    return [entry.to_dict() for entry in parse_many(text, **options)]


def parse_lines(source: IO[str], sink: IO[str], options: dict, read=_read_one) -> None:
    """Answer each JSON line of ``source`` with one JSON line on ``sink``
    (``read`` of its text: an object, or with ``--many`` a list)."""
    for line in source:  # every line answered, a blank one too: output and input line up
        _write(sink, _answer(line, options, read))
        sink.flush()


def _answer(line: str, options: dict, read=_read_one) -> dict | list:
    if not line.strip():
        return {"error": 'a blank line: expected a JSON string or an object with "text"'}
    try:
        item = json.loads(line)
    except ValueError as error:
        return {"error": f"not JSON: {error}"}
    if isinstance(item, str):
        return read(item, options)
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return {"error": 'expected a JSON string or an object with "text"'}
    overrides = dict(options)
    try:
        if item.get("today") is not None:
            overrides["today"] = dt.date.fromisoformat(item["today"])
    except (TypeError, ValueError):
        return {"error": f"not a date (YYYY-MM-DD): {item['today']!r}"}
    if isinstance(item.get("locale"), str):
        overrides["locale"] = item["locale"]
    try:
        return read(item["text"], overrides)
    except LookupError as error:  # an unknown locale code
        return {"error": str(error)}


def _write(sink: IO[str], value: dict | list) -> None:
    sink.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")
