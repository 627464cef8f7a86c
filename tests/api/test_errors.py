"""One error body for every failure (spec "Errors"): ``message``, ``error_code``,
``code``, ``type`` and ``param`` on every error answer, whoever gives it."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from nlentry.api import pipeline
from nlentry.api import scopes as scopes_module
from nlentry.api.errors import (
    FIELDS,
    APIError,
    Invalid,
    ServerFaultMiddleware,
    error_body,
    error_json,
    exception_handlers,
    forbidden,
    unavailable,
)
from nlentry.api.middleware import body_timeout

PROJECTS = "/api/v1/projects.json"

#: status -> (error_code, code, type), as the spec names them.
EXPECTED = {
    400: ("bad_request", "BAD_REQUEST", "invalid_request_error"),
    401: ("unauthorized", "INVALID_API_KEY", "authentication_error"),
    403: ("forbidden", "PERMISSION_DENIED", "permission_error"),
    404: ("not_found", "RESOURCE_NOT_FOUND", "invalid_request_error"),
    405: ("method_not_allowed", "METHOD_NOT_ALLOWED", "invalid_request_error"),
    408: ("request_timeout", "REQUEST_TIMEOUT", "invalid_request_error"),
    409: ("conflict", "CONFLICT", "invalid_request_error"),
    413: ("payload_too_large", "PAYLOAD_TOO_LARGE", "invalid_request_error"),
    415: ("unsupported_media_type", "UNSUPPORTED_MEDIA_TYPE", "invalid_request_error"),
    422: ("validation_error", "VALIDATION_ERROR", "invalid_request_error"),
    429: ("rate_limit_exceeded", "RATE_LIMIT_EXCEEDED", "rate_limit_error"),
    500: ("internal_error", "INTERNAL_ERROR", "api_error"),
    503: ("service_unavailable", "SERVICE_UNAVAILABLE", "api_error"),
}


def assert_error(answer, status: int, *, message: str | None = None, param=None) -> dict:
    """``answer`` is ``status`` in the one error body; its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert list(body)[:5] == list(FIELDS)
    assert (body["error_code"], body["code"], body["type"]) == EXPECTED[status]
    assert isinstance(body["message"], str) and body["message"]
    if message is not None:
        assert body["message"] == message
    assert body["param"] == param
    return body


@pytest.mark.parametrize("status", sorted(EXPECTED))
def test_every_status_has_the_common_fields(status):
    body = error_body(status)
    assert list(body) == list(FIELDS)
    assert (body["error_code"], body["code"], body["type"]) == EXPECTED[status]
    assert body["param"] is None
    assert json.loads(error_json(status)) == body


def test_the_spec_messages():
    assert error_body(401)["message"] == "unauthorized"
    assert error_body(404)["message"] == "not found"
    assert error_body(429)["message"] == "rate limit exceeded"
    assert error_body(500)["message"] == "internal error"
    assert error_body(503)["message"] == "service unavailable"
    assert error_body(422)["message"] == "validation failed"


def test_a_status_not_listed_is_named_after_its_phrase():
    assert error_body(418)["error_code"] == "im_a_teapot"
    assert error_body(502) == {"message": "bad gateway", "error_code": "bad_gateway",
                               "code": "BAD_GATEWAY", "type": "api_error", "param": None}


@pytest.mark.parametrize("payload", [
    {"errors": {"duration": ["is geen getal"], "date": ["x"]}},
    {"errors": {"entries": ["1 invalid"]}, "entries": [{"index": 0, "errors": {}}]},
    {"message": "the body is not valid JSON"},
    {"message": "X", "param": "X-Accept-Version"},
    {"errors": {}, "é": "ü"},
    {"required_scope": "read:reports", "available_scopes": []},
])
def test_the_rendered_body_is_the_dict_in_order(payload):
    for status in (400, 403, 422, 418):
        rendered = error_json(status, payload)
        assert rendered.decode("utf-8") == json.dumps(
            error_body(status, payload), ensure_ascii=False, separators=(",", ":"))


def test_bodies_without_a_payload_are_rendered_once():
    assert error_json(401) is error_json(401)
    assert APIError(429).response().body is error_json(429)


def test_422_names_the_first_field_and_keeps_its_keys():
    error = Invalid({"duration": ["geen duur gevonden"], "date": ["?"]},
                    entries=[{"index": 1, "errors": {"duration": ["x"]}}])
    body = json.loads(error.response().body)
    assert body == {"message": "validation failed", "error_code": "validation_error",
                    "code": "VALIDATION_ERROR", "type": "invalid_request_error",
                    "param": "duration",
                    "errors": {"duration": ["geen duur gevonden"], "date": ["?"]},
                    "entries": [{"index": 1, "errors": {"duration": ["x"]}}]}  # fmt: skip
    assert error.errors == {"duration": ["geen duur gevonden"], "date": ["?"]}


def test_forbidden_names_the_scope():
    body = forbidden("read:reports", ["read:time_entries"]).body
    assert body == {"message": "forbidden", "error_code": "forbidden", "code": "PERMISSION_DENIED",
                    "type": "permission_error", "param": None, "required_scope": "read:reports",
                    "available_scopes": ["read:time_entries"]}  # fmt: skip


def test_503_says_when_to_retry():
    answer = unavailable().response()
    assert json.loads(answer.body)["type"] == "api_error"
    assert answer.headers["retry-after"] == "5"


