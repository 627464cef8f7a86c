"""API tokens: stored only as hashes, compared in constant time, never logged,
refused once revoked, and random.

* Every table and column of the database is read back with SQLAlchemy (and on
  SQLite the raw database files too) and no token, nor its secret, nor their
  base64 or hex forms, is found.
* ``hmac.compare_digest`` (``secrets.compare_digest`` is the same function) is
  what a login compares the secret with, on a good and on a failed login.
* All logs (root, ``nlentry``, ``uvicorn*``, ``starlette``, ``sqlalchemy*``,
  ``httpx`` at DEBUG, plus whatever reaches stdout and stderr) of a failed and a
  good login in each of the four auth styles of docs/api.md, in process and through
  a real uvicorn server configured as ``nlentry serve`` configures it, hold no
  token.
"""

from __future__ import annotations

import base64
import hmac
import logging
import random
import secrets
from pathlib import Path

import httpx
from sqlalchemy import MetaData, Table, create_engine, inspect, select
from starlette.testclient import TestClient

import nlentry.api.credentials as auth_module
import nlentry.storage.api_tokens as tokens_module
from nlentry.api.app import create_app
from nlentry.storage.api_tokens import hash_token, issue_token, revoke_token
from nlentry.storage.models import User
from tests.reliability.reliability_support import CountingClient, add_account, tally
from tests.support.uvicorn_thread import serving

PROJECTS = "/api/v1/projects.json"
ENTRIES = "/api/v1/time_entries.json"


# --- helpers ---------------------------------------------------------------------------------


def token_variants(token: str) -> set[str]:
    """The token, its secret, and the base64 and hex forms a careless store might hold."""
    _, _, secret = token.partition(".")
    forms = {token, secret}
    for value in (token, secret):
        raw = value.encode()
        forms.add(base64.b64encode(raw).decode())
        forms.add(base64.b64encode(raw).decode().rstrip("="))
        forms.add(base64.urlsafe_b64encode(raw).decode().rstrip("="))
        forms.add(raw.hex())
    try:  # the secret is URL-safe base64 of random bytes: those bytes, in hex and base64
        secret_bytes = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    except ValueError:
        secret_bytes = b""
    if secret_bytes:
        forms.add(secret_bytes.hex())
        forms.add(base64.b64encode(secret_bytes).decode().rstrip("="))
    return {form for form in forms if len(form) >= 16}


def auth_styles(email: str, token: str) -> list[tuple[str, str, dict]]:
    """``(style, method, request kwargs)`` for every way docs/api.md lets a client log in."""
    basic = base64.b64encode(f"{email}:{token}".encode()).decode()
    basic_alone = base64.b64encode(f"{token}:".encode()).decode()
    return [
        ("X-Api-Key email:token", "GET", {"headers": {"X-Api-Key": f"{email}:{token}"}}),
        ("X-Api-Key token", "GET", {"headers": {"X-Api-Key": token}}),
        ("Basic email:token", "GET", {"headers": {"Authorization": f"Basic {basic}"}}),
        ("Basic token alone", "GET", {"headers": {"Authorization": f"Basic {basic_alone}"}}),
        ("Bearer", "GET", {"headers": {"Authorization": f"Bearer {token}"}}),
        ("query email+token", "GET", {"params": {"email": email, "token": token}}),
        ("form email+token", "POST",
         {"data": {"email": email, "token": token, "body": "1 uur werk"}}),
    ]


def wrong_token(token: str) -> str:
    """The same public id with another secret: the lookup succeeds, the comparison fails."""
    return f"{token.split('.', 1)[0]}.{secrets.token_urlsafe(32)}"


LOGGERS = ["", "nlentry", "nlentry.api", "uvicorn", "uvicorn.error", "uvicorn.access",
           "uvicorn.asgi", "starlette", "sqlalchemy", "sqlalchemy.engine",
           "sqlalchemy.engine.Engine", "sqlalchemy.pool", "sqlalchemy.orm",
           "anyio", "asyncio", "multipart", "python_multipart", "alembic"]
#: The test's own HTTP client logs the URLs it requests (query tokens included): it is
#: the caller, not the service, so its records are left out.
CLIENT_LOGGERS = ("httpx", "httpcore")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in CLIENT_LOGGERS:
            return
        try:
            self.lines.append(self.formatter_.format(record))
        except (TypeError, ValueError, KeyError) as error:  # a record that cannot be formatted is still kept
            self.lines.append(f"{record.msg!r} {record.args!r} ({error})")
        self.lines.append(repr(record.args))


class all_logs_at_debug:
    """Attach one capturing handler to every relevant logger, all at DEBUG."""

    def __enter__(self) -> Capture:
        self.capture = Capture()
        self.saved = []
        names = {
            name for name in set(LOGGERS) | set(logging.root.manager.loggerDict)
            if name.split(".")[0] not in CLIENT_LOGGERS
        }
        for name in sorted(names):
            logger = logging.getLogger(name)
            self.saved.append((logger, logger.level, logger.disabled))
            logger.setLevel(logging.DEBUG)
            logger.disabled = False
            logger.addHandler(self.capture)
        return self.capture

    def __exit__(self, *exc) -> None:
        for logger, level, disabled in self.saved:
            logger.removeHandler(self.capture)
            logger.setLevel(level)
            logger.disabled = disabled


