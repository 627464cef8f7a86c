"""What the commands that change the store share (``user add``, ``token create``,
``client add``, ``alias add``, ``chat link`` ...): the store opened and migrated, one
writing transaction committed only when the work succeeds, the user who acts, a
problem printed as one line (exit status 2, or 1 for the store's own fault), and the
options of a command that acts as a user.

The storage layer (SQLAlchemy) is imported inside each function, so that ``nlentry
parse`` starts without it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any


class Refused(Exception):
    """A problem to print as one line, exit status 2."""


def fail(text: str, status: int = 2) -> int:
    """Print ``text`` as nlentry's one line on standard error: ``status``."""
    print(f"nlentry: {text}", file=sys.stderr)
    return status


def open_database(args: argparse.Namespace):
    """The store of ``--database-url`` (default ``$NLENTRY_DATABASE_URL``), migrated."""
    from nlentry.storage import Database, migrate

    db = Database(args.database_url)
    migrate(db.engine)
    return db


def in_transaction(args: argparse.Namespace, work: Callable[[Any], Any]) -> tuple[int, Any]:
    """``work(session)`` in one writing transaction, committed when it returns:
    ``(0, its result)``, or ``(status, None)`` once the problem is printed (a
    ``Refused`` or an account's problem 2, the store's fault 1)."""
    from sqlalchemy.exc import SQLAlchemyError

    from nlentry.storage import AccountError
    from nlentry.storage.queries.aliases import AliasRace

    try:
        db = open_database(args)
    except SQLAlchemyError as error:
        return fail(f"cannot open the database: {error.__class__.__name__}", 1), None
    try:
        with db.write() as session:
            result = work(session)
            session.commit()
        return 0, result
    except (Refused, AccountError) as problem:
        return fail(str(problem)), None
    except AliasRace:
        return fail("another change took the same alias at the same time; try again"), None
    except SQLAlchemyError as error:
        return fail(f"the database refused the change: {error.__class__.__name__}", 1), None
    finally:
        db.dispose()


def run_as_user(args: argparse.Namespace, add: Callable[[Any, Any], tuple[Any, dict]]) -> int:
    """``add(session, user) -> (id, answer)`` as the user ``--email`` names, in one
    transaction (committed only when it succeeds); print the id (``--json``: the answer)."""
    status, made = in_transaction(args, lambda session: add(session, acting_user(session,
                                                                                 args.email)))
    if status:
        return status
    id, answer = made
    for warning in answer.get("warnings", []):
        print(f"nlentry: warning: {answer.get('name')!r} {warning['message']}", file=sys.stderr)
    print(json.dumps(answer, ensure_ascii=False) if args.json else id)
    return 0


def acting_user(session, email: str):
    """The user ``email`` names, else ``Refused``."""
    from nlentry.storage import find_user

    user = find_user(session, email)
    if user is None:
        raise Refused(f"no user with the e-mail {email.strip().lower()} "
                      "(add one with: nlentry user add EMAIL)")  # fmt: skip
    return user


def group(commands, name: str, help: str):
    """``nlentry NAME ...``: a command of subcommands, one of them required."""
    return commands.add_parser(name, help=help).add_subparsers(
        dest=f"{name}_command", required=True
    )


def acting_options(parser: argparse.ArgumentParser) -> None:
    """``--email`` (who acts), ``--json`` (the object, not its id), ``--database-url``."""
    parser.add_argument("--email", required=True, help="the user who acts (and owns the aliases)")
    parser.add_argument("--json", action="store_true",
                        help="print the object as the API answers it, not its id")
    parser.add_argument("--database-url", help="default: $NLENTRY_DATABASE_URL or ./nlentry.db")