def test_the_body_timeout_answers_the_one_body():
    assert json.loads(body_timeout._BODY) == error_body(408)


# --- through the app ----------------------------------------------------------------


def test_401_without_or_with_a_bad_token(client, alice):
    assert_error(client.get(PROJECTS), 401, message="unauthorized")
    assert_error(client.get(PROJECTS, headers={"X-Api-Key": "nobody@x.nl:wrong.secret"}), 401)


def test_404_for_no_route_and_for_nothing_of_the_callers(client, alice):
    assert_error(client.get("/api/v1/nowhere", headers=alice.headers), 404, message="not found")
    assert_error(client.get("/api/v1/time_entries/99.json", headers=alice.headers), 404)


def test_405_keeps_its_allow_header(client, alice):
    answer = client.put("/api/v1/health.json")
    assert_error(answer, 405, message="method not allowed")
    assert "GET" in answer.headers["allow"]


def test_400_413_415_of_the_body_reader(client, alice):
    url = "/api/v1/time_entries.json"

    def post(content: bytes, **headers: str):
        return client.post(url, content=content, headers={**alice.headers, **headers})

    bad = post(b"{nope", **{"Content-Type": "application/json"})
    assert_error(bad, 400, message="the body is not valid JSON")
    length = post(b"body=1", **{"Content-Length": "x1"})
    assert_error(length, 400, message="invalid Content-Length", param="Content-Length")
    assert_error(post(b"x" * 10, **{"Content-Type": "text/plain"}), 415)
    assert_error(post(b"a" * (1_048_576 + 1)), 413)


def test_422_names_the_invalid_field(client, alice):
    answer = client.post("/api/v1/time_entries.json", data={"body": "werk"},
                         headers=alice.headers)  # no duration
    body = assert_error(answer, 422, message="validation failed", param="duration")
    assert body["errors"] == {"duration": ["geen duur gevonden"]}


def test_the_idempotency_mismatch_keeps_its_errors(client, alice):
    headers = {**alice.headers, "Idempotency-Key": "k-1"}
    client.post("/api/v1/time_entries.json", data={"body": "1 uur"}, headers=headers)
    answer = client.post("/api/v1/time_entries.json", data={"body": "2 uur"}, headers=headers)
    body = assert_error(answer, 422, param="Idempotency-Key")
    assert list(body["errors"]) == ["Idempotency-Key"]


def test_400_of_x_accept_version_names_the_header(client, alice):
    answer = client.get(PROJECTS, headers={**alice.headers, "X-Accept-Version": "2"})
    assert_error(answer, 400, param="X-Accept-Version")
    assert answer.headers["x-api-version"] == "1"


def test_429_says_rate_limit_error(database_url, make_account):
    from nlentry.api.app import create_app

    app = create_app(database_url, rate_limit="1/minute")
    try:
        user = make_account(app, "limited@acme.nl")
        client = TestClient(app)
        assert client.get(PROJECTS, headers=user.headers).status_code == 200
        answer = client.get(PROJECTS, headers=user.headers)
        assert_error(answer, 429, message="rate limit exceeded")
        assert int(answer.headers["retry-after"]) >= 1
    finally:
        app.state.db.dispose()


def test_a_server_fault_is_500_api_error_without_a_trace():
    def boom(request):
        raise RuntimeError("secret detail")

    app = Starlette(routes=[Route("/boom", boom)], exception_handlers=exception_handlers,
                    middleware=[Middleware(ServerFaultMiddleware)])  # fmt: skip
    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    body = assert_error(answer, 500, message="internal error")
    assert "secret" not in answer.text and body["type"] == "api_error"


# --- 403 for a scope, through the pipeline's hook -----------------------------------


@pytest.fixture
def scoped_app(app, monkeypatch):
    """The app with two extra endpoints needing ``read:reports``, and ``scopes.require``
    refusing that scope to everyone."""
    seen: list[tuple[str | None, int]] = []

    def require(scope, caller):
        seen.append((scope, caller.user_id))
        if scope == "read:reports":
            raise forbidden(scope, ["read:time_entries"])

    monkeypatch.setattr(scopes_module, "require", require)

    def in_thread(call):
        return JSONResponse({"ok": True})

    async def on_loop(call):
        return JSONResponse({"ok": True})

    app.router.routes[:0] = [
        Route("/t/thread", pipeline.authenticated(in_thread, scope="read:reports")),
        Route("/t/loop", pipeline.authenticated(on_loop, on_loop=True, scope="read:reports")),
        Route("/t/open", pipeline.authenticated(in_thread)),
    ]
    app.state.seen_scopes = seen
    return app


@pytest.mark.parametrize("path", ["/t/thread", "/t/loop"])
def test_a_scope_refusal_is_403_with_the_rate_limit_headers(scoped_app, alice, path):
    client = TestClient(scoped_app)
    for _ in range(2):  # a token new to the worker, then a known one
        answer = client.get(path, headers=alice.headers)
        body = assert_error(answer, 403, message="forbidden")
        assert body["required_scope"] == "read:reports"
        assert body["available_scopes"] == ["read:time_entries"]
        assert "x-ratelimit-remaining" in answer.headers
    assert scoped_app.state.seen_scopes[-1] == ("read:reports", alice.id)


def test_no_scope_asks_for_none(scoped_app, alice):
    answer = TestClient(scoped_app).get("/t/open", headers=alice.headers)
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert scoped_app.state.seen_scopes == [(None, alice.id)]