def assert_not_in(texts: list[str], tokens: list[str], where: str) -> None:
    forms = set().union(*(token_variants(token) for token in tokens))
    for text in texts:
        for form in forms:
            assert form not in text, f"a token ({form[:12]}...) in {where}: {text[:300]}"


# --- stored only as a hash --------------------------------------------------------------------


def test_no_token_anywhere_in_the_database(app, database_url):
    http = CountingClient(TestClient(app), tally("tokens"))
    accounts = [add_account(app, f"user{i}@acme.nl", workspace=f"W{i % 2}") for i in range(4)]
    tokens = [account.token for account in accounts]
    with app.state.db.write() as session:
        for account in accounts:
            user = session.get(User, account.id)
            tokens.extend(issue_token(session, user).value for _ in range(3))
        revoked = issue_token(session, session.get(User, accounts[0].id)).value
        session.flush()
        assert revoke_token(session, revoked)
        session.commit()
    tokens.append(revoked)
    failed = [wrong_token(tokens[0]), "not-a-token"]
    # use them: good and failed logins, an entry, an idempotent create
    for account in accounts:
        for style, method, kwargs in auth_styles(account.email, account.token):
            url = ENTRIES if method == "POST" else PROJECTS
            answer = http.request(method, url, **kwargs)
            assert answer.status_code in (200, 201, 422), (style, answer.status_code)
    for token in failed + [revoked]:
        assert http.get(PROJECTS, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    answer = http.post(ENTRIES, json={"body": "2 uur werk"},
                       headers={**accounts[0].headers, "Idempotency-Key": "k-1"})
    assert answer.status_code == 201

    engine = create_engine(database_url)
    try:
        found_tables = inspect(engine).get_table_names()
        assert "api_tokens" in found_tables
        values: list[str] = []
        with engine.connect() as connection:
            for name in found_tables:
                table = Table(name, MetaData(), autoload_with=engine)
                for row in connection.execute(select(table)):
                    for value in row:
                        if isinstance(value, bytes | bytearray | memoryview):
                            raw = bytes(value)
                            values.extend([raw.hex(), raw.decode("latin-1")])
                        elif value is not None:
                            values.append(str(value))
            hashes = [str(h) for h in connection.execute(
                select(Table("api_tokens", MetaData(), autoload_with=engine).c.secret_hash))]
    finally:
        engine.dispose()
    assert len(hashes) == len(tokens)
    assert_not_in(values, tokens + failed, "the database")
    # and what is stored is the hash
    stored = {h.strip("(),' ") for h in hashes}
    assert stored == {hash_token(token) for token in tokens}

    if database_url.startswith("sqlite:///"):  # the raw files too: WAL and all
        db_path = Path(database_url.removeprefix("sqlite:///"))
        app.state.db.dispose()
        blobs = [path.read_bytes() for path in db_path.parent.glob(db_path.name + "*")]
        for blob in blobs:
            for token in tokens + failed:
                for form in token_variants(token):
                    assert form.encode() not in blob, f"a token form in {db_path.name}"


# --- compared in constant time -----------------------------------------------------------------


def test_secret_is_compared_with_compare_digest(client, app, monkeypatch):
    account = add_account(app, "ct@acme.nl")
    real = hmac.compare_digest
    calls: list[tuple] = []

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    monkeypatch.setattr(secrets, "compare_digest", spy)
    for module in (auth_module, tokens_module):
        if hasattr(module, "compare_digest"):
            monkeypatch.setattr(module, "compare_digest", spy)

    assert client.get(PROJECTS, headers=account.headers).status_code == 200
    assert calls, "a good login did not compare the secret with compare_digest"
    stored = hash_token(account.token)
    assert any(stored in (a, b) for a, b in calls)

    calls.clear()
    bad = wrong_token(account.token)
    assert client.get(PROJECTS, headers={"Authorization": f"Bearer {bad}"}).status_code == 401
    assert calls, "a failed login (right id, wrong secret) did not use compare_digest"
    assert any(hash_token(bad) in (a, b) and stored in (a, b) for a, b in calls), calls


# --- never logged --------------------------------------------------------------------------------


def _login_round(send, good: tuple[str, str], bad: tuple[str, str]) -> None:
    """A good and a failed login in every auth style through ``send(method, url, **kw)``."""
    for (email, token), ok in ((good, True), (bad, False)):
        for style, method, kwargs in auth_styles(email, token):
            url = ENTRIES if method == "POST" else PROJECTS
            status = send(method, url, **kwargs)
            if ok:
                assert status in (200, 201), (style, status)
            else:
                assert status == 401, (style, status)


def test_tokens_never_logged_in_process(database_url, capfd):
    with all_logs_at_debug() as capture:
        app = create_app(database_url, rate_limit_per_minute=100_000)
        try:
            account = add_account(app, "logs@acme.nl")
            bad = wrong_token(account.token)
            http = CountingClient(TestClient(app), tally("tokens"))

            def send(method, url, **kwargs):
                return http.request(method, url, **kwargs).status_code

            _login_round(send, (account.email, account.token), (account.email, bad))
            # and a server fault with a token in the request: the trace is logged, not the token
            answer = http.get("/api/v1/projects/99999999999999999999.json",
                              params={"token": account.token, "email": account.email})
            assert answer.status_code < 600
        finally:
            app.state.db.dispose()
    assert capture.lines, "nothing was logged at all: the capture is not working"
    out, err = capfd.readouterr()
    assert_not_in(capture.lines, [account.token, bad], "the logs")
    assert_not_in([out, err], [account.token, bad], "stdout/stderr")


def serve_options(monkeypatch, database_url: str) -> dict:
    """The keyword arguments ``nlentry serve`` gives ``uvicorn.run`` (caught, not run)."""
    import uvicorn

    from nlentry.cli.main import main
    from nlentry.storage import DATABASE_URL_ENV

    seen: dict = {}
    monkeypatch.setenv(DATABASE_URL_ENV, database_url)
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: seen.update(kwargs))
    assert main(["serve", "--database-url", database_url, "--port", "1"]) == 0
    assert seen, "nlentry serve did not call uvicorn.run"
    return seen


