"""The isolation matrix: every operation of ``/openapi.json`` against six intruders.

For each path and method of ``openapi_document()`` (with and without the
``.json`` suffix; path parameters filled with ids of objects that really exist
and belong to the owner), requests are sent by

(a) no credentials, (b) a wrong token (garbage; the owner's public id with a
wrong secret; the owner's valid token under another user's e-mail), (c) the
owner's revoked token (as a header and as a query parameter), (d) another user
of the same workspace (a member; the owner is the workspace's admin), (e) a user
of another workspace (that workspace's admin), (f) a token of the owner that
holds every scope but the one the operation needs (its scope is read from the
document's ``x-required-scope``).

(a)-(c) must answer ``401 {"message": "unauthorized"}``; (f) ``403`` with
``required_scope`` (the operation's) and ``available_scopes`` (the token's),
before anything is done. (d)-(e) must answer
``404 {"message": "not found"}`` or an empty list on the owner's personal data
(entries, aliases, timer), and (e) also on the workspace's clients, projects
and services. No answer may carry the owner's entries, aliases or token, and
(e) none of the workspace's names. Afterwards the owner's data is unchanged.

The matrix is generated from the document, and the app's routes must equal the
document's operations plus the documented public exceptions, so that no new
endpoint escapes it.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from nlentry.api.openapi.document import openapi_document
from nlentry.api.scopes import ADMIN_ALL, SCOPES
from nlentry.storage.api_tokens import issue_token, revoke_token
from tests.reliability.reliability_support import (
    CountingClient,
    add_account,
    decoded,
    json_objects,
    tally,
)

METHODS = ("get", "post", "patch", "put", "delete")
UNAUTHORIZED = {"message": "unauthorized"}
NOT_FOUND = {"message": "not found"}

#: Operations that need no token (the document says ``security: []``).
#: The chat endpoints verify their platform's signature instead of a token
#: (``test_forged_chat_deliveries_never_act_as_the_linked_user``).
CHAT_OPERATIONS = {"chat_slack", "chat_mattermost", "chat_telegram"}
PUBLIC_OPERATIONS = {"health", "info", *CHAT_OPERATIONS}
#: Served outside the document, also public: the document itself and its page.
# Outside the API: its description, and the web page with its files (no one's data).
PUBLIC_EXTRAS = [("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/"),
                 ("GET", "/page/texts/{locale}.json"), ("GET", "/page/{name}")]  # fmt: skip

# Unique markers of the owner's data: none may reach an intruder.
OWNER_EMAIL = "owner-q7x@acme.nl"
OWNER_NAME_MARK = "owner-q7x"
ENTRY_MARK = "geheim-entry-4471"
TIMER_MARK = "geheim-timer-8812"
PROJECT_ALIAS = "zwartekiwi"
SERVICE_ALIAS = "paarsemango"
WORKSPACE_MARK = "Geheim-Q7"
WEBHOOK_MARK = "geheim-hook-5530"


def document_operations() -> list[tuple[str, str, str]]:
    """``(operationId, METHOD, path)`` for every operation of the document."""
    found = []
    for path, item in openapi_document()["paths"].items():
        for method in METHODS:
            if method in item:
                found.append((item[method]["operationId"], method.upper(), path))
    return sorted(found)


OPERATIONS = document_operations()


def required_scopes() -> dict[str, str]:
    """``operationId -> the scope it needs``, as the document says."""
    return {item[method]["operationId"]: item[method]["x-required-scope"]
            for item in openapi_document()["paths"].values()
            for method in METHODS if method in item and "x-required-scope" in item[method]}


REQUIRED_SCOPE = required_scopes()
#: Archiving operations: a colleague may archive the workspace's objects (``active``).
ARCHIVES = {"delete_client": "clients", "delete_project": "projects",
            "delete_service": "services"}
#: Query parameters an operation needs (the search's words: the owner's marks).
QUERIES = {"search": {"q": "geheim"},
           "list_deleted_time_entries": {
               "since": (datetime.now(UTC) - timedelta(days=1)).isoformat()}}


# --- the world: an owner with one of everything, and the intruders ------------------------


@dataclass
class World:
    http: CountingClient
    owner: object
    colleague: object
    stranger: object
    revoked_token: str
    #: scope -> a token of the owner holding every scope but it (and not admin:all)
    lacking: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    snapshot: dict[str, object] = field(default_factory=dict)
    webhook_secret: str = ""

    def owner_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.owner.token}"}

    def owner_get(self, path: str):
        answer = self.http.get(path, headers=self.owner_headers())
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        return answer.json()

    def take_snapshot(self) -> dict[str, object]:
        return {
            "entries": self.owner_get("/api/v1/time_entries.json"),
            "timer": self.owner_get("/api/v1/time_entries/timer.json"),
            "clients": self.owner_get("/api/v1/clients.json"),
            "projects": self.owner_get("/api/v1/projects.json"),
            "services": self.owner_get("/api/v1/services.json"),
            "me": self.owner_get("/api/v1/users/me.json"),
            # what time alone does not change (last_used_at moves as the owner reads)
            "tokens": [{k: v for k, v in token.items() if k != "last_used_at"}
                       for token in self.owner_get("/api/v1/tokens.json")],
            "webhooks": self.owner_get("/api/v1/webhooks.json"),
            "deliveries": self.owner_get(f"/api/v1/webhooks/{self.ids['webhooks']}/deliveries.json"),
        }


@pytest.fixture
def world(app, monkeypatch) -> World:
    monkeypatch.setenv("NLENTRY_WEBHOOK_ALLOW_PRIVATE", "1")  # the webhooks' 127.0.0.1
    http = CountingClient(TestClient(app), tally("isolation matrix"))
    owner = add_account(app, OWNER_EMAIL, workspace=f"Workspace {WORKSPACE_MARK}")
    colleague = add_account(app, "colleague@acme.nl", workspace=f"Workspace {WORKSPACE_MARK}")
    stranger = add_account(app, "stranger@other.example", workspace="Other", locale="en")
    with app.state.db.write() as session:
        from nlentry.storage.models import User

        user = session.get(User, owner.id)
        revoked = issue_token(session, user)
        session.flush()
        assert revoke_token(session, revoked.value)
        lacking = {
            scope: issue_token(session, user, name=f"without {scope}",
                               scopes=tuple(sorted(set(SCOPES) - {scope, ADMIN_ALL}))).value
            for scope in SCOPES
        }
        session.commit()
    assert owner.role == "admin" and colleague.role == "member" and stranger.role == "admin"
    w = World(http, owner, colleague, stranger, revoked.value, lacking)
    headers = w.owner_headers()

    def create(path: str, data: dict) -> dict:
        answer = http.post(path, json=data, headers=headers)
        assert answer.status_code == 201, (path, answer.status_code, answer.text)
        return answer.json()

    client = create("/api/v1/clients.json", {"name": f"Klant {WORKSPACE_MARK}"})
    project = create("/api/v1/projects.json",
                     {"name": f"Project {WORKSPACE_MARK}", "client_id": client["id"]})
    service = create("/api/v1/services.json", {"name": f"Dienst {WORKSPACE_MARK}"})
    create(f"/api/v1/projects/{project['id']}/aliases.json", {"alias": PROJECT_ALIAS})
    create(f"/api/v1/services/{service['id']}/aliases.json", {"alias": SERVICE_ALIAS})
    entry = create("/api/v1/time_entries.json",
                   {"body": f"2 uur {PROJECT_ALIAS} {SERVICE_ALIAS} {ENTRY_MARK}"})
    assert entry["project"]["id"] == project["id"]
    assert entry["service"]["id"] == service["id"]
    timer = create("/api/v1/time_entries/timer.json", {"body": f"{PROJECT_ALIAS} {TIMER_MARK}"})
    hook = create("/api/v1/webhooks.json", {"url": f"http://127.0.0.1:9/{WEBHOOK_MARK}",
                                            "description": WEBHOOK_MARK})
    ping = http.post(f"/api/v1/webhooks/{hook['id']}/ping.json", headers=headers)
    assert ping.status_code == 202, ping.text
    w.webhook_secret = hook["secret"]
    w.ids = {"clients": client["id"], "projects": project["id"], "services": service["id"],
             "time_entries": entry["id"], "timer": timer["id"],
             "tokens": w.owner_get("/api/v1/tokens.json")[0]["id"],
             "webhooks": hook["id"], "deliveries": ping.json()["id"]}
    w.aliases = {"projects": PROJECT_ALIAS, "services": SERVICE_ALIAS}
    w.snapshot = w.take_snapshot()
    return w


# --- what each operation is sent, and what an intruder may get ------------------------------


def fill_path(template: str, world: World) -> str:
    """``template`` with its parameters filled by the owner's real objects."""
    parts = template.split("/")
    kind = parts[3]  # /api/v1/<kind>/...
    path = template
    if "{id}" in path:
        path = path.replace("{id}", str(world.ids[kind]))
    if "{alias}" in path:
        path = path.replace("{alias}", quote(world.aliases[kind], safe=""))
    if "{delivery_id}" in path:
        path = path.replace("{delivery_id}", str(world.ids["deliveries"]))
    return path


