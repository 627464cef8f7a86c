"""A fresh database per test: SQLite in ``tmp_path`` by default, PostgreSQL when
``NLENTRY_TEST_DATABASE_URL`` is set (``postgresql+psycopg://user@host/any``):
the run creates its own database there (through the server's ``postgres``
database), migrates it once, empties every table before each test and drops
the database at the end.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.storage import (
    Database,
    create_user,
    get_or_create_workspace,
    issue_token,
    migrate,
)
from nlentry.storage.demo import seed_example_catalog
from nlentry.storage.models import Base

TEST_DATABASE_URL_ENV = "NLENTRY_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def postgres_database():
    """On PostgreSQL: one migrated database for this run (None on SQLite)."""
    server = os.environ.get(TEST_DATABASE_URL_ENV)
    if not server:
        yield None
        return
    name = f"nlentry_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        migrate(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One SQLite database migrated for the run; each test gets a copy (migrating a new
    file takes 150 ms, a copy of a migrated one 1 ms, and the app then finds it at head)."""
    path = tmp_path_factory.mktemp("template") / "nlentry.db"
    db = Database(f"sqlite:///{path}")
    migrate(db.engine)
    db.dispose()
    for leftover in (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")):
        assert not leftover.exists(), leftover  # all of it is in the one file
    return path


@pytest.fixture
def database_url(tmp_path, postgres_database, request):
    """A fresh, empty database: a new SQLite file (a copy of the migrated template), or
    the PostgreSQL one emptied."""
    if postgres_database is None:
        path = tmp_path / "nlentry.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    engine = create_engine(postgres_database)
    try:
        with engine.begin() as connection:
            tables = ", ".join(
                f'"{table.name}"' for table in Base.metadata.sorted_tables
            )
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    yield postgres_database


@pytest.fixture
def app(database_url):
    app = create_app(database_url, rate_limit_per_minute=100_000)
    yield app
    app.state.db.dispose()


@pytest.fixture
def client(app):
    return TestClient(app)


@dataclass
class Account:
    id: int
    email: str
    token: str
    workspace_id: int
    role: str = "member"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def add_account(app, email: str, workspace: str = "Acme", locale: str = "nl",
                role: str | None = None, timezone: str | None = None) -> Account:
    """A new user (the workspace's first is its admin unless ``role`` says otherwise)
    with an ``admin:all`` token."""
    with app.state.db.write() as session:
        ws = get_or_create_workspace(session, workspace)
        user, token = create_user(session, email, workspace=ws, locale=locale, role=role,
                                  timezone=timezone)
        session.commit()
        return Account(user.id, user.email, token.value, ws.id, user.role)


def add_token(app, account: Account, scopes=("admin:all",), name: str = "test",
              expires_at=None) -> Account:
    """``account`` with another token of its user: ``scopes``, until ``expires_at``."""
    with app.state.db.write() as session:
        issued = issue_token(session, account.id, name=name, scopes=tuple(scopes),
                             expires_at=expires_at)
        session.commit()
    return replace(account, token=issued.value)


@pytest.fixture
def alice(app) -> Account:
    return add_account(app, "alice@acme.nl")


@pytest.fixture
def bob(app, alice) -> Account:
    """Alice's colleague: same workspace, own aliases and entries."""
    return add_account(app, "bob@acme.nl")


@pytest.fixture
def carol(app, alice) -> Account:
    """Another workspace altogether; a member there (its first user, but made a member
    explicitly, as before roles: an admin's reach is never what keeps her out)."""
    return add_account(app, "carol@other.example", workspace="Other", locale="en",
                       role="member")


@pytest.fixture
def example_catalog(app, alice) -> Account:
    """The example catalog (storage/demo_workspace.toml) in Alice's workspace, with her aliases (Rowan -> Timi)."""
    with app.state.db.write() as session:
        seed_example_catalog(session, alice.workspace_id, alice.id)
        session.commit()
    return alice


@pytest.fixture
def make_account():
    """``make_account(app, email, workspace="Acme", locale="nl", role=None, timezone=None)
    -> Account``."""
    return add_account


@pytest.fixture
def make_token():
    """``make_token(app, account, scopes=("admin:all",), name="test", expires_at=None)
    -> Account`` (the same user, the new token)."""
    return add_token


@pytest.fixture
def admin(alice) -> Account:
    """Acme's admin: Alice, its first user."""
    assert alice.role == "admin"
    return alice


@pytest.fixture
def member(bob) -> Account:
    """A member of Acme: Bob."""
    assert bob.role == "member"
    return bob


@pytest.fixture
def narrow(app, alice) -> Account:
    """Alice with a token that may only read her entries."""
    return add_token(app, alice, scopes=("read:time_entries",), name="narrow")
