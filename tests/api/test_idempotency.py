"""``Idempotency-Key`` on ``POST /time_entries.json``."""

from __future__ import annotations

import threading

from starlette.testclient import TestClient


def post(client, account, key, **data):
    headers = {**account.headers, "Idempotency-Key": key}
    return client.post("/api/v1/time_entries.json", data=data, headers=headers)


def total(client, account):
    return client.get("/api/v1/time_entries", headers=account.headers).json()["total_entries"]


def test_replay_returns_the_first_answer_and_stores_nothing_new(client, alice):
    first = post(client, alice, "k-1", body="werk", duration="60")
    second = post(client, alice, "k-1", body="werk", duration="60")
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert total(client, alice) == 1


def test_different_keys_make_different_entries(client, alice):
    post(client, alice, "a", body="werk", duration="60")
    post(client, alice, "b", body="werk", duration="60")
    assert total(client, alice) == 2


def test_same_key_with_another_body_is_422_naming_the_header(client, alice):
    post(client, alice, "k", body="werk", duration="60")
    answer = post(client, alice, "k", body="werk", duration="120")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"Idempotency-Key": ["is al gebruikt voor een ander verzoek"]}
    assert total(client, alice) == 1


def test_errors_are_replayed_too(client, alice):
    first = post(client, alice, "bad", body="werk", duration="abc")
    assert first.status_code == 422
    again = post(client, alice, "bad", body="werk", duration="abc")
    assert (again.status_code, again.content) == (422, first.content)
    assert total(client, alice) == 0


def test_keys_are_per_user(client, alice, bob):
    post(client, alice, "shared", body="werk", duration="60")
    answer = post(client, bob, "shared", body="werk", duration="60")
    assert answer.status_code == 201
    assert answer.json()["user"]["id"] == bob.id
    assert total(client, alice) == 1 and total(client, bob) == 1


def test_key_length_is_limited(client, alice):
    assert post(client, alice, "x" * 128, body="werk", duration="60").status_code == 201
    answer = post(client, alice, "x" * 129, body="werk", duration="60")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"Idempotency-Key": ["is te lang"]}


def test_concurrent_requests_with_one_key_store_one_entry(app, alice):
    answers = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def send():
        client = TestClient(app)
        start.wait()
        answer = post(client, alice, "race", body="werk", duration="60")
        with lock:
            answers.append((answer.status_code, answer.content))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8
    assert {status for status, _ in answers} == {201}
    assert len({content for _, content in answers}) == 1
    assert total(TestClient(app), alice) == 1


def test_concurrent_requests_with_distinct_keys_store_all(app, alice):
    start = threading.Barrier(8)
    statuses = []

    def send(i):
        client = TestClient(app)
        start.wait()
        statuses.append(post(client, alice, f"key-{i}", body="werk", duration="60").status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 8
    assert total(TestClient(app), alice) == 8
