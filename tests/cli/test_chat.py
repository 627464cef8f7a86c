"""``nlentry chat link`` and ``nlentry chat unlink``: in-process on a fresh database (one
run through the real entry point); a link made here is the one the chat endpoints
use, a problem is one line on standard error, exit status 2 and nothing stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.api.scopes import LINK_SCOPES
from nlentry.cli.main import main
from nlentry.storage import Database, chat_links, migrate
from nlentry.storage.chat_models import ChatLink
from nlentry.storage.models import ApiToken


@pytest.fixture
def cli(database_url, capsys):
    """``cli(*args) -> (status, stdout, stderr)`` with ``--database-url`` added."""

    def run(*args: str) -> tuple[int, str, str]:
        status = main([*args, "--database-url", database_url])
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture
def db(database_url):
    made = Database(database_url)
    migrate(made.engine)
    yield made
    made.dispose()


@pytest.fixture
def alice(cli) -> str:
    status, out, err = cli("user", "add", "alice@acme.nl", "--workspace", "Acme")
    assert status == 0, err
    return out.strip()


@pytest.fixture
def bob(cli, alice) -> str:
    status, out, err = cli("user", "add", "bob@acme.nl", "--workspace", "Acme")
    assert status == 0, err
    return out.strip()


def new_code(db, platform="telegram", team="", user="7001", chat="-1001") -> str:
    """A code as a chat would offer it to that chat user."""
    with db.write() as session:
        code = chat_links.new_code(session, chat_links.Identity(platform, team, user, chat))
        session.commit()
    return code


def found(db, platform: str, team: str, user: str) -> chat_links.LinkInfo | None:
    with db.read() as session:
        return chat_links.find_link(session, platform, team, user)


def links(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(ChatLink))


def refused(result, *words: str) -> None:
    status, out, err = result
    assert status == 2 and out == "", result
    assert len(err.splitlines()) == 1 and err.startswith("nlentry: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


def test_link_by_code_links_the_chat_user_who_was_given_it(cli, db, alice):
    code = new_code(db)
    status, out, err = cli("chat", "link", code, "--email", "Alice@Acme.nl")
    assert (status, err) == (0, "")
    assert out.splitlines() == [out.strip()] and out.strip().isdigit()
    link = found(db, "telegram", "", "7001")
    assert link.id == int(out) and link.email == "alice@acme.nl"
    with db.read() as session:
        row = session.get(ChatLink, link.id)
        assert row.chat == "-1001"  # the chat that asked
        token = session.get(ApiToken, link.token_id)
        assert token.scopes.split() == list(LINK_SCOPES) and token.revoked_at is None
    refused(cli("chat", "link", code, "--email", "alice@acme.nl"),
            f"the code {code!r} is unknown, used or expired")  # used


def test_a_code_in_any_case_without_its_dash(cli, db, alice):
    code = new_code(db, "slack", "T1", "U1", "C1")
    status, _, err = cli("chat", "link", code.replace("-", "").lower(), "--email",
                         "alice@acme.nl")  # fmt: skip
    assert status == 0, err
    assert found(db, "slack", "T1", "U1") is not None


def test_link_by_platform_ids(cli, db, alice):
    status, out, err = cli("chat", "link", "--platform", "slack", "--team", "T1", "--user",
                           "U1", "--email", "alice@acme.nl")  # fmt: skip
    assert (status, err) == (0, "") and out.strip().isdigit()
    assert found(db, "slack", "T1", "U1").id == int(out)
    status, out, err = cli("chat", "link", "--platform", "telegram", "--user", "7001",
                           "--email", "alice@acme.nl")  # fmt: skip
    assert status == 0, err
    assert found(db, "telegram", "", "7001").id == int(out)
    assert found(db, "slack", "T2", "U1") is None and found(db, "slack", "T1", "U2") is None


def test_json_prints_the_linked_chat_user(cli, db, alice):
    status, out, _ = cli("chat", "link", "--platform", "mattermost", "--team", "team-1",
                         "--user", "user-1", "--email", "alice@acme.nl", "--json")  # fmt: skip
    printed = json.loads(out)
    assert status == 0 and printed == {"id": found(db, "mattermost", "team-1", "user-1").id,
                                       "platform": "mattermost", "team": "team-1",
                                       "user": "user-1", "email": "alice@acme.nl"}  # fmt: skip
    code = new_code(db, "telegram", "", "7002", "7002")
    status, out, _ = cli("chat", "link", code, "--email", "alice@acme.nl", "--json")
    assert status == 0
    assert {k: v for k, v in json.loads(out).items() if k != "id"} == {
        "platform": "telegram", "team": "", "user": "7002", "email": "alice@acme.nl"}


def test_linking_again_replaces_the_link_and_revokes_its_token(cli, db, alice, bob):
    args = ("chat", "link", "--platform", "slack", "--team", "T1", "--user", "U1")
    first = cli(*args, "--email", "alice@acme.nl")
    old = found(db, "slack", "T1", "U1")
    second = cli(*args, "--email", "bob@acme.nl")
    assert first[0] == second[0] == 0 and first[1] != second[1]
    now = found(db, "slack", "T1", "U1")
    assert now.email == "bob@acme.nl" and now.token_id != old.token_id and links(db) == 1
    with db.read() as session:
        assert session.get(ApiToken, old.token_id).revoked_at is not None


def test_errors_are_one_line_and_exit_2_and_store_nothing(cli, db, alice, capsys):
    code = new_code(db)
    refused(cli("chat", "link", "ABCD-EFGH", "--email", "alice@acme.nl"),
            "the code 'ABCD-EFGH' is unknown, used or expired")
    refused(cli("chat", "link", code, "--email", "nobody@acme.nl"),
            "no user with the e-mail nobody@acme.nl", "nlentry user add")
    for platform in ("slack", "mattermost"):
        refused(cli("chat", "link", "--platform", platform, "--user", "U1", "--email",
                    "alice@acme.nl"), f"--team is needed for {platform}")  # fmt: skip
        refused(cli("chat", "link", "--platform", platform, "--team", "  ", "--user", "U1",
                    "--email", "alice@acme.nl"), "--team is needed")  # fmt: skip
    refused(cli("chat", "link", "--platform", "telegram", "--team", "T1", "--user", "7001",
                "--email", "alice@acme.nl"), "telegram has no teams")  # fmt: skip
    refused(cli("chat", "link", "--platform", "slack", "--team", "T1", "--user", " ",
                "--email", "alice@acme.nl"), "--user can't be blank")  # fmt: skip
    refused(cli("chat", "link", "--platform", "slack", "--team", "T1", "--user", "U" * 65,
                "--email", "alice@acme.nl"), "at most 64 characters")  # fmt: skip
    refused(cli("chat", "link", code, "--platform", "slack", "--team", "T1", "--user", "U1",
                "--email", "alice@acme.nl"), "give a CODE, or --platform and --user")  # fmt: skip
    refused(cli("chat", "link", "--email", "alice@acme.nl"), "give a CODE")
    refused(cli("chat", "link", "--platform", "slack", "--team", "T1", "--email",
                "alice@acme.nl"), "give a CODE, or --platform and --user")  # fmt: skip
    refused(cli("chat", "link", "--user", "U1", "--email", "alice@acme.nl"), "give a CODE")
    assert links(db) == 0
    # the code a refused command named is not spent
    assert cli("chat", "link", code, "--email", "alice@acme.nl")[0] == 0


@pytest.mark.parametrize("args, words", [
    (("link", "--platform", "discord", "--user", "U1", "--email", "a@acme.nl"),
     ("invalid choice: 'discord'", "slack", "mattermost", "telegram")),
    (("unlink", "--platform", "irc", "--user", "U1"), ("invalid choice: 'irc'",)),
    (("unlink", "--user", "U1"), ("--platform",)),
    (("unlink", "--platform", "slack", "--team", "T1"), ("--user",)),
    (("link", "ABCD-EFGH"), ("--email",)),
])  # fmt: skip
def test_what_the_parser_refuses_exits_2_naming_it(database_url, capsys, args, words):
    with pytest.raises(SystemExit) as exit:
        main(["chat", *args, "--database-url", database_url])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err, (word, err)


def test_unlink_removes_the_link_and_revokes_its_token(cli, db, alice):
    cli("chat", "link", "--platform", "slack", "--team", "T1", "--user", "U1", "--email",
        "alice@acme.nl")  # fmt: skip
    cli("chat", "link", "--platform", "slack", "--team", "T1", "--user", "U2", "--email",
        "alice@acme.nl")  # fmt: skip
    gone = found(db, "slack", "T1", "U1")
    assert cli("chat", "unlink", "--platform", "slack", "--team", "T1", "--user", "U1") == (
        0, "", "")
    assert found(db, "slack", "T1", "U1") is None
    assert found(db, "slack", "T1", "U2") is not None  # another chat user's link is kept
    with db.read() as session:
        assert session.get(ApiToken, gone.token_id).revoked_at is not None
    refused(cli("chat", "unlink", "--platform", "slack", "--team", "T1", "--user", "U1"),
            "no link of slack user 'U1' in team 'T1'")
    refused(cli("chat", "unlink", "--platform", "slack", "--user", "U2"), "--team is needed")
    refused(cli("chat", "unlink", "--platform", "telegram", "--user", "7001"),
            "no link of telegram user '7001'")
    assert links(db) == 1


def test_a_link_made_here_is_the_one_the_chat_uses(cli, database_url, alice, monkeypatch):
    monkeypatch.setenv("NLENTRY_MATTERMOST_TOKENS", "mm-token")
    assert cli("chat", "link", "--platform", "mattermost", "--team", "team-1", "--user",
               "user-1", "--email", "alice@acme.nl")[0] == 0  # fmt: skip
    app = create_app(database_url, rate_limit_per_minute=100_000)
    try:
        with TestClient(app) as client:
            sent = iter(range(1, 100))

            def say(user: str):
                return client.post("/api/v1/chat/mattermost", data={
                    "token": "mm-token", "team_id": "team-1", "user_id": user,
                    "text": "2 uur overleg", "trigger_id": f"t-{next(sent)}"}).json()["text"]  # fmt: skip

            assert say("user-1").startswith("Geboekt:")
            assert "nlentry chat link" in say("user-2")  # not linked: a code
            stored = client.get("/api/v1/time_entries.json",
                                headers={"Authorization": f"Bearer {alice}"}).json()
            assert [e["duration"] for e in stored["time_entries"]] == [7200]
            assert cli("chat", "unlink", "--platform", "mattermost", "--team", "team-1",
                       "--user", "user-1")[0] == 0  # fmt: skip
            assert "nlentry chat link" in say("user-1")
    finally:
        app.state.db.dispose()


def test_the_command_line_exits_2_with_one_line(database_url, alice):
    env = {**os.environ, "NLENTRY_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "nlentry.cli", "chat", "link", "NOPE-NOPE",
                           "--email", "alice@acme.nl"], env=env, check=False,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "nlentry: the code 'NOPE-NOPE' is unknown, used or expired\n"
    done = subprocess.run([sys.executable, "-m", "nlentry.cli", "chat", "link", "--platform",
                           "slack", "--team", "T1", "--user", "U1", "--email", "alice@acme.nl"],
                          env=env, check=False, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip().isdigit(), done.stderr