def request_body(operation_id: str, world: World, serial: int) -> dict | None:
    """A valid body for ``operation_id`` that refers to the owner's objects."""
    ids = world.ids
    snapshot_names = {
        "clients": f"Klant {WORKSPACE_MARK}",
        "projects": f"Project {WORKSPACE_MARK}",
        "services": f"Dienst {WORKSPACE_MARK}",
    }
    bodies = {
        "create_client": {"name": f"Intruder client {serial}"},
        "create_project": {"name": f"Intruder project {serial}", "client_id": ids["clients"]},
        "create_service": {"name": f"Intruder service {serial}"},
        # an update that changes nothing: the name it already has
        "update_client": {"name": snapshot_names["clients"]},
        "update_project": {"name": snapshot_names["projects"], "client_id": ids["clients"]},
        "update_service": {"name": snapshot_names["services"]},
        "create_project_alias": {"alias": f"intruderalias{serial}"},
        "create_service_alias": {"alias": f"intruderalias{serial}"},
        "create_time_entry": {"body": "1 uur werk", "project_id": ids["projects"],
                              "service_id": ids["services"]},
        "update_time_entry": {"body": "3 uur overgenomen", "duration": 60},
        # the owner's entry and timer: not the intruder's, so skipped and left alone
        "bulk_time_entries": {"entry_ids": [ids["time_entries"], ids["timer"]],
                              "action": "delete"},
        "start_timer": {"body": "werk"},
        "create_time_entries_batch": {"body": "1 uur werk; 2 uur mail",
                                      "project_id": ids["projects"]},
        "import_time_entries": {"csv": "date,duration_seconds,project\n"
                                       f"2026-03-01,60,{snapshot_names['projects']}\n"},
        "parse": {"body": "2 uur werk", "project_id": ids["projects"]},
        "update_me": {"display_name": f"Intruder {serial}"},  # their own profile
        "create_token": {"name": f"intruder {serial}", "scopes": ["read:time_entries"]},
        "create_webhook": {"url": f"http://127.0.0.1:9/intruder-{serial}"},
        "update_webhook": {"description": f"intruder {serial}", "active": False},
        "create_chat_link": {"code": "ABCD-EFGH"},  # no chat user was given it
    }
    return bodies.get(operation_id)


