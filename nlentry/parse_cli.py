"""``nlentry parse``: read sentences, print entries as JSON."""

from __future__ import annotations

import argparse
import sys


def add_parse_command(commands) -> None:
    cmd = commands.add_parser("parse", help="parse a sentence (or JSON Lines on stdin)")
    cmd.add_argument("text", nargs="?", help="the sentence to parse")
    cmd.add_argument("--catalog", help="JSON file with projects and services")
    cmd.add_argument("--today", help="the date to read relative days from (YYYY-MM-DD)")
    cmd.add_argument("--locale", default="auto", help="auto, nl, en, ...")
    cmd.add_argument("--jsonl", action="store_true", help="read JSON Lines from stdin")
    cmd.set_defaults(run=run_parse)


def run_parse(args: argparse.Namespace) -> int:
    print("not implemented yet", file=sys.stderr)
    return 2
