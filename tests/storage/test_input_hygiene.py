"""Storage side of issue 10 (findings 6 and 13): what may reach SQL, alias keys, demo tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from nlentry.limits import MAX_NAME_LENGTH
from nlentry.parsing.words import normalize
from nlentry.storage import Database, create_user, get_or_create_workspace, migrate
from nlentry.storage.api_tokens import find_token, public_id_of, token_owner
from nlentry.storage.demo import seed_demo
from nlentry.storage.models import Alias, Project
from nlentry.storage.queries import aliases


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    migrate(database.engine)
    yield database
    database.dispose()


def test_seeding_the_demo_again_revokes_the_token_printed_before(db):
    tokens = []
    for _ in range(3):  # three starts of `nlentry serve --demo`
        with db.write() as session:
            tokens.append(seed_demo(session).value)
            session.commit()
    assert len(set(tokens)) == 3
    with db.read() as session:
        assert [find_token(session, token) is not None for token in tokens] == [False, False, True]


@pytest.mark.parametrize("token", ["ab\x00cd.ef", "\x00.x", "ab\ud800.ef", "a b.c", "ab;cd.ef",
                                   "é.x", "x" * 33 + ".y", ".x", "x.", "x"])
def test_a_token_whose_public_id_is_no_public_id_is_never_looked_up(db, token):
    assert public_id_of(token) is None
    sent = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with db.read() as session:
        assert token_owner(session, token) is None
        assert find_token(session, token) is None
    assert sent == []


def test_issued_tokens_keep_a_public_id(db):
    with db.write() as session:
        workspace = get_or_create_workspace(session, "Acme")
        _, token = create_user(session, "a@acme.nl", workspace=workspace)
        session.commit()
    assert public_id_of(token.value) == token.value.split(".")[0]
    with db.read() as session:
        assert token_owner(session, token.value) is not None


@pytest.mark.parametrize("character", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
                                       "\u202e"])
def test_normalize_strips_format_characters(character):
    assert normalize(f"ti{character}mi") == "timi"
    assert normalize(f"{character}Café{character}") == "cafe"


def _project(db) -> tuple[int, int, int]:
    with db.write() as session:
        workspace = get_or_create_workspace(session, "Acme")
        user, _ = create_user(session, "a@acme.nl", workspace=workspace)
        one, two = Project(workspace_id=workspace.id, name="One"), Project(
            workspace_id=workspace.id, name="Two")
        session.add_all([one, two])
        session.commit()
        return user.id, one.id, two.id


def test_a_look_alike_alias_is_the_same_key(db):
    user_id, one, two = _project(db)
    with db.write() as session:
        assert aliases.add_alias(session, user_id, "project", one, "Rowan") is None
        assert aliases.add_alias(session, user_id, "project", two, "Ro\u200bwan") == "taken"
        assert aliases.add_alias(session, user_id, "project", one, "Row\u200dan") is None
        assert aliases.add_alias(session, user_id, "project", two, "\u200b") == "invalid"
        assert aliases.add_alias(session, user_id, "project", two, "Kees\u200b") is None
        session.commit()
    with db.read() as session:
        assert sorted(session.scalars(select(Alias.name))) == ["Kees\u200b", "Rowan"]
        assert sorted(session.scalars(select(Alias.normalized))) == ["kees", "rowan"]
    with db.write() as session:
        assert aliases.delete_alias(session, user_id, "project", one, "R\u00adowan")
        assert aliases.add_alias(session, user_id, "project", two, "u\u200bur") == "time_word"
        session.commit()


def test_an_alias_is_refused_when_its_normalised_form_outgrows_the_column(db):
    user_id, one, _ = _project(db)
    long = "\ufdfa" * 15  # 15 characters, 270 once normalised
    with db.write() as session:  # the caller rolls back on a problem, as the API does
        assert aliases.replace_aliases(session, user_id, "project", one, ["ok", long]) == [
            (long, "too_long")]
    with db.write() as session:
        assert aliases.add_alias(session, user_id, "project", one, long) == "too_long"
        assert not aliases.delete_alias(session, user_id, "project", one, long)
        assert aliases.add_alias(session, user_id, "project", one, "x" * MAX_NAME_LENGTH) is None
        session.commit()
    with db.read() as session:
        assert list(session.scalars(select(Alias.name))) == ["x" * MAX_NAME_LENGTH]