# Expected status of an intruder that is a valid user: ``d`` (same workspace) and ``e``
# (another workspace). A set means any of them; "empty" means 200 with nothing in it.
DENIED = {404}
EXPECTED: dict[str, dict[str, object]] = {
    "list_clients": {"d": {200}, "e": "empty"},
    "create_client": {"d": {201}, "e": {201}},
    "show_client": {"d": {200}, "e": DENIED},
    "update_client": {"d": {200}, "e": DENIED},
    "list_projects": {"d": {200}, "e": "empty"},
    # a project under another workspace's client must be refused
    "create_project": {"d": {201}, "e": {404, 422}},
    "show_project": {"d": {200}, "e": DENIED},
    "update_project": {"d": {200}, "e": DENIED},
    "create_project_alias": {"d": {201}, "e": DENIED},
    "delete_project_alias": {"d": DENIED, "e": DENIED},
    "list_services": {"d": {200}, "e": "empty"},
    "create_service": {"d": {201}, "e": {201}},
    "show_service": {"d": {200}, "e": DENIED},
    "update_service": {"d": {200}, "e": DENIED},
    "create_service_alias": {"d": {201}, "e": DENIED},
    "delete_service_alias": {"d": DENIED, "e": DENIED},
    "list_time_entries": {"d": "empty", "e": "empty"},
    "create_time_entry": {"d": {201}, "e": {404, 422}},
    # the workspace's project: the colleague's own entries; another workspace finds none
    "create_time_entries_batch": {"d": {201}, "e": {422}},
    "import_time_entries": {"d": {201}, "e": {422}},
    "show_time_entry": {"d": DENIED, "e": DENIED},
    "update_time_entry": {"d": DENIED, "e": DENIED},
    "delete_time_entry": {"d": DENIED, "e": DENIED},
    # the owner's ids are skipped ({"updated": 0, "skipped": [...]}); no tombstone is theirs
    "bulk_time_entries": {"d": {200}, "e": {200}},
    "list_deleted_time_entries": {"d": "empty", "e": "empty"},
    "show_timer": {"d": "empty", "e": "empty"},  # their own timer: none, {}
    "start_timer": {"d": {201}, "e": {201}},
    "stop_timer": {"d": DENIED, "e": DENIED},
    "parse": {"d": {200}, "e": {404, 422}},
    # archiving: the workspace's objects are the colleague's to archive too
    "delete_client": {"d": {204}, "e": DENIED},
    "delete_project": {"d": {204}, "e": DENIED},
    "delete_service": {"d": {204}, "e": DENIED},
    # the colleague finds the workspace's projects, never the owner's entries or aliases
    "search": {"d": {200}, "e": {200}},
    # their own profile and tokens; the owner's token is not theirs to revoke
    "show_me": {"d": {200}, "e": {200}},
    "update_me": {"d": {200}, "e": {200}},
    "list_tokens": {"d": {200}, "e": {200}},
    "create_token": {"d": {201}, "e": {201}},
    "delete_token": {"d": DENIED, "e": DENIED},
    # their own totals: none of the owner's entries
    "summary_report": {"d": {200}, "e": {200}},
    # webhook subscriptions are their owner's alone: their own list, their own new ones
    "list_webhooks": {"d": "empty", "e": "empty"},
    "create_webhook": {"d": {201}, "e": {201}},
    "show_webhook": {"d": DENIED, "e": DENIED},
    "update_webhook": {"d": DENIED, "e": DENIED},
    "delete_webhook": {"d": DENIED, "e": DENIED},
    "list_webhook_deliveries": {"d": DENIED, "e": DENIED},
    "redeliver_webhook_delivery": {"d": DENIED, "e": DENIED},
    "ping_webhook": {"d": DENIED, "e": DENIED},
    # a code nobody was given links nobody
    "create_chat_link": {"d": DENIED, "e": DENIED},
}


