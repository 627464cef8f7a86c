"""The ``nlentry`` command: ``parse``, ``serve``, ``user``, ``token``, ``client``, ``project``,
``service``, ``alias``, ``chat``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nlentry", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    from nlentry.cli.parse import add_parse_command

    add_parse_command(commands)
    try:
        from nlentry.cli.admin import add_server_commands
    except ImportError:  # the service is an optional part of a minimal install
        add_server_commands = None
    if add_server_commands is not None:
        add_server_commands(commands)
        from nlentry.cli.workspace import add_workspace_commands

        add_workspace_commands(commands)
        from nlentry.cli.chat import add_chat_commands

        add_chat_commands(commands)
    args = parser.parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
