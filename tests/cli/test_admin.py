"""``nlentry user add``, ``nlentry token create|list|revoke`` and ``nlentry serve`` options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
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
        assert answer.json()["errors"] == {"duration": ["is not a number"]}
    finally:
        app.state.db.dispose()
    again = run_cli(database_url, "user", "add", "NEW@acme.nl")
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr == "nlentry: a user new@acme.nl exists already\n"


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
        assert main(["token", "revoke", first, "--database-url", database_url]) == 2
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
    assert main(["user", "add", "a@acme.nl", "--database-url", database_url]) == 0
    capsys.readouterr()
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


def test_serve_on_an_empty_database_says_how_to_add_the_first_user(database_url, monkeypatch,
                                                                   capsys):  # fmt: skip
    monkeypatch.delenv("NLENTRY_REDIS_URL", raising=False)
    started, err = _serve(database_url, monkeypatch, capsys)
    assert started  # it starts anyway
    assert 'nlentry user add you@example.com --workspace "Your company"' in err
    assert main(["user", "add", "a@acme.nl", "--database-url", database_url]) == 0
    capsys.readouterr()
    started, err = _serve(database_url, monkeypatch, capsys)
    assert err == ""


@pytest.mark.parametrize("name, value", [
    ("NLENTRY_TIMEZONE", "Mars/Olympus_Mons"), ("NLENTRY_RATE_LIMIT", "lots"),
    ("NLENTRY_LOGIN_FAILURES_PER_MINUTE", "0"), ("NLENTRY_BODY_TIMEOUT", "soon"),
])
def test_serve_with_a_bad_setting_names_it_and_starts_nothing(database_url, monkeypatch,
                                                              capsys, name, value):  # fmt: skip
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: started.append(kwargs))
    monkeypatch.setenv(name, value)
    assert main(["serve", "--database-url", database_url]) == 2
    err = capsys.readouterr().err
    assert started == [] and name in err and "Traceback" not in err


# --- roles, zones, tokens ---------------------------------------------------------------------


def _cli(database_url, capsys, *args) -> tuple[int, str, str]:
    status = main([*args, "--database-url", database_url])
    out, err = capsys.readouterr()
    return status, out, err


def _profile(database_url, token):
    app = create_app(database_url)
    try:
        answer = TestClient(app).get("/api/v1/users/me.json",
                                     headers={"Authorization": f"Bearer {token}"})
        return answer.status_code, answer.json()
    finally:
        app.state.db.dispose()


def test_user_add_with_role_zone_and_display_name(database_url, capsys):
    status, out, _ = _cli(database_url, capsys, "user", "add", "boss@acme.nl",
                          "--workspace", "Acme", "--timezone", "Europe/Amsterdam",
                          "--display-name", "The Boss", "--locale", "en")
    assert status == 0 and len(out.splitlines()) == 1
    code, me = _profile(database_url, out.strip())
    assert code == 200
    assert (me["role"], me["timezone"], me["display_name"], me["locale"]) == (
        "admin", "Europe/Amsterdam", "The Boss", "en")  # the workspace's first: its admin
    status, out, _ = _cli(database_url, capsys, "user", "add", "m@acme.nl", "--workspace", "Acme")
    assert status == 0 and _profile(database_url, out.strip())[1]["role"] == "member"
    status, out, _ = _cli(database_url, capsys, "user", "add", "a2@acme.nl", "--workspace", "Acme",
                          "--role", "admin")
    assert status == 0 and _profile(database_url, out.strip())[1]["role"] == "admin"


@pytest.mark.parametrize(("args", "message"), [
    (("user", "add", "z@acme.nl", "--timezone", "Mars/Base"),
     "nlentry: not an IANA time zone: 'Mars/Base' (e.g. Europe/Amsterdam)\n"),
    (("user", "add", "not-an-address"), "nlentry: not an e-mail address: 'not-an-address'\n"),
    (("token", "create", "--email", "nobody@acme.nl"),
     "nlentry: no user with the e-mail nobody@acme.nl (add one with: nlentry user add EMAIL)\n"),
    (("token", "create", "--email", "a@acme.nl", "--scopes", "read:everything"), None),
    (("token", "create", "--email", "a@acme.nl", "--expires-in-days", "0"),
     "nlentry: --expires-in-days must be 1 to 3650\n"),
    (("token", "list", "--email", "nobody@acme.nl"), None),
    (("token", "revoke", "--id", "1"), "nlentry: --id needs --email (and no TOKEN)\n"),
    (("token", "revoke", "--email", "a@acme.nl", "--id", "999"), "nlentry: no such live token\n"),
])
def test_errors_are_one_line_and_exit_2(database_url, capsys, args, message):
    assert _cli(database_url, capsys, "user", "add", "a@acme.nl")[0] == 0
    status, out, err = _cli(database_url, capsys, *args)
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("nlentry: ") and "Traceback" not in err
    if message is not None:
        assert err == message


def test_role_choices_are_checked(database_url):
    done = run_cli(database_url, "user", "add", "x@acme.nl", "--role", "owner")
    assert done.returncode == 2 and "invalid choice: 'owner'" in done.stderr
    assert "Traceback" not in done.stderr


def test_token_create_prints_the_token_alone_and_it_has_its_scopes(database_url, capsys):
    _cli(database_url, capsys, "user", "add", "a@acme.nl")
    status, out, err = _cli(database_url, capsys, "token", "create", "--email", "A@acme.nl",
                            "--name", "laptop", "--scopes", "read:time_entries,read:users",
                            "--expires-in-days", "30")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 1
    code, me = _profile(database_url, lines[0])
    assert code == 200 and me["email"] == "a@acme.nl"
    app = create_app(database_url)
    try:
        client = TestClient(app)
        refused = client.post("/api/v1/projects.json", json={"name": "x"},
                              headers={"Authorization": f"Bearer {lines[0]}"})
        assert refused.status_code == 403
        assert refused.json()["available_scopes"] == ["read:time_entries", "read:users"]
    finally:
        app.state.db.dispose()


def test_token_list_as_text_and_json(database_url, capsys):
    _cli(database_url, capsys, "user", "add", "a@acme.nl")
    _cli(database_url, capsys, "token", "create", "--email", "a@acme.nl", "--name", "ci",
         "--scopes", "read:projects")
    status, out, _ = _cli(database_url, capsys, "token", "list", "--email", "a@acme.nl")
    assert status == 0
    header, *rows = out.splitlines()
    assert header.split("\t") == ["id", "name", "scopes", "created_at", "expires_at",
                                  "last_used_at"]
    assert [row.split("\t")[1:3] for row in rows] == [["initial", "admin:all"],
                                                      ["ci", "read:projects"]]
    status, out, _ = _cli(database_url, capsys, "token", "list", "--email", "a@acme.nl", "--json")
    tokens = json.loads(out)
    assert [t["name"] for t in tokens] == ["initial", "ci"]
    assert set(tokens[0]) == {"id", "name", "scopes", "created_at", "expires_at", "last_used_at"}


def test_token_revoke_by_id_and_a_revoked_user_gets_a_new_token(database_url, capsys):
    _, first, _ = _cli(database_url, capsys, "user", "add", "a@acme.nl")
    _, out, _ = _cli(database_url, capsys, "token", "list", "--email", "a@acme.nl", "--json")
    token_id = json.loads(out)[0]["id"]
    status, _, err = _cli(database_url, capsys, "token", "revoke", "--email", "a@acme.nl",
                          "--id", str(token_id))
    assert status == 0 and err == "revoked 1 token(s)\n"
    assert _profile(database_url, first.strip())[0] == 401
    # not stuck: user add refuses the e-mail, token create issues a new one
    assert _cli(database_url, capsys, "user", "add", "a@acme.nl")[0] == 2
    status, out, _ = _cli(database_url, capsys, "token", "create", "--email", "a@acme.nl")
    assert status == 0 and _profile(database_url, out.strip())[0] == 200
