"""``nlentry chat link`` and ``nlentry chat unlink``: chat links from the shell (an admin's).

* ``nlentry chat link --platform slack --team T --user U --email EMAIL``: the chat
  user ``U`` (of team ``T``: needed for Slack and Mattermost; Telegram has none)
  logs time as ``EMAIL`` from now on;
* ``nlentry chat link CODE --email EMAIL``: the same for the chat user who was given
  the one-time ``CODE`` (as the web page and ``POST /chat/links.json`` confirm it);
* ``nlentry chat unlink --platform slack --team T --user U``: the link is removed and
  its token revoked.

``link`` prints the link's id alone on standard output (``--json``: the linked chat
user); a problem is one line on standard error and exit status 2, nothing stored.
"""

from __future__ import annotations

import argparse

from nlentry.cli.acting import Refused, acting_options, fail, group, in_transaction, run_as_user

PLATFORMS = ("slack", "mattermost", "telegram")
#: The platforms whose chat users are named within a team (Telegram's are not).
WITH_TEAM = ("slack", "mattermost")
#: The longest user or team id a link holds (``chat_links.team``, ``.chat_user``).
MAX_ID = 64


def add_chat_commands(commands) -> None:
    chat = group(commands, "chat", "link chat users (Slack, Mattermost, Telegram) to users")
    link = chat.add_parser("link", help="link a chat user to the user --email names, by its "
                                        "platform ids or by the code the chat gave it")
    link.add_argument("code", nargs="?", help="the one-time code the chat user was given")
    _platform_arguments(link, required=False)
    acting_options(link)
    link.set_defaults(run=run_link)

    unlink = chat.add_parser("unlink", help="remove a chat user's link and revoke its token")
    _platform_arguments(unlink, required=True)
    unlink.add_argument("--database-url", help="default: $NLENTRY_DATABASE_URL or ./nlentry.db")
    unlink.set_defaults(run=run_unlink)


def _platform_arguments(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--platform", choices=PLATFORMS, required=required)
    parser.add_argument("--team", default="", help="the Slack or Mattermost team id "
                                                   "(needed there; Telegram has none)")
    parser.add_argument("--user", required=required, help="the chat user's id on the platform")


def _identity_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with ``--platform``, ``--team`` and ``--user``, if anything: a Slack
    or Mattermost user is named within a team, a Telegram one is not."""
    team = (args.team or "").strip()
    if not (args.user or "").strip():
        return "--user can't be blank"
    if len(args.user.strip()) > MAX_ID or len(team) > MAX_ID:
        return f"--user and --team are at most {MAX_ID} characters"
    if args.platform in WITH_TEAM and not team:
        return f"--team is needed for {args.platform} (the team id its users belong to)"
    if args.platform not in WITH_TEAM and team:
        return f"{args.platform} has no teams: leave out --team"
    return None


def run_link(args: argparse.Namespace) -> int:
    named = args.platform is not None or args.user is not None or bool(args.team)
    if args.code is not None and named:
        return fail("give a CODE, or --platform and --user (not both)")
    if args.code is None and (args.platform is None or args.user is None):
        return fail("give a CODE, or --platform and --user")
    if args.code is None and (problem := _identity_problem(args)):
        return fail(problem)

    def link(session, user):
        from nlentry.api.scopes import LINK_SCOPES
        from nlentry.storage import chat_links

        if args.code is not None:
            identity = chat_links.use_code(session, args.code)
            if identity is None:
                raise Refused(f"the code {args.code!r} is unknown, used or expired")
        else:
            identity = chat_links.Identity(args.platform, args.team.strip(), args.user.strip())
        link_id = chat_links.link(session, identity, user.id, LINK_SCOPES)
        return link_id, {"id": link_id, "platform": identity.platform, "team": identity.team,
                         "user": identity.chat_user, "email": user.email}  # fmt: skip

    return run_as_user(args, link)


def run_unlink(args: argparse.Namespace) -> int:
    from nlentry.storage import chat_links

    if problem := _identity_problem(args):
        return fail(problem)
    status, removed = in_transaction(args, lambda session: chat_links.unlink(
        session, args.platform, args.team.strip(), args.user.strip()))  # fmt: skip
    if status:
        return status
    if not removed:
        return fail(f"no link of {args.platform} user {args.user!r}"
                     + (f" in team {args.team!r}" if args.team else ""))  # fmt: skip
    return 0