def intruders(world: World, scope: str | None = None) -> list[tuple[str, str, dict, dict]]:
    """``(label, class, headers, query)``: (a)-(c) first, then (f) for an operation
    needing ``scope``, then (e), then (d) last."""
    owner = world.owner
    public_id = owner.token.split(".", 1)[0]
    wrong_secret = f"{public_id}.{secrets.token_urlsafe(32)}"
    return [
        ("a: no credentials", "401", {}, {}),
        ("b: garbage token", "401", {"Authorization": "Bearer not-a-token"}, {}),
        ("b: owner's id, wrong secret", "401", {"Authorization": f"Bearer {wrong_secret}"}, {}),
        ("b: owner's token, another e-mail", "401",
         {"X-Api-Key": f"{world.colleague.email}:{owner.token}"}, {}),
        ("c: revoked token (header)", "401",
         {"Authorization": f"Bearer {world.revoked_token}"}, {}),
        ("c: revoked token (query)", "401", {},
         {"email": owner.email, "token": world.revoked_token}),
        *([("f: owner's token without the scope", "f",
            {"Authorization": f"Bearer {world.lacking[scope]}"}, {})] if scope else []),
        ("e: user of another workspace", "e",
         {"Authorization": f"Bearer {world.stranger.token}"}, {}),
        ("d: colleague in the same workspace", "d",
         {"Authorization": f"Bearer {world.colleague.token}"}, {}),
    ]


def forbidden_strings(world: World, intruder_class: str) -> list[str]:
    owner = world.owner
    found = [
        owner.token, owner.token.split(".", 1)[1], world.revoked_token.split(".", 1)[1],
        OWNER_EMAIL, OWNER_NAME_MARK, ENTRY_MARK, TIMER_MARK, PROJECT_ALIAS, SERVICE_ALIAS,
        WEBHOOK_MARK, world.webhook_secret,
    ]
    if intruder_class in ("e", "401", "f"):
        found.append(WORKSPACE_MARK)
    return found


