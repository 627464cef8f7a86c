"""``nlentry serve``, ``nlentry user add``, ``nlentry token create|list|revoke``.

Each command prints what a script can use on standard output (a token alone, or
``--json``); a problem is one line on standard error: exit status 2 for a refusal
(an unknown or existing e-mail, an invalid scope, zone, role or locale), 1 when the
database cannot be used (as ``nlentry.cli.workspace``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from nlentry import available_locales
from nlentry.cli.acting import Refused, acting_user, fail, in_transaction, open_database

# The storage layer (SQLAlchemy, Alembic) is imported inside each command, so
# that ``nlentry parse`` starts without it.

MAX_EXPIRES_IN_DAYS = 3650  # as the API's ``expires_in_days``
FIRST_USER_HINT = (
    "nlentry: the database has no users yet; add the first one (its workspace's admin) "
    "with:\n  nlentry user add you@example.com --workspace \"Your company\"\n"
    "and use the token it prints (Authorization: Bearer TOKEN)"
)


def add_server_commands(commands) -> None:
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--database-url", help="default: $NLENTRY_DATABASE_URL or ./nlentry.db")
    serve.add_argument("--demo", action="store_true",
                       help="seed the example workspace and print a token and a curl line")
    serve.set_defaults(run=run_serve)

    user = commands.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser("add", help="create a user and print its API token (admin:all)")
    add.add_argument("email")
    add.add_argument("--workspace", default="Default",
                     help="the workspace (company), made when new (default: Default)")
    add.add_argument("--role", choices=("admin", "member"),
                     help="default: admin for a workspace's first user, else member")
    add.add_argument("--locale", choices=available_locales(), default="nl",
                     help="the user's language (the locale files found)")
    add.add_argument("--timezone", metavar="ZONE",
                     help="an IANA time zone, e.g. Europe/Amsterdam (default: the server's)")
    add.add_argument("--display-name", "--name", dest="display_name",
                     help="display name (default: the part before @)")
    add.add_argument("--database-url")
    add.set_defaults(run=run_user_add)

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        dest="token_command", required=True
    )
    create = token.add_parser("create", help="issue another token of a user and print it")
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="cli", help="what the token is for (default: cli)")
    create.add_argument("--scopes", metavar="A,B", default="admin:all",
                        help="comma-separated scopes (default: admin:all)")
    create.add_argument("--expires-in-days", metavar="N", type=int,
                        help=f"1 to {MAX_EXPIRES_IN_DAYS} (default: until revoked)")
    create.add_argument("--database-url")
    create.set_defaults(run=run_token_create)

    listing = token.add_parser("list", help="a user's tokens that are not revoked")
    listing.add_argument("--email", required=True)
    listing.add_argument("--json", action="store_true", help="as GET /tokens.json answers")
    listing.add_argument("--database-url")
    listing.set_defaults(run=run_token_list)

    revoke = token.add_parser("revoke", help="revoke a TOKEN, the token --id of --email, "
                                             "or every token of --email")
    revoke.add_argument("token", nargs="?")
    revoke.add_argument("--email")
    revoke.add_argument("--id", type=int, help="a token's id (as listed), with --email")
    revoke.add_argument("--database-url")
    revoke.set_defaults(run=run_token_revoke)


def run_user_add(args: argparse.Namespace) -> int:
    from nlentry.storage import create_user, get_or_create_workspace

    def add(session):
        workspace = get_or_create_workspace(session, args.workspace)
        _, token = create_user(session, args.email, workspace=workspace, locale=args.locale,
                               display_name=args.display_name, role=args.role,
                               timezone=args.timezone)  # fmt: skip
        return token.value

    status, token = in_transaction(args, add)
    if status == 0:
        print(token)
    return status


def _scopes(text: str) -> tuple[str, ...]:
    from nlentry.api.scopes import SCOPES, unknown_scopes

    names = list(dict.fromkeys(text.replace(",", " ").split()))
    if not names:
        raise Refused("--scopes names no scope")
    unknown = unknown_scopes(names)
    if unknown:
        raise Refused(f"unknown scope {unknown[0]!r}; the scopes are {', '.join(SCOPES)}")
    return tuple(names)


def run_token_create(args: argparse.Namespace) -> int:
    import datetime as dt

    from nlentry.storage import issue_token

    def create(session):
        scopes = _scopes(args.scopes)
        days = args.expires_in_days
        if days is not None and not 1 <= days <= MAX_EXPIRES_IN_DAYS:
            raise Refused(f"--expires-in-days must be 1 to {MAX_EXPIRES_IN_DAYS}")
        name = args.name.strip()
        if not name or len(name) > 255:
            raise Refused("--name must be 1 to 255 characters")
        user = acting_user(session, args.email)
        expires_in = dt.timedelta(days=days) if days else None
        return issue_token(session, user, name=name, scopes=scopes, expires_in=expires_in).value

    status, token = in_transaction(args, create)
    if status == 0:
        print(token)
    return status


def run_token_list(args: argparse.Namespace) -> int:
    from nlentry.api.account_shapes import token_json
    from nlentry.storage import live_tokens

    def listed(session):
        user = acting_user(session, args.email)
        return [token_json(row, user) for row in live_tokens(session, user.id)]

    status, tokens = in_transaction(args, listed)
    if status != 0:
        return status
    if args.json:
        print(json.dumps(tokens, ensure_ascii=False))
        return 0
    print("id\tname\tscopes\tcreated_at\texpires_at\tlast_used_at")
    for token in tokens:  # type: ignore[union-attr]
        print("\t".join([str(token["id"]), token["name"], ",".join(token["scopes"]),
                         token["created_at"], token["expires_at"] or "-",
                         token["last_used_at"] or "-"]))  # fmt: skip
    return 0


def run_token_revoke(args: argparse.Namespace) -> int:
    if args.id is not None and (args.token or not args.email):
        return fail("--id needs --email (and no TOKEN)")
    if not args.token and not args.email:
        return fail("give a TOKEN, or --email (with --id for one of its tokens)")
    from nlentry.storage import revoke_own_token, revoke_token, revoke_user_tokens

    def revoke(session):
        if args.token:
            return int(revoke_token(session, args.token))
        user = acting_user(session, args.email)
        if args.id is not None:
            return int(revoke_own_token(session, user.id, args.id))
        return revoke_user_tokens(session, user)

    status, revoked = in_transaction(args, revoke)
    if status != 0:
        return status
    if not revoked:
        return fail("no such live token")
    print(f"revoked {revoked} token(s)", file=sys.stderr)
    return 0


def unshared_limits_warning(workers: int, environ=os.environ) -> str | None:
    """What to tell whoever runs several workers with rate limits counted in memory."""
    if workers <= 1 or (environ.get("NLENTRY_REDIS_URL") or "").strip():
        return None
    return (
        f"nlentry: warning: --workers {workers} without NLENTRY_REDIS_URL: each worker "
        "counts rate limits in its own memory, so a token may make up to "
        f"{workers} x NLENTRY_RATE_LIMIT requests; set "
        "NLENTRY_REDIS_URL=redis://HOST:PORT/0 to share one count (idempotency keys "
        "live in the database and are shared either way)"
    )


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from nlentry.api.app import check_environment
    from nlentry.api.server_protocol import (
        HeadTimeoutProtocol,
        max_connections,
        raise_open_files_limit,
    )
    from nlentry.storage.demo import demo_data, seed_demo
    from nlentry.storage.engine import DATABASE_URL_ENV

    try:
        check_environment()
    except ValueError as error:
        print(f"nlentry: {error}", file=sys.stderr)
        return 2
    warning = unshared_limits_warning(args.workers)
    if warning:
        print(warning, file=sys.stderr, flush=True)

    if args.database_url:
        os.environ[DATABASE_URL_ENV] = args.database_url
    db = open_database(args)  # migrate once, before any worker starts
    if args.demo:
        with db.write() as session:
            token = seed_demo(session)
            session.commit()
        base = f"http://{args.host}:{args.port}/api/v1"
        demo = demo_data()["demo"]
        print(f"demo user: {demo['email']}\ntoken: {token.value}")
        print(f"curl -s -X POST {base}/time_entries.json "
              f"-H 'Authorization: Bearer {token.value}' "
              f"--data-urlencode 'body={demo['sentence']}'", flush=True)
    if not _has_users(db):
        print(FIRST_USER_HINT, file=sys.stderr, flush=True)
    db.dispose()
    open_files = raise_open_files_limit()  # the workers inherit it
    uvicorn.run(
        "nlentry.api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
        loop="uvloop",
        # httptools with a deadline for each request's head (slowloris)
        http=HeadTimeoutProtocol,
        # past this a request is answered 503 at once rather than left waiting
        limit_concurrency=max_connections(open_files),
        access_log=False,
    )
    return 0


def _has_users(db) -> bool:
    from nlentry.storage import has_users

    with db.read() as session:
        return has_users(session)