def test_tokens_never_logged_by_a_real_server(database_url, capfd, monkeypatch):
    """A real uvicorn server with the options ``nlentry serve`` passes (no access log, ...).

    The capture is attached after uvicorn configured its loggers, except to
    ``uvicorn.access``: uvicorn logs access lines exactly when that logger has
    a handler, so a handler there would switch the access log on.
    """
    import uvicorn

    options = serve_options(monkeypatch, database_url)
    with all_logs_at_debug() as capture:
        app = create_app(database_url, rate_limit_per_minute=100_000)
        account = add_account(app, "server-logs@acme.nl")
        bad = wrong_token(account.token)
        kept = {key: options[key] for key in ("loop", "http", "access_log") if key in options}
        config = uvicorn.Config(app, log_level="debug", lifespan="on", **kept)
        access = logging.getLogger("uvicorn.access")
        access.removeHandler(capture)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
            logger = logging.getLogger(name)
            logger.addHandler(capture)
            logger.setLevel(logging.DEBUG)
        access_on = access.hasHandlers()
        try:
            with serving(config, start_within=20) as (_, port):
                counter = tally("tokens")
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                    def send(method, url, **kwargs):
                        status = http.request(method, url, **kwargs).status_code
                        counter.count(status)
                        return status

                    _login_round(send, (account.email, account.token), (account.email, bad))
        finally:
            for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
                logging.getLogger(name).removeHandler(capture)
    assert capture.lines
    out, err = capfd.readouterr()
    assert_not_in(capture.lines, [account.token, bad], "the server's logs")
    assert_not_in([out, err], [account.token, bad], "the server's stdout/stderr")
    # the access log, which would print query-string tokens, is off as served
    assert options.get("access_log") is False and not access_on


# --- revoked tokens are refused ------------------------------------------------------------------


def test_revoked_token_is_refused_in_every_style(client, app):
    account = add_account(app, "revoke@acme.nl")
    with app.state.db.write() as session:
        second = issue_token(session, session.get(User, account.id)).value
        session.commit()
    for style, method, kwargs in auth_styles(account.email, second):
        url = ENTRIES if method == "POST" else PROJECTS
        assert client.request(method, url, **kwargs).status_code in (200, 201), style
    with app.state.db.write() as session:
        assert revoke_token(session, second)
        session.commit()
    for style, method, kwargs in auth_styles(account.email, second):
        url = ENTRIES if method == "POST" else PROJECTS
        answer = client.request(method, url, **kwargs)
        assert answer.status_code == 401, style
        assert answer.json()["message"] == "unauthorized", style
    # revoking one token leaves the user's others alive
    assert client.get(PROJECTS, headers=account.headers).status_code == 200
    with app.state.db.write() as session:
        assert not revoke_token(session, second), "revoked twice"
        session.commit()


# --- random --------------------------------------------------------------------------------------


def test_tokens_are_random_distinct_and_long(app):
    account = add_account(app, "random@acme.nl")
    values: list[str] = []
    with app.state.db.write() as session:
        user = session.get(User, account.id)
        for _ in range(2):
            random.seed(1234)  # the `random` module's state must not decide a token
            values.extend(issue_token(session, user).value for _ in range(250))
        session.commit()
    assert len(set(values)) == len(values) == 500
    public_ids = [value.split(".", 1)[0] for value in values]
    secrets_ = [value.split(".", 1)[1] for value in values]
    assert len(set(public_ids)) == len(public_ids)
    assert len(set(secrets_)) == len(secrets_)
    for secret in secrets_:
        raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
        assert len(raw) >= 32, f"a secret of only {len(raw) * 8} bits"
    # no shared prefixes (a counter or a clock would show here)
    assert len({secret[:8] for secret in secrets_}) == len(secrets_)
    # the characters are spread over the alphabet, as random bytes are
    alphabet = set("".join(secrets_))
    assert len(alphabet) >= 60