def assert_no_owner_data(answer, world: World, intruder_class: str, context: str) -> None:
    text = answer.content.decode("utf-8", "replace")
    for secret in forbidden_strings(world, intruder_class):
        assert secret.lower() not in text.lower(), f"{context}: the owner's {secret!r} leaked"
    owner_entries = {world.ids["time_entries"], world.ids["timer"]}
    body = decoded(answer) if answer.content else None
    for item in json_objects(body):
        if "body" in item or "timer_started_at" in item:
            assert item.get("id") not in owner_entries, f"{context}: owner's entry {item}"


def assert_empty(answer, context: str) -> None:
    assert answer.status_code == 200, f"{context}: {answer.status_code} {answer.text[:300]}"
    body = answer.json()
    if body == {}:  # no timer of one's own (as Timi answers)
        return
    if isinstance(body, dict):  # a page of entries
        assert body["time_entries"] == [] and body["total_entries"] == 0, f"{context}: {body}"
    else:
        assert body == [], f"{context}: {body}"


def check_answer(answer, expected, operation_id: str, world: World, intruder_class: str,
                 context: str) -> None:
    assert answer.status_code < 500, f"{context}: {answer.status_code} {answer.text[:500]}"
    if expected == "empty":
        assert_empty(answer, context)
    else:
        assert answer.status_code in expected, (
            f"{context}: expected {sorted(expected)}, got {answer.status_code} {answer.text[:300]}"
        )
        if answer.status_code == 404:
            assert answer.json()["message"] == NOT_FOUND["message"], context
    assert_no_owner_data(answer, world, intruder_class, context)


# --- the tests -----------------------------------------------------------------------------


def test_every_route_is_documented_or_a_public_exception(app):
    """A route missing from the document would escape the matrix: there must be none."""
    served = set()
    for route in app.routes:
        if isinstance(route, Route):
            path = route.path.replace(":int", "").replace(":path", "").replace(":str", "")
            served.update((method, path) for method in route.methods - {"HEAD"})
    documented = {(method, path) for _, method, path in OPERATIONS}
    assert served == documented | set(PUBLIC_EXTRAS)


def test_every_operation_has_expectations():
    """A new operation must be given its expected answers here before it can pass."""
    authenticated = {op for op, _, _ in OPERATIONS} - PUBLIC_OPERATIONS
    assert authenticated == set(EXPECTED)
    document = openapi_document()
    for op, method, path in OPERATIONS:
        declared = document["paths"][path][method.lower()]
        is_public = declared.get("security") == []
        assert is_public == (op in PUBLIC_OPERATIONS), op


def at_rest(entry: dict) -> dict:
    """An entry without what time alone changes: a running timer's growing total."""
    if entry.get("timer_started_at") is None:
        return entry
    return {k: v for k, v in entry.items() if k != "total_duration"}


