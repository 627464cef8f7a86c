"""Bodies, suffixes and error answers: 400, 405, 413, 415, 500, all JSON."""

from __future__ import annotations

import logging

from starlette.routing import Route
from starlette.testclient import TestClient

from nlentry.api.app import create_app


def test_json_suffix_is_optional_everywhere(client, alice):
    created = client.post("/api/v1/projects", data={"name": "P"}, headers=alice.headers).json()
    for path in (f"/api/v1/projects/{created['id']}", f"/api/v1/projects/{created['id']}.json"):
        assert client.get(path, headers=alice.headers).json() == created
    assert client.get("/api/v1/health.json").status_code == 200


def test_unknown_path_is_json_404(client, alice):
    answer = client.get("/api/v1/nothing.json", headers=alice.headers)
    assert answer.status_code == 404
    assert answer.json() == {"message": "not found"}


def test_wrong_method_is_json_405(client, alice):
    answer = client.put("/api/v1/projects.json", headers=alice.headers)
    assert answer.status_code == 405
    assert answer.json() == {"message": "method not allowed"}


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
    assert answer.json() == {"message": "unsupported media type"}


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
        assert answer.json() == {"message": "request body too large"}

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
    assert answer.json() == {"message": "internal error"}
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
