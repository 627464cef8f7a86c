"""``nlentry user add``, ``nlentry token revoke`` and ``nlentry serve`` options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.cli.main import main

FIXTURE_LOCALES = Path(__file__).resolve().parents[1] / "fixtures" / "locales"


def run_cli(database_url: str, *args: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NLENTRY_DATABASE_URL": database_url, **env_vars}
    return subprocess.run([sys.executable, "-m", "nlentry.cli", *args], env=env, check=False,
                          capture_output=True, text=True, timeout=120)


def test_user_add_prints_only_the_token_and_it_works(database_url):
    done = run_cli(database_url, "user", "add", "new@acme.nl", "--workspace", "Acme",
                   "--locale", "en")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    token = lines[0]
    app = create_app(database_url)
    try:
        client = TestClient(app)
        answer = client.post("/api/v1/time_entries", data={"body": "x", "duration": "nope"},
                             headers={"X-Api-Key": f"new@acme.nl:{token}"})
        assert answer.json() == {"errors": {"duration": ["is not a number"]}}
    finally:
        app.state.db.dispose()
    again = run_cli(database_url, "user", "add", "NEW@acme.nl")
    assert again.returncode == 1 and again.stdout == ""


def test_a_user_locale_is_any_locale_file_found(database_url):
    refused = run_cli(database_url, "user", "add", "anna@acme.de", "--locale", "de")
    assert refused.returncode == 2 and "invalid choice: 'de'" in refused.stderr
    done = run_cli(database_url, "user", "add", "anna@acme.de", "--locale", "de",
                   NLENTRY_LOCALE_PATH=str(FIXTURE_LOCALES))
    assert done.returncode == 0, done.stderr
    app = create_app(database_url)
    try:
        with app.state.db.read() as session:
            from nlentry.storage import find_user

            assert find_user(session, "anna@acme.de").locale == "de"
    finally:
        app.state.db.dispose()


def test_token_revoke_by_token_and_by_email(database_url, capsys):
    assert main(["user", "add", "a@acme.nl", "--database-url", database_url]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["user", "add", "b@acme.nl", "--database-url", database_url]) == 0
    second = capsys.readouterr().out.strip()
    app = create_app(database_url)
    try:
        client = TestClient(app)

        def status(token):
            return client.get("/api/v1/projects",
                              headers={"Authorization": f"Bearer {token}"}).status_code

        assert status(first) == status(second) == 200
        assert main(["token", "revoke", first, "--database-url", database_url]) == 0
        assert status(first) == 401 and status(second) == 200
        assert main(["token", "revoke", first, "--database-url", database_url]) == 1
        assert main(["token", "revoke", "--email", "b@acme.nl",
                     "--database-url", database_url]) == 0
        assert status(second) == 401
    finally:
        app.state.db.dispose()


def test_serve_options_parse():
    import argparse

    from nlentry.cli.admin import add_server_commands, run_serve

    parser = argparse.ArgumentParser()
    add_server_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--workers", "2", "--port", "9000", "--demo"])
    assert (args.host, args.port, args.workers, args.demo) == ("127.0.0.1", 9000, 2, True)
    assert args.run is run_serve


def _serve(database_url, monkeypatch, capsys, *args):
    """``nlentry serve ARGS`` up to the point where uvicorn would start; (uvicorn's kwargs, stderr)."""
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: started.update(kwargs))
    assert main(["serve", "--database-url", database_url, *args]) == 0
    return started, capsys.readouterr().err


def test_serve_warns_that_several_workers_without_redis_count_limits_apart(
    database_url, monkeypatch, capsys
):
    monkeypatch.delenv("NLENTRY_REDIS_URL", raising=False)
    started, err = _serve(database_url, monkeypatch, capsys, "--workers", "3")
    assert started["workers"] == 3
    assert "warning" in err and "--workers 3 without NLENTRY_REDIS_URL" in err
    assert "rate limits" in err
    for args in ((), ("--workers", "1")):
        started, err = _serve(database_url, monkeypatch, capsys, *args)
        assert started["workers"] is None and err == ""
    monkeypatch.setenv("NLENTRY_REDIS_URL", "redis://127.0.0.1:6379/0")
    started, err = _serve(database_url, monkeypatch, capsys, "--workers", "3")
    assert started["workers"] == 3 and err == ""