@pytest.mark.parametrize(
    ("operation_id", "method", "path"),
    [op for op in OPERATIONS if op[0] not in PUBLIC_OPERATIONS],
    ids=[op[0] for op in OPERATIONS if op[0] not in PUBLIC_OPERATIONS],
)
def test_isolation_matrix(world, operation_id, method, path):
    serial = 0
    scope = REQUIRED_SCOPE[operation_id]
    for suffix in ("", ".json"):
        url = fill_path(path, world) + suffix
        for label, intruder_class, headers, query in intruders(world, scope):
            serial += 1
            body = request_body(operation_id, world, serial)
            kwargs = {"headers": headers, "params": {**QUERIES.get(operation_id, {}), **query}}
            if body is not None:
                kwargs["json"] = body
            answer = world.http.request(method, url, **kwargs)
            context = f"{method} {url} by {label}"
            if intruder_class == "401":
                assert answer.status_code == 401, f"{context}: {answer.status_code} {answer.text}"
                assert answer.json()["message"] == UNAUTHORIZED["message"], context
            elif intruder_class == "f":
                assert answer.status_code == 403, f"{context}: {answer.status_code} {answer.text}"
                refusal = answer.json()
                assert refusal["message"] == "forbidden", context
                assert refusal["required_scope"] == scope, context
                assert refusal["available_scopes"] == sorted(set(SCOPES) - {scope, ADMIN_ALL})
            else:
                expected = EXPECTED[operation_id][intruder_class]
                check_answer(answer, expected, operation_id, world, intruder_class, context)
                continue
            assert_no_owner_data(answer, world, intruder_class, context)
    # nothing of the owner's changed: entries, timer, clients, projects, services, aliases,
    # profile and tokens (a colleague may archive the workspace's objects: their ``active``)
    after = world.take_snapshot()
    before = world.snapshot
    assert after["entries"] | {"time_entries": None} == before["entries"] | {"time_entries": None}
    assert [at_rest(e) for e in after["entries"]["time_entries"]] == [
        at_rest(e) for e in before["entries"]["time_entries"]]
    assert at_rest(after["timer"]) == at_rest(before["timer"])
    assert after["me"] == before["me"] and after["tokens"] == before["tokens"]
    assert after["webhooks"] == before["webhooks"]
    assert after["deliveries"] == before["deliveries"]
    for name in ("clients", "projects", "services"):
        ignored = {"projects", "active"} if ARCHIVES.get(operation_id) == name else {"projects"}
        owned_before = [item for item in before[name] if item["id"] in world.ids.values()]
        owned_after = [item for item in after[name] if item["id"] in world.ids.values()]
        # a colleague's new projects may appear under the client; the owner's own stay
        for item in owned_before:
            match = next((x for x in owned_after if x["id"] == item["id"]), None)
            assert match is not None, f"{name}: {item} disappeared"
            if name == "clients":
                assert {p["id"] for p in item["projects"]} <= {p["id"] for p in match["projects"]}
            assert {k: v for k, v in match.items() if k not in ignored} == {
                k: v for k, v in item.items() if k not in ignored}, f"{name}: {item} -> {match}"


def test_every_authenticated_operation_meets_the_sixth_intruder():
    """(f) is generated for each operation from the scope the document names."""
    authenticated = {op for op, _, _ in OPERATIONS} - PUBLIC_OPERATIONS
    assert set(REQUIRED_SCOPE) == authenticated
    assert set(REQUIRED_SCOPE.values()) <= set(SCOPES)


@pytest.mark.parametrize(("operation_id", "method", "path"),
                         [op for op in OPERATIONS if op[0] in PUBLIC_OPERATIONS - CHAT_OPERATIONS],
                         ids=[op[0] for op in OPERATIONS
                              if op[0] in PUBLIC_OPERATIONS - CHAT_OPERATIONS])  # fmt: skip
def test_public_operations_answer_anyone_and_leak_nothing(world, operation_id, method, path):
    for suffix in ("", ".json"):
        for label, intruder_class, headers, query in intruders(world):
            answer = world.http.request(method, path + suffix, headers=headers, params=query)
            context = f"{method} {path}{suffix} by {label}"
            assert answer.status_code == 200, f"{context}: {answer.status_code}"
            assert_no_owner_data(answer, world, "e", context)


@pytest.mark.parametrize(("method", "path"), PUBLIC_EXTRAS)
def test_documented_public_extras_answer_anyone_and_leak_nothing(world, method, path):
    path = path.replace("{locale}", "nl").replace("{name}", "page.css")
    for label, _, headers, query in intruders(world):
        answer = world.http.request(method, path, headers=headers, params=query)
        context = f"{method} {path} by {label}"
        assert answer.status_code == 200, f"{context}: {answer.status_code}"
        text = answer.content.decode("utf-8", "replace").lower()
        for secret in forbidden_strings(world, "e"):
            assert secret.lower() not in text, f"{context}: {secret!r} leaked"


def test_personal_aliases_do_not_steer_another_users_parse(world):
    """The owner's aliases are not the colleague's: her words resolve nothing for him."""
    text = f"2 uur {PROJECT_ALIAS} {SERVICE_ALIAS}"
    for intruder in (world.colleague, world.stranger):
        headers = {"Authorization": f"Bearer {intruder.token}"}
        preview = world.http.post("/api/v1/parse.json", json={"body": text}, headers=headers)
        assert preview.status_code == 200, preview.text
        shown = preview.json()
        assert shown["project"] is None and shown["service"] is None, shown
        for candidates in shown["candidates"].values():
            ids = {candidate["id"] for candidate in candidates}
            assert not ids & {world.ids["projects"], world.ids["services"]}, shown
        stored = world.http.post("/api/v1/time_entries.json", json={"body": text},
                                 headers=headers)
        assert stored.status_code == 201, stored.text
        assert stored.json()["project"] is None and stored.json()["service"] is None


