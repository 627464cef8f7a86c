"""``nlentry serve``, ``nlentry user add``, ``nlentry token revoke``."""

from __future__ import annotations

import argparse
import os
import sys

from nlentry import available_locales

# The storage layer (SQLAlchemy, Alembic) is imported inside each command, so
# that ``nlentry parse`` starts without it.


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
    add = user.add_parser("add", help="create a user and print its API token")
    add.add_argument("email")
    add.add_argument("--workspace", default="Default")
    add.add_argument("--locale", choices=available_locales(), default="nl",
                     help="the user's language (the locale files found)")
    add.add_argument("--name", help="display name (default: the part before @)")
    add.add_argument("--database-url")
    add.set_defaults(run=run_user_add)

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        dest="token_command", required=True
    )
    revoke = token.add_parser("revoke", help="revoke a token, or every token of --email")
    revoke.add_argument("token", nargs="?")
    revoke.add_argument("--email")
    revoke.add_argument("--database-url")
    revoke.set_defaults(run=run_token_revoke)


def _database(args: argparse.Namespace):
    from nlentry.storage import Database, migrate

    db = Database(args.database_url)
    migrate(db.engine)
    return db


def run_user_add(args: argparse.Namespace) -> int:
    from nlentry.storage import AccountError, create_user, get_or_create_workspace

    db = _database(args)
    try:
        with db.write() as session:
            workspace = get_or_create_workspace(session, args.workspace)
            _, token = create_user(session, args.email, workspace=workspace,
                                   locale=args.locale, display_name=args.name)
            session.commit()
    except AccountError as error:
        print(f"nlentry: {error}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(token.value)
    return 0


def run_token_revoke(args: argparse.Namespace) -> int:
    if not args.token and not args.email:
        print("nlentry: give a TOKEN or --email", file=sys.stderr)
        return 2
    from nlentry.storage import find_user, revoke_token, revoke_user_tokens

    db = _database(args)
    try:
        with db.write() as session:
            if args.token:
                revoked = int(revoke_token(session, args.token))
            else:
                user = find_user(session, args.email)
                revoked = 0 if user is None else revoke_user_tokens(session, user)
            session.commit()
    finally:
        db.dispose()
    if not revoked:
        print("nlentry: no such live token", file=sys.stderr)
        return 1
    print(f"revoked {revoked} token(s)", file=sys.stderr)
    return 0


def unshared_limits_warning(workers: int, environ=os.environ) -> str | None:
    """What to tell whoever runs several workers with rate limits counted in memory."""
    if workers <= 1 or (environ.get("NLENTRY_REDIS_URL") or "").strip():
        return None
    return (
        f"nlentry: warning: --workers {workers} without NLENTRY_REDIS_URL: each worker "
        "counts rate limits in its own memory, so a token may make up to "
        f"{workers} x NLENTRY_RATE_LIMIT requests a minute; set "
        "NLENTRY_REDIS_URL=redis://HOST:PORT/0 to share one count (idempotency keys "
        "live in the database and are shared either way)"
    )


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from nlentry.api.server_protocol import (
        HeadTimeoutProtocol,
        max_connections,
        raise_open_files_limit,
    )
    from nlentry.storage.demo import demo_data, seed_demo
    from nlentry.storage.engine import DATABASE_URL_ENV

    warning = unshared_limits_warning(args.workers)
    if warning:
        print(warning, file=sys.stderr, flush=True)

    if args.database_url:
        os.environ[DATABASE_URL_ENV] = args.database_url
    db = _database(args)  # migrate once, before any worker starts
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
