"""Bodies, suffixes and error answers: 400, 405, 408, 413, 415, 422, 500, all JSON."""

from __future__ import annotations

import gc
import json
import logging

import anyio
import pytest
from sqlalchemy import func, select
from starlette.routing import Route
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.api.middleware.body_timeout import BODY_TIMEOUT_ENV, body_timeout_from_env
from nlentry.api.request.body import UNREADABLE_TEXT
from nlentry.storage.models import TimeEntry


def test_json_suffix_is_optional_everywhere(client, alice):
    created = client.post("/api/v1/projects", data={"name": "P"}, headers=alice.headers).json()
    for path in (f"/api/v1/projects/{created['id']}", f"/api/v1/projects/{created['id']}.json"):
        assert client.get(path, headers=alice.headers).json() == created
    assert client.get("/api/v1/health.json").status_code == 200


def test_unknown_path_is_json_404(client, alice):
    answer = client.get("/api/v1/nothing.json", headers=alice.headers)
    assert answer.status_code == 404
    assert answer.json()["message"] == "not found"


def test_wrong_method_is_json_405(client, alice):
    answer = client.put("/api/v1/projects.json", headers=alice.headers)
    assert answer.status_code == 405
    assert answer.json()["message"] == "method not allowed"


def test_invalid_json_is_400(client, alice):
    headers = {**alice.headers, "Content-Type": "application/json"}
    for body in (b"{not json", b"[1, 2]", b"\xff\xfe", b"[" * 100_000):
        answer = client.post("/api/v1/time_entries.json", content=body, headers=headers)
        assert answer.status_code == 400, body[:10]
        assert "message" in answer.json()


def test_deeply_nested_json_is_400(client, alice):
    headers = {**alice.headers, "Content-Type": "application/json"}
    body = '{"body": ' + "[" * 50 + "]" * 50 + "}"
    assert client.post("/api/v1/time_entries", content=body, headers=headers).status_code == 400


def test_invalid_utf8_form_is_400(client, alice):
    headers = {**alice.headers, "Content-Type": "application/x-www-form-urlencoded"}
    answer = client.post("/api/v1/time_entries", content=b"body=%ff%fe", headers=headers)
    assert answer.status_code == 400


def test_unsupported_content_type_is_415(client, alice):
    headers = {**alice.headers, "Content-Type": "text/plain"}
    answer = client.post("/api/v1/time_entries", content=b"2 uur", headers=headers)
    assert answer.status_code == 415
    assert answer.json()["message"] == "unsupported media type"


def test_multipart_form_is_read(client, alice):
    answer = client.post("/api/v1/time_entries", files={"x": ("a.txt", b"ignored")},
                         data={"body": "werk", "duration": "60"}, headers=alice.headers)
    assert answer.status_code == 201
    assert answer.json()["duration"] == 60


def test_body_over_the_limit_is_413(database_url, make_account):
    app = create_app(database_url, max_body_bytes=1000)
    try:
        user = make_account(app, "big@acme.nl")
        client = TestClient(app)
        big = "x" * 2000
        answer = client.post("/api/v1/time_entries", data={"body": big}, headers=user.headers)
        assert answer.status_code == 413
        assert answer.json()["message"] == "request body too large"

        def chunks():  # no Content-Length: the streamed size counts
            for _ in range(10):
                yield b"y" * 200

        streamed = client.post("/api/v1/time_entries", content=chunks(),
                               headers={**user.headers, "Content-Type": "application/json"})
        assert streamed.status_code == 413
        small = client.post("/api/v1/time_entries", data={"body": "werk", "duration": "60"},
                            headers=user.headers)
        assert small.status_code == 201
    finally:
        app.state.db.dispose()


def test_default_limit_is_one_mebibyte(client, alice):
    body = b"body=" + b"x" * (1_048_576 + 10)
    headers = {**alice.headers, "Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/api/v1/time_entries", content=body, headers=headers).status_code == 413


