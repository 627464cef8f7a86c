"""Token scopes: each operation needs the one it declares (listed in ``/openapi.json``), a
token holds some (``admin:all`` holds all), a call outside them is 403 with
``required_scope`` and ``available_scopes``; scopes narrow a role, never widen it."""

from __future__ import annotations

import pytest

from nlentry.api.openapi.document import openapi_document
from nlentry.api.routes import OPERATIONS
from nlentry.api.scopes import ADMIN_ALL, SCOPES, allows, unknown_scopes

#: The scope each operation needs: the decision of record (docs: the scopes table).
EXPECTED_SCOPES = {
    "list_clients": "read:clients", "show_client": "read:clients",
    "create_client": "write:clients", "update_client": "write:clients",
    "delete_client": "write:clients",
    "list_projects": "read:projects", "show_project": "read:projects",
    "create_project": "write:projects", "update_project": "write:projects",
    "delete_project": "write:projects",
    "list_services": "read:projects", "show_service": "read:projects",
    "create_service": "write:projects", "update_service": "write:projects",
    "delete_service": "write:projects",
    "create_project_alias": "write:projects", "delete_project_alias": "write:projects",
    "create_service_alias": "write:projects", "delete_service_alias": "write:projects",
    "search": "read:projects",
    "show_timer": "read:time_entries", "start_timer": "write:time_entries",
    "stop_timer": "write:time_entries",
    "list_time_entries": "read:time_entries", "show_time_entry": "read:time_entries",
    "create_time_entry": "write:time_entries", "update_time_entry": "write:time_entries",
    "delete_time_entry": "write:time_entries", "parse": "read:time_entries",
    "show_me": "read:users", "update_me": ADMIN_ALL,
    "list_tokens": ADMIN_ALL, "create_token": ADMIN_ALL, "delete_token": ADMIN_ALL,
    # a link issues the chat its own token: as much as creating one
    "create_chat_link": ADMIN_ALL,
    "create_time_entries_batch": "write:time_entries", "import_time_entries": "write:time_entries",
    "bulk_time_entries": "write:time_entries", "list_deleted_time_entries": "read:time_entries",
    "summary_report": "read:reports",
    "list_webhooks": "webhooks", "create_webhook": "webhooks", "show_webhook": "webhooks",
    "update_webhook": "webhooks", "delete_webhook": "webhooks",
    "list_webhook_deliveries": "webhooks", "redeliver_webhook_delivery": "webhooks",
    "ping_webhook": "webhooks",
}


def test_allows():
    assert allows(frozenset({"read:projects"}), "read:projects")
    assert not allows(frozenset({"read:projects"}), "write:projects")
    assert allows(frozenset({ADMIN_ALL}), "webhooks")
    assert allows(frozenset(), None)
    assert not allows(frozenset(SCOPES) - {ADMIN_ALL, "read:users"}, "read:users")
    assert unknown_scopes(["read:projects", "read:all", "admin"]) == ["read:all", "admin"]


def test_every_authenticated_operation_declares_a_known_scope():
    for op in OPERATIONS:
        if op.public:
            assert op.scope is None, op.name
        else:
            assert op.scope in SCOPES, op.name


def test_the_scopes_are_the_ones_decided():
    declared = {op.name: op.scope for op in OPERATIONS if not op.public}
    assert declared == EXPECTED_SCOPES  # a new operation's scope is a choice made here too


def test_the_document_lists_each_operations_scope():
    document = openapi_document()
    by_name = {op.name: op for op in OPERATIONS}
    for item in document["paths"].values():
        for declared in item.values():
            op = by_name[declared["operationId"]]
            if op.public:
                assert declared["security"] == [], op.name
                continue
            assert declared["x-required-scope"] == op.scope
            assert {"bearer": [op.scope]} in declared["security"]
            assert {"apiKey": [op.scope]} in declared["security"]
            assert {"basic": [op.scope]} in declared["security"]
            assert {"tokenQuery": [op.scope]} in declared["security"]
    bearer = document["components"]["securitySchemes"]["bearer"]["description"]
    for scope in SCOPES:
        assert f"`{scope}`" in bearer


def test_a_403_names_the_scope_and_what_the_token_has(app, client, alice, make_token):
    token = make_token(app, alice, scopes=("read:projects", "read:clients"))
    answer = client.post("/api/v1/projects.json", json={"name": "Kiwi"}, headers=token.headers)
    assert answer.status_code == 403
    body = answer.json()
    assert body["message"] == "forbidden" and body["code"] == "PERMISSION_DENIED"
    assert body["error_code"] == "forbidden"
    assert body["required_scope"] == "write:projects"
    assert body["available_scopes"] == ["read:clients", "read:projects"]
    assert client.get("/api/v1/projects.json", headers=token.headers).status_code == 200
    assert client.get("/api/v1/projects.json", headers=alice.headers).json() == []  # nothing made


@pytest.mark.parametrize("suffix", ["", ".json"])
def test_the_scope_is_checked_in_every_way_a_token_is_sent(app, client, alice, make_token,
                                                           suffix):  # fmt: skip
    token = make_token(app, alice, scopes=("read:users",)).token
    url = "/api/v1/time_entries" + suffix
    for kwargs in ({"headers": {"Authorization": f"Bearer {token}"}},
                   {"headers": {"X-Api-Key": f"{alice.email}:{token}"}},
                   {"auth": (alice.email, token)},
                   {"params": {"email": alice.email, "token": token}},
                   {"params": {"token": token}}):  # fmt: skip
        answer = client.get(url, **kwargs)
        assert answer.status_code == 403, (kwargs, answer.text)
        assert answer.json()["required_scope"] == "read:time_entries"


def test_the_create_path_checks_its_scope_on_the_loop(app, client, alice, make_token):
    reader = make_token(app, alice, scopes=("read:time_entries",))
    for _ in range(2):  # the token new to the worker, then remembered
        answer = client.post("/api/v1/time_entries.json", data={"body": "1 uur"},
                             headers=reader.headers)
        assert answer.status_code == 403, answer.text
        assert answer.json()["required_scope"] == "write:time_entries"
    listed = client.get("/api/v1/time_entries.json", headers=reader.headers).json()
    assert listed["total_entries"] == 0


def test_scopes_never_widen_a_role(app, client, alice, bob, make_token):
    """Bob's ``admin:all`` token is a member's: it reads his entries, never Alice's."""
    made = client.post("/api/v1/time_entries.json", data={"body": "1 uur"}, headers=alice.headers)
    entry_id = made.json()["id"]
    for url in (f"/api/v1/time_entries/{entry_id}.json",):
        assert client.get(url, headers=bob.headers).status_code == 404
    refused = client.get("/api/v1/time_entries.json", params={"user_ids": str(alice.id)},
                         headers=bob.headers)
    assert refused.status_code == 422 and "user_ids" in refused.json()["errors"]
