"""CORS (spec "Limits and versions"): ``NLENTRY_CORS_ORIGINS`` lists the origins a
browser may call from, preflights included; by default there are no CORS headers."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.api.middleware.cors import (
    ALLOW_HEADERS,
    CORS_ORIGINS_ENV,
    EXPOSE_HEADERS,
    parse_origins,
)

APP_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example"
PROJECTS = "/api/v1/projects.json"
CLIENT_HEADERS = ("Authorization", "X-Api-Key", "Content-Type", "Idempotency-Key",
                  "X-Accept-Version", "If-None-Match")  # fmt: skip


@pytest.fixture
def cors_app(database_url):
    app = create_app(database_url, rate_limit_per_minute=100_000,
                     cors_origins=f"{APP_ORIGIN}, http://localhost:3000/")  # fmt: skip
    yield app
    app.state.db.dispose()


@pytest.fixture
def cors_client(cors_app) -> TestClient:
    return TestClient(cors_app)


def preflight(client: TestClient, origin: str, method: str = "POST",
              headers: str = "authorization, content-type, idempotency-key"):  # fmt: skip
    return client.options("/api/v1/time_entries.json", headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers})  # fmt: skip


def cors_headers(answer) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k.startswith("access-control-")}


def test_a_preflight_from_an_allowed_origin_is_answered_without_a_token(cors_client):
    answer = preflight(cors_client, APP_ORIGIN,
                       headers=", ".join(h.lower() for h in CLIENT_HEADERS))  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    allowed = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert {h.lower() for h in CLIENT_HEADERS} <= allowed
    methods = set(answer.headers["access-control-allow-methods"].split(", "))
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    assert int(answer.headers["access-control-max-age"]) > 0
    assert answer.headers["x-api-version"] == "1"
    assert preflight(cors_client, "http://localhost:3000").status_code == 200  # "/" dropped


def test_a_preflight_from_another_origin_is_refused(cors_client):
    answer = preflight(cors_client, OTHER_ORIGIN)
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers
    body = answer.json()
    assert (body["error_code"], body["param"]) == ("bad_request", "Origin")
    assert "origin" in body["message"]


def test_a_preflight_asking_for_another_header_is_refused(cors_client):
    answer = preflight(cors_client, APP_ORIGIN, headers="authorization, x-secret")
    assert answer.status_code == 400
    assert answer.json()["param"] == "Access-Control-Request-Headers"


def test_a_simple_request_from_an_allowed_origin_names_it_and_exposes_the_headers(
        cors_client, cors_app, make_account):  # fmt: skip
    alice = make_account(cors_app, "alice@acme.nl")
    answer = cors_client.get(PROJECTS, headers={**alice.headers, "Origin": APP_ORIGIN})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "Origin" in answer.headers["vary"]
    exposed = {h.strip() for h in answer.headers["access-control-expose-headers"].split(",")}
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After",
            "ETag", "X-Api-Version"} <= exposed
    assert "access-control-allow-credentials" not in answer.headers  # tokens, no cookies
    assert answer.headers["x-ratelimit-limit"]


def test_errors_carry_the_cors_headers_too(cors_client):
    """A browser can read why it was refused: 401, and the version's 400."""
    unauthorized = cors_client.get(PROJECTS, headers={"Origin": APP_ORIGIN})
    assert unauthorized.status_code == 401
    assert unauthorized.headers["access-control-allow-origin"] == APP_ORIGIN
    version = cors_client.get(PROJECTS, headers={"Origin": APP_ORIGIN, "X-Accept-Version": "9"})
    assert version.status_code == 400 and version.json()["param"] == "X-Accept-Version"
    assert version.headers["access-control-allow-origin"] == APP_ORIGIN
    assert version.headers["x-api-version"] == "1"


def test_another_origin_is_not_named(cors_client):
    answer = cors_client.get("/api/v1/health", headers={"Origin": OTHER_ORIGIN})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


def test_without_origins_there_is_no_cors_header_at_all(client, alice, monkeypatch):
    simple = client.get(PROJECTS, headers={**alice.headers, "Origin": APP_ORIGIN})
    assert simple.status_code == 200 and cors_headers(simple) == {}
    answer = preflight(client, APP_ORIGIN)
    assert cors_headers(answer) == {}
    assert answer.status_code == 405  # no preflight handling: OPTIONS is no method of the path
    assert answer.json()["error_code"] == "method_not_allowed"


def test_the_origins_come_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv(CORS_ORIGINS_ENV, f"{APP_ORIGIN},http://127.0.0.1:8080")
    app = create_app(database_url)
    try:
        assert app.state.cors_origins == [APP_ORIGIN, "http://127.0.0.1:8080"]
        assert preflight(TestClient(app), "http://127.0.0.1:8080").status_code == 200
    finally:
        app.state.db.dispose()
    monkeypatch.setenv(CORS_ORIGINS_ENV, "")
    app = create_app(database_url)
    try:
        assert app.state.cors_origins == []
    finally:
        app.state.db.dispose()


@pytest.mark.parametrize("bad", ["app.example.com", "ftp://x.example", "https://x.example/path",
                                 "https://user@x.example", "https://"])
def test_a_value_that_is_no_origin_stops_the_start(database_url, monkeypatch, bad):
    with pytest.raises(ValueError, match=CORS_ORIGINS_ENV):
        parse_origins(bad)
    monkeypatch.setenv(CORS_ORIGINS_ENV, bad)
    with pytest.raises(ValueError, match="no origin"):
        create_app(database_url)


def test_any_origin_may_be_allowed():
    assert parse_origins(" * ") == ["*"]
    assert parse_origins([APP_ORIGIN, APP_ORIGIN + "/", ""]) == [APP_ORIGIN]


def test_the_headers_named_are_the_ones_clients_use():
    assert set(CLIENT_HEADERS) <= set(ALLOW_HEADERS)
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After",
            "ETag", "X-Api-Version"} <= set(EXPOSE_HEADERS)