def test_server_fault_is_500_without_trace_and_logged(app, caplog):
    def boom(request):
        raise RuntimeError("secret detail of the fault")

    app.router.routes.append(Route("/api/v1/boom", boom))
    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="nlentry.api"):
        answer = client.get("/api/v1/boom")
    assert answer.status_code == 500
    assert answer.json()["message"] == "internal error"
    assert "secret detail" not in answer.text
    assert any("secret detail" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_tokens_never_reach_the_logs(client, alice, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get("/api/v1/projects", headers=alice.headers)
        client.get("/api/v1/projects", headers={"Authorization": "Bearer abc.wrong"})
        client.post("/api/v1/time_entries", data={"token": alice.token, "email": alice.email,
                                                  "body": "werk", "duration": "60"})
    secret = alice.token.split(".", 1)[1]
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert secret not in caplog.text


def test_requests_work_inside_the_lifespan_with_its_thread_limiter(app, alice):
    with TestClient(app) as client:
        assert app.state.thread_limiter is not None
        answer = client.post("/api/v1/time_entries", data={"body": "werk", "duration": "60"},
                             headers=alice.headers)
        assert answer.status_code == 201


# --- text that UTF-8 cannot carry, 405's Allow, bodies that never arrive -----------------------


def _entries(app) -> int:
    with app.state.db.read() as session:
        return session.scalar(select(func.count()).select_from(TimeEntry))


def test_lone_surrogate_in_json_is_422_naming_the_field_and_stores_nothing(app, client, alice):
    headers = {**alice.headers, "Content-Type": "application/json"}
    for path, body, field in [
        ("/api/v1/time_entries", b'{"body": "2 uur \\ud800", "duration": 60}', "body"),
        ("/api/v1/time_entries", b'{"time_entry": {"body": "\\udfff 2 uur"}}', "body"),
        ("/api/v1/parse", b'{"body": "2 uur", "date": "\\ud800"}', "date"),
        ("/api/v1/projects", b'{"name": "P", "aliases": ["ok", "x\\udc00"]}', "aliases"),
        ("/api/v1/time_entries/timer", b'{"body": "\\ud83d"}', "body"),
    ]:
        answer = client.post(path, content=body, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["errors"] == {field: [UNREADABLE_TEXT]}
    # a field name cannot be named back: 400
    answer = client.post(
        "/api/v1/time_entries", content=b'{"\\ud800": 1, "body": "2 uur"}', headers=headers
    )
    assert answer.status_code == 400 and "message" in answer.json()
    # a surrogate pair is an ordinary character
    answer = client.post(
        "/api/v1/time_entries",
        headers=headers,
        content=b'{"body": "2 uur \\ud83d\\ude00", "duration": 60}',
    )
    assert answer.status_code == 201 and answer.json()["body"] == "2 uur \U0001f600"
    assert _entries(app) == 1
    assert client.get("/api/v1/projects", headers=alice.headers).json() == []


def test_405_allow_names_every_method_of_the_path(client, alice):
    for method, path, allowed in [
        ("PUT", "/api/v1/time_entries.json", {"GET", "POST"}),
        ("POST", "/api/v1/time_entries/1", {"GET", "PATCH", "DELETE"}),
        ("PATCH", "/api/v1/time_entries/timer", {"GET", "POST", "DELETE"}),
        ("GET", "/api/v1/parse", {"POST"}),
    ]:
        answer = client.request(method, path, headers=alice.headers)
        assert answer.status_code == 405, (method, path)
        assert answer.json()["message"] == "method not allowed"
        assert set(answer.headers["allow"].replace(" ", "").split(",")) - {"HEAD"} == allowed


def _asgi_post(app, receive, path="/api/v1/time_entries") -> list[dict]:
    """Run one POST through the app at the ASGI level; the messages it sent."""
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", b"100")],
    }  # fmt: skip
    anyio.run(app, scope, receive, send)
    return sent


def test_a_client_gone_before_its_body_is_a_quiet_abort(app, caplog):
    messages = iter([{"type": "http.request", "body": b'{"body": "2 u', "more_body": True},
                     {"type": "http.disconnect"}])  # fmt: skip

    async def receive():
        return next(messages)

    with caplog.at_level(logging.DEBUG, logger="nlentry.api"):
        sent = _asgi_post(app, receive)
    assert sent[0]["status"] == 408
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert _entries(app) == 0


def test_a_body_that_does_not_arrive_in_time_is_408_and_closed(database_url, caplog):
    app = create_app(database_url, body_timeout=0.3)
    first = True

    async def receive():  # a little of the body, then nothing more
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b'{"bo', "more_body": True}
        await anyio.sleep(30)
        return {"type": "http.disconnect"}

    try:
        with caplog.at_level(logging.DEBUG, logger="nlentry.api"):
            sent = _asgi_post(app, receive)
        # the body never arrives (receive waits 30 s, then disconnects): only the
        # timeout answers 408, whatever the machine's load
        assert sent[0]["status"] == 408
        assert (b"connection", b"close") in sent[0]["headers"]
        assert json.loads(sent[1]["body"])["message"] == "request timeout"
        assert len(sent) == 2 and not caplog.records
        assert _entries(app) == 0
    finally:
        app.state.db.dispose()


def test_body_timeout_comes_from_the_environment(database_url, monkeypatch):
    for bad in ("0", "-1", "soon", "nan", "inf"):
        monkeypatch.setenv(BODY_TIMEOUT_ENV, bad)
        with pytest.raises(ValueError, match=BODY_TIMEOUT_ENV):
            create_app(database_url)
    monkeypatch.setenv(BODY_TIMEOUT_ENV, "2.5")
    assert body_timeout_from_env() == 2.5


def test_a_serving_app_keeps_what_it_loaded_out_of_the_collector(app):
    """Frozen while it serves (a full collection then walks only new objects), given back after."""
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 10_000  # modules, lexicons, parser tables
        assert client.get("/api/v1/health.json").status_code == 200
    assert gc.get_freeze_count() == 0
