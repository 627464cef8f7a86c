"""Authentication: the four ways of docs/api.md, and 401 for everything else."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from nlentry.api.routes import PUBLIC_ROUTES, routes
from nlentry.storage.api_tokens import issue_token, revoke_token
from nlentry.storage.models import ApiToken


def basic(user: str, password: str = "") -> dict[str, str]:
    raw = f"{user}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def test_x_api_key(client, alice):
    answer = client.get("/api/v1/projects.json", headers={"X-Api-Key": f"{alice.email}:{alice.token}"})
    assert answer.status_code == 200


def test_basic_with_email_and_token(client, alice):
    assert client.get("/api/v1/projects.json", headers=basic(alice.email, alice.token)).status_code == 200


def test_basic_with_token_as_user_name(client, alice):
    assert client.get("/api/v1/projects.json", headers=basic(alice.token)).status_code == 200


def test_bearer(client, alice):
    assert client.get("/api/v1/projects.json", headers=alice.headers).status_code == 200


def test_query_parameters(client, alice):
    answer = client.get("/api/v1/projects.json", params={"email": alice.email, "token": alice.token})
    assert answer.status_code == 200


def test_form_fields(client, alice):
    answer = client.post(
        "/api/v1/clients.json", data={"name": "Timi BV", "email": alice.email, "token": alice.token}
    )
    assert answer.status_code == 201
    assert answer.json()["name"] == "Timi BV"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Bearer abc.def"},
        {"Authorization": "Basic !!!"},
        {"X-Api-Key": "alice@acme.nl:wrong.token"},
    ],
)
def test_bad_credentials_are_401(client, alice, headers):
    answer = client.get("/api/v1/projects.json", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["message"] == "unauthorized"


def test_a_token_with_one_character_changed_is_401(client, alice):
    last = alice.token[-1]
    forged = alice.token[:-1] + ("A" if last != "A" else "B")
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_email_must_belong_to_the_token(client, alice, bob):
    headers = {"X-Api-Key": f"{bob.email}:{alice.token}"}
    assert client.get("/api/v1/projects.json", headers=headers).status_code == 401
    assert client.get("/api/v1/projects.json", headers=basic(bob.email, alice.token)).status_code == 401


def test_revoked_token_is_401_and_others_keep_working(app, client, alice):
    with app.state.db.write() as session:
        from nlentry.storage.models import User

        second = issue_token(session, session.get(User, alice.id))
        assert revoke_token(session, alice.token)
        session.commit()
    assert client.get("/api/v1/projects", headers=alice.headers).status_code == 401
    answer = client.get("/api/v1/projects", headers={"Authorization": f"Bearer {second.value}"})
    assert answer.status_code == 200


def test_only_a_hash_of_the_token_is_stored(app, alice):
    with app.state.db.read() as session:
        rows = session.scalars(select(ApiToken)).all()
    assert len(rows) == 1
    secret = alice.token.split(".", 1)[1]
    for row in rows:
        for value in (row.public_id, row.secret_hash):
            assert secret not in value and alice.token not in value
        assert re.fullmatch(r"[0-9a-f]{64}", row.secret_hash)


def _concrete(path: str) -> str:
    """The path with every ``{name:int}`` as 1 and ``{alias}`` as x."""
    return re.sub(r"\{\w+:int\}", "1", path).replace("{alias}", "x")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (method, route.path)
        for route in routes
        if route.name not in PUBLIC_ROUTES
        for method in sorted(route.methods - {"HEAD"})
    ],
)
def test_every_private_route_needs_a_token(client, alice, method, path):
    for suffix in ("", ".json"):
        answer = client.request(method, _concrete(path) + suffix)
        assert answer.status_code == 401, (method, path, suffix)
        assert answer.json()["message"] == "unauthorized"


def test_health_and_info_need_no_token(client):
    health = client.get("/api/v1/health")
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    info = client.get("/api/v1/info.json").json()
    assert info["version"]
    paths = {(e["method"], e["path"]) for e in info["endpoints"]}
    assert ("POST", "/api/v1/time_entries") in paths
    assert ("DELETE", "/api/v1/time_entries/timer") in paths


def test_rate_limit_answers_429_with_headers(database_url, make_account):
    from starlette.testclient import TestClient

    from nlentry.api.app import create_app

    app = create_app(database_url, rate_limit_per_minute=3)
    try:
        user = make_account(app, "limited@acme.nl")
        client = TestClient(app)
        answers = [client.get("/api/v1/projects", headers=user.headers) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[0].headers["X-RateLimit-Limit"] == "3"
        assert answers[0].headers["X-RateLimit-Remaining"] == "2"
        assert int(answers[0].headers["X-RateLimit-Reset"]) > 0
        refused = answers[3]
        assert refused.json()["message"] == "rate limit exceeded"
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        other = make_account(app, "other@acme.nl")
        assert client.get("/api/v1/projects", headers=other.headers).status_code == 200
    finally:
        app.state.db.dispose()


def test_an_unreachable_redis_refuses_no_entry_and_still_limits(database_url, make_account):
    """Redis down: entries are stored, counted in this process's memory (see ratelimit.py)."""
    import socket

    from starlette.testclient import TestClient

    from nlentry.api.app import create_app

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(database_url, rate_limit_per_minute=2, redis_url=f"redis://127.0.0.1:{port}/0")
    try:
        user = make_account(app, "redisless@acme.nl")
        client = TestClient(app)
        answers = [client.post("/api/v1/time_entries.json", data={"body": f"{i} uur werk"},
                               headers=user.headers) for i in (1, 2, 3)]  # fmt: skip
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[1].headers["X-RateLimit-Remaining"] == "0"
        listed = client.get("/api/v1/time_entries.json", headers=user.headers)
        assert listed.status_code == 429  # the count goes on in memory
    finally:
        app.state.db.dispose()
