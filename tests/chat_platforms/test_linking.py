"""Linking a chat user (``POST /chat/links.json {"code"}``, on each platform where the
code comes from a chat): the code links the chat user it was given to, once, for 10
minutes; confirming needs a token with ``admin:all`` (401 without one, 403 with a
narrower one, and the code is not spent); the link acts through a token of its own,
listed in the user's ``/tokens``; unlinking (``nlentry chat unlink``) or revoking that
token ends the link, and the next message gets a code again; linking anew replaces it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from nlentry.api.scopes import LINK_SCOPES
from nlentry.cli.main import main
from nlentry.storage import chat_links
from nlentry.storage.chat_models import ChatLinkCode
from nlentry.storage.models import ApiToken
from tests.chat_platforms.support import (
    LINKS,
    TOKENS,
    SlackUser,
    chat_rows,
    code_in,
    confirm,
    entries,
    link_chat,
    stored_link,
)

ROWAN = "2,5 uur met Rowan aan Timi gewerkt"


def _code_row(app) -> ChatLinkCode:
    with app.state.db.read() as session:
        [row] = session.scalars(select(ChatLinkCode)).all()
        session.expunge(row)
        return row


def _link_tokens(client, account) -> list[dict]:
    listed = client.get(TOKENS, headers=account.headers)
    assert listed.status_code == 200, listed.text
    return [token for token in listed.json() if token["name"].startswith("chat: ")]


def test_a_code_links_once(app, client, chat_user, example_catalog, bob):
    code = code_in(chat_user.send(ROWAN).text)
    assert confirm(client, example_catalog, code).status_code == 201
    for someone in (example_catalog, bob):  # used: not again, by no one
        again = confirm(client, someone, code)
        assert again.status_code == 404, again.text
    row = stored_link(app, chat_user.name, chat_user.team, chat_user.user)
    assert row.user_id == example_catalog.id
    assert chat_user.send(ROWAN).text.startswith("Geboekt:")
    assert len(entries(client, example_catalog)) == 1 and entries(client, bob) == []


def test_a_code_expires_after_10_minutes(app, client, chat_user, example_catalog,
                                         monkeypatch):  # fmt: skip
    code = code_in(chat_user.send(ROWAN).text)
    row = _code_row(app)
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    assert (row.platform, row.team, row.chat_user, row.chat) == (
        chat_user.name, chat_user.team, chat_user.user, chat_user.chat)  # fmt: skip
    monkeypatch.setattr(chat_links, "utcnow", lambda: row.expires_at + dt.timedelta(seconds=1))
    late = confirm(client, example_catalog, code)
    assert late.status_code == 404, late.text
    assert stored_link(app, chat_user.name, chat_user.team, chat_user.user) is None
    assert _code_row(app).used_at is None  # refused, not spent
    # the same code a second before its end links: its age was all that was wrong
    monkeypatch.setattr(chat_links, "utcnow", lambda: row.expires_at - dt.timedelta(seconds=1))
    assert confirm(client, example_catalog, code).status_code == 201
    assert stored_link(app, chat_user.name, chat_user.team, chat_user.user) is not None


def test_the_code_may_be_typed_in_any_case_and_without_its_dash(client, chat_user,
                                                               example_catalog):  # fmt: skip
    code = code_in(chat_user.send(ROWAN).text)
    typed = f" {code.replace('-', '').lower()} "
    assert confirm(client, example_catalog, typed).status_code == 201


def test_confirming_a_code_needs_admin_all(app, client, slack_user, example_catalog,
                                           make_token):  # fmt: skip
    code = code_in(slack_user.send(ROWAN).text)
    nobody = client.post(LINKS, json={"code": code})
    assert nobody.status_code == 401 and nobody.json()["message"] == "unauthorized"
    narrow = make_token(app, example_catalog, scopes=LINK_SCOPES, name="narrow")
    refused = confirm(client, narrow, code)
    assert refused.status_code == 403, refused.text
    assert refused.json()["required_scope"] == "admin:all"
    assert sorted(refused.json()["available_scopes"]) == sorted(LINK_SCOPES)
    assert chat_rows(app)["links"] == 0 and _code_row(app).used_at is None  # not spent
    assert confirm(client, example_catalog, code).status_code == 201


def test_a_code_that_is_no_code_is_refused(app, client, example_catalog):
    for body in ({}, {"code": ""}, {"code": "X" * 33}, {"code": 12345678}):
        answer = client.post(LINKS, json=body, headers=example_catalog.headers)
        assert answer.status_code == 422, (body, answer.text)
    for code in ("ABCD-EFGH", "nothing"):
        assert confirm(client, example_catalog, code).status_code == 404
    assert chat_rows(app)["links"] == 0


def test_a_code_links_only_the_chat_user_it_was_given_to(app, client, served, receiver, bot,
                                                        chat_user, example_catalog):  # fmt: skip
    other = _another(chat_user, served, receiver, bot)
    mine = code_in(chat_user.send(ROWAN).text)
    theirs = code_in(other.send(ROWAN).text)
    assert mine != theirs
    assert confirm(client, example_catalog, mine).status_code == 201
    code_in(other.send(ROWAN).text)  # still not linked
    assert chat_user.send(ROWAN).text.startswith("Geboekt:")
    assert len(entries(client, example_catalog)) == 1


def test_the_link_acts_through_a_token_of_its_own(app, client, chat_user, example_catalog):
    confirm(client, example_catalog, code_in(chat_user.send(ROWAN).text))
    [token] = _link_tokens(client, example_catalog)
    assert token["scopes"] == list(LINK_SCOPES)
    assert token["name"] == f"chat: {chat_user.name} " + "/".join(
        part for part in (chat_user.team, chat_user.user) if part)
    row = stored_link(app, chat_user.name, chat_user.team, chat_user.user)
    assert row.token_id == token["id"]


def test_unlink_revokes_the_links_token_and_the_next_message_gets_a_code(
        app, client, database_url, capsys, chat_user, example_catalog):  # fmt: skip
    alice = example_catalog
    confirm(client, alice, code_in(chat_user.send(ROWAN).text))
    assert chat_user.send(ROWAN).text.startswith("Geboekt:")
    [token] = _link_tokens(client, alice)
    team = ["--team", chat_user.team] if chat_user.team else []
    assert main(["chat", "unlink", "--platform", chat_user.name, *team, "--user",
                 chat_user.user, "--database-url", database_url]) == 0  # fmt: skip
    assert capsys.readouterr().out == ""
    assert _link_tokens(client, alice) == []  # revoked: no longer listed
    assert stored_link(app, chat_user.name, chat_user.team, chat_user.user) is None
    said = chat_user.send(ROWAN)
    code_in(said.text)
    assert said.choices == []
    assert len(entries(client, alice)) == 1  # only the message before the unlink
    with app.state.db.read() as session:
        assert session.get(ApiToken, token["id"]).revoked_at is not None


def test_revoking_the_links_token_ends_the_link(app, client, chat_user, example_catalog):
    alice = example_catalog
    confirm(client, alice, code_in(chat_user.send(ROWAN).text))
    [token] = _link_tokens(client, alice)
    revoked = client.delete(f"/api/v1/tokens/{token['id']}.json", headers=alice.headers)
    assert revoked.status_code == 204
    code = code_in(chat_user.send(ROWAN).text)
    assert entries(client, alice) == []
    assert confirm(client, alice, code).status_code == 201  # linked anew, a new token
    [renewed] = _link_tokens(client, alice)
    assert renewed["id"] != token["id"]
    assert chat_user.send(ROWAN).text.startswith("Geboekt:")


def test_linking_again_replaces_the_link(app, client, slack_user, example_catalog, bob):
    alice = example_catalog
    link_chat(app, alice, "slack", "T1", "U1")
    [old] = _link_tokens(client, alice)
    link_chat(app, bob, "slack", "T1", "U1")
    assert _link_tokens(client, alice) == []  # the old link's token revoked
    assert [t["scopes"] for t in _link_tokens(client, bob)] == [list(LINK_SCOPES)]
    assert chat_rows(app)["links"] == 1
    assert stored_link(app, "slack", "T1", "U1").user_id == bob.id
    slack_user.send("2 uur Timi")
    assert len(entries(client, bob)) == 1 and entries(client, alice) == []
    assert old["id"] not in [t["id"] for t in _link_tokens(client, bob)]


def _another(chat_user, served, receiver, bot):
    """Another chat user of the same platform."""
    kind = type(chat_user)
    if chat_user.name == "slack":
        return kind(served, receiver, user="U2")
    if chat_user.name == "mattermost":
        return kind(served, user="mm-user-2")
    return kind(served, bot, user=7002)


@pytest.mark.parametrize("team, user", [("T1", "U2"), ("T2", "U1")])
def test_a_link_is_per_team_and_user(app, client, served, receiver, example_catalog, team, user):
    link_chat(app, example_catalog, "slack", "T1", "U1")
    code_in(SlackUser(served, receiver, user=user, team=team).send(ROWAN).text)
    assert entries(client, example_catalog) == []