def _slack_signed(secret: str, body: bytes, stamp: int) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, "sha256").hexdigest()
    return {"Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": f"v0={digest}"}


def test_forged_chat_deliveries_never_act_as_the_linked_user(app, world, monkeypatch):
    """The owner is linked on every platform; a delivery that names the owner's chat
    user but is not the platform's (no or a wrong signature, an old timestamp, a body
    changed after signing, a wrong command token or bot secret, or the owner's own API
    token where the platform's proof belongs) is 401, reads and stores nothing."""
    from nlentry.api.scopes import LINK_SCOPES
    from nlentry.storage import chat_links

    monkeypatch.setenv("NLENTRY_SLACK_SIGNING_SECRET", "slack-secret")
    monkeypatch.setenv("NLENTRY_MATTERMOST_TOKENS", "mm-token")
    monkeypatch.setenv("NLENTRY_TELEGRAM_SECRET", "tg-secret")
    monkeypatch.setenv("NLENTRY_TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("NLENTRY_TELEGRAM_API", "http://127.0.0.1:9")
    with app.state.db.write() as session:
        for platform, team in (("slack", "T1"), ("mattermost", "M1"), ("telegram", "")):
            who = chat_links.Identity(platform, team, "U-owner", "C1")
            chat_links.link(session, who, world.owner.id, LINK_SCOPES)
        session.commit()
    before = world.take_snapshot()
    text = "8 uur vandaag"
    slack = urlencode({"team_id": "T1", "user_id": "U-owner", "channel_id": "C1",
                       "text": text, "trigger_id": "forged"}).encode()  # fmt: skip
    now = int(time.time())
    owner_token = {"Authorization": f"Bearer {world.owner.token}"}
    forged = [
        ("slack: unsigned", "/api/v1/chat/slack", slack,
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("slack: the owner's API token", "/api/v1/chat/slack", slack,
         {"Content-Type": "application/x-www-form-urlencoded", **owner_token}),
        ("slack: another secret", "/api/v1/chat/slack", slack,
         _slack_signed("guess", slack, now)),
        ("slack: signed 10 minutes ago", "/api/v1/chat/slack", slack,
         _slack_signed("slack-secret", slack, now - 600)),
        ("slack: body changed after signing", "/api/v1/chat/slack", slack + b"%20extra",
         _slack_signed("slack-secret", slack, now)),
    ]
    mattermost = urlencode({"team_id": "M1", "user_id": "U-owner", "text": text}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    forged += [
        ("mattermost: no token", "/api/v1/chat/mattermost", mattermost, form),
        ("mattermost: a wrong token", "/api/v1/chat/mattermost", mattermost,
         {**form, "Authorization": "Token mm-guess"}),
        ("mattermost: the owner's API token", "/api/v1/chat/mattermost", mattermost,
         {**form, "Authorization": f"Token {world.owner.token}"}),
    ]
    update = json.dumps({"update_id": 1, "message": {
        "message_id": 1, "from": {"id": "U-owner"}, "chat": {"id": "C1"}, "text": text}}).encode()
    as_json = {"Content-Type": "application/json"}
    forged += [
        ("telegram: no secret", "/api/v1/chat/telegram", update, as_json),
        ("telegram: a wrong secret", "/api/v1/chat/telegram", update,
         {**as_json, "X-Telegram-Bot-Api-Secret-Token": "tg-guess"}),
        ("telegram: the owner's API token", "/api/v1/chat/telegram", update,
         {**as_json, "X-Telegram-Bot-Api-Secret-Token": world.owner.token, **owner_token}),
    ]
    for label, path, body, headers in forged:
        for suffix in ("", ".json"):
            answer = world.http.post(path + suffix, content=body, headers=headers)
            context = f"{label} ({path}{suffix})"
            assert answer.status_code == 401, f"{context}: {answer.status_code} {answer.text}"
            assert_no_owner_data(answer, world, "e", context)
    after = world.take_snapshot()
    assert after["entries"] == before["entries"] and after["timer"] == before["timer"]
    assert after["tokens"] == before["tokens"]
