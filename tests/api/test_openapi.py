"""The OpenAPI document: well-formed OpenAPI 3.1, complete, and true of the server.

Three kinds of proof:

* structure: every ``$ref`` resolves, path templates match their
  parameters, operation ids are unique, bodies come as form and JSON, ...;
* routes: every route the app serves under ``/api/v1`` is documented and
  every documented path and method is served (401 without a token, 200 for
  the public ones), with and without the ``.json`` suffix;
* answers: a scenario drives every documented operation against the real
  app and checks each answer's status, body and headers against the document.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.api.openapi.document import openapi_document
from nlentry.api.scopes import SCOPES
from nlentry.storage import create_user, get_or_create_workspace
from nlentry.storage.demo import seed_example_catalog

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PUBLIC = {("get", "/api/v1/health"), ("get", "/api/v1/info")}
# Called by a chat platform, verified by its own signature or token, not by an API token.
CHAT = {("post", "/api/v1/chat/slack"), ("post", "/api/v1/chat/mattermost"),
        ("post", "/api/v1/chat/telegram")}  # fmt: skip
# The web page and its files: served to anyone, holding no one's data.
PAGE = {"/", "/page/texts/{locale}.json", "/page/{name}"}

# What docs/api.md lists, as (method, path without .json): the document must have each.
API_MD = {
    ("get", "/api/v1/clients"), ("post", "/api/v1/clients"), ("patch", "/api/v1/clients/{id}"),
    ("get", "/api/v1/projects"), ("get", "/api/v1/projects/{id}"),
    ("post", "/api/v1/projects"), ("patch", "/api/v1/projects/{id}"),
    ("get", "/api/v1/services"), ("post", "/api/v1/services"),
    ("patch", "/api/v1/services/{id}"),
    ("post", "/api/v1/projects/{id}/aliases"), ("delete", "/api/v1/projects/{id}/aliases/{alias}"),
    ("post", "/api/v1/services/{id}/aliases"), ("delete", "/api/v1/services/{id}/aliases/{alias}"),
    ("get", "/api/v1/time_entries"), ("get", "/api/v1/time_entries/{id}"),
    ("post", "/api/v1/time_entries"), ("patch", "/api/v1/time_entries/{id}"),
    ("delete", "/api/v1/time_entries/{id}"), ("post", "/api/v1/parse"),
    ("get", "/api/v1/time_entries/timer"), ("post", "/api/v1/time_entries/timer"),
    ("delete", "/api/v1/time_entries/timer"),
    ("get", "/api/v1/health"), ("get", "/api/v1/info"),
}
ENTRY_FIELDS = {"id", "body", "description", "date", "duration", "start_time", "end_time",
                "project", "service", "user", "billable", "tags", "metadata", "timer_started_at",
                "created_at", "updated_at"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def operations(document) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def resolve(document, node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        assert node["$ref"].startswith("#/"), node["$ref"]
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


# --- JSON Schema (Draft 2020-12), with the document's components to refer to ---------------

# The keywords the document's schemas use: a new one is a choice to make here.
KNOWN_KEYWORDS = {
    "$ref", "anyOf", "oneOf", "allOf", "type", "properties", "required",
    "additionalProperties", "items", "enum", "minimum", "maximum", "minLength", "maxLength",
    "maxItems", "maxProperties", "pattern", "format", "description", "examples", "default", "title",
}
FORMATS = Draft202012Validator.FORMAT_CHECKER


def schema_errors(document, schema: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """What ``jsonschema`` finds wrong with ``value`` (formats checked), ``$ref`` resolved
    in ``document``."""
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": document["components"], "allOf": [schema]}
    validator = Draft202012Validator(root, format_checker=FORMATS)
    return [f"{where}{'.' + '.'.join(map(str, e.absolute_path)) if e.absolute_path else ''}: "
            f"{e.message}" for e in validator.iter_errors(value)]


def test_the_validator_refuses_what_it_should(document):
    entry = document["components"]["schemas"]["TimeEntry"]
    assert schema_errors(document, entry, {"id": 1}) != []
    assert schema_errors(document, {"type": "integer"}, True) != []
    assert schema_errors(document, {"anyOf": [{"type": "string"}, {"type": "null"}]}, None) == []
    assert schema_errors(document, {"type": "string", "format": "date"}, "27-03-2016") != []
    assert schema_errors(document, {"type": "string", "format": "date-time"}, "27-03-2016") != []


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)  # openapi-spec-validator: OpenAPI 3.1, its schemas included
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


# --- structure -------------------------------------------------------------------------


def walk(node: Any, where: str = "$"):
    yield where, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}[{index}]")


def test_it_is_an_openapi_3_1_document(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert json.loads(json.dumps(document)) == document
    assert openapi_document() is document  # built once


def test_every_reference_resolves(document):
    references = [node["$ref"] for _, node in walk(document)
                  if isinstance(node, dict) and "$ref" in node]
    assert len(references) > 50
    for reference in references:
        target = resolve(document, {"$ref": reference})
        assert target, reference


def subschemas(schema: dict[str, Any], where: str):
    """``schema`` and every schema inside it, with where each sits."""
    yield where, schema
    for name, child in schema.get("properties", {}).items():
        yield from subschemas(child, f"{where}.{name}")
    for keyword in ("items", "additionalProperties"):
        if isinstance(schema.get(keyword), dict):
            yield from subschemas(schema[keyword], f"{where}.{keyword}")
    for keyword in ("anyOf", "oneOf", "allOf"):
        for index, child in enumerate(schema.get(keyword, [])):
            yield from subschemas(child, f"{where}.{keyword}[{index}]")


def test_every_schema_uses_only_keywords_the_checks_understand(document):
    every = [*document["components"]["schemas"].items()]
    for (method, path), op in operations(document).items():
        for p in op.get("parameters", []):
            every.append((f"{method} {path} {p['name']}", p["schema"]))
    for name, schema in every:
        for where, node in subschemas(schema, name):
            assert set(node) <= KNOWN_KEYWORDS, (where, set(node) - KNOWN_KEYWORDS)


def test_every_example_fits_its_schema(document):
    count = 0
    for name, schema in document["components"]["schemas"].items():
        for where, node in subschemas(schema, name):
            for example in node.get("examples", []):
                count += 1
                assert schema_errors(document, node, example, where) == []
    assert count >= 5


def test_every_endpoint_of_the_api_doc_is_documented(document):
    assert API_MD <= set(operations(document))


def test_paths_live_under_api_v1_without_the_suffix(document):
    description = document["info"]["description"]
    assert "`.json`" in description and "/api/v1/projects.json" in description
    for path in document["paths"]:
        assert path.startswith("/api/v1/"), path
        assert not path.endswith(".json"), path


def test_operations_are_well_formed(document):
    ids = [op["operationId"] for op in operations(document).values()]
    assert len(ids) == len(set(ids))
    tags = {tag["name"] for tag in document["tags"]}
    for (method, path), op in operations(document).items():
        item = document["paths"][path]
        assert op["summary"]
        assert set(op["tags"]) <= tags
        assert op["responses"]
        for status in op["responses"]:
            assert re.fullmatch(r"[1-5]\d\d", status), (method, path, status)
        assert any(status.startswith("2") for status in op["responses"]), (method, path)
        parameters = [resolve(document, p) for p in [*item.get("parameters", []),
                                                     *op.get("parameters", [])]]
        in_path = {p["name"] for p in parameters if p["in"] == "path"}
        assert in_path == set(re.findall(r"\{(\w+)\}", path)), (method, path)
        assert all(p["required"] for p in parameters if p["in"] == "path")
        if "requestBody" in op:
            assert method in ("post", "patch")
            content = op["requestBody"]["content"]
            assert set(content) == {FORM, JSON}, (method, path)
            json_ref = content[JSON]["schema"]["$ref"]
            assert content[FORM]["schema"] == {"$ref": json_ref + "Form"}
            assert_same_fields_without_null(document, json_ref)


def assert_same_fields_without_null(document, json_ref: str) -> None:
    """The form schema has the JSON schema's fields and required ones; no field is nullable."""
    def flatten(reference):
        schema = resolve(document, {"$ref": reference})
        properties = dict(schema.get("properties", {}))
        required = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            more, more_required = flatten(part["$ref"]) if "$ref" in part else (
                part.get("properties", {}), set(part.get("required", [])))
            properties.update(more)
            required |= more_required
        return properties, required

    json_fields, json_required = flatten(json_ref)
    form_fields, form_required = flatten(json_ref + "Form")
    assert set(form_fields) == set(json_fields) and form_required == json_required
    for name, field in form_fields.items():
        assert schema_errors(document, field, None) != [], (json_ref, name)


def test_security_is_documented(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKey"] == {**schemes["apiKey"], "type": "apiKey", "in": "header",
                                 "name": "X-Api-Key"}
    assert schemes["basic"]["type"] == "http" and schemes["basic"]["scheme"] == "basic"
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    assert (schemes["tokenQuery"]["in"], schemes["tokenQuery"]["name"]) == ("query", "token")
    assert (schemes["emailQuery"]["in"], schemes["emailQuery"]["name"]) == ("query", "email")
    assert {"tokenQuery": [], "emailQuery": []} in document["security"]
    for requirement in document["security"]:
        assert set(requirement) <= set(schemes)
    for key, op in operations(document).items():
        if key in PUBLIC or key in CHAT:
            assert op["security"] == []
            assert "x-required-scope" not in op, key
        else:
            # any way of logging in, with a token holding the operation's scope
            scope = op["x-required-scope"]
            assert scope in SCOPES, key
            assert op["security"] == [
                {name: ([] if name == "emailQuery" else [scope]) for name in requirement}
                for requirement in document["security"]], key
            assert {"401", "429"} <= set(op["responses"]), key
    for scope in SCOPES:  # each scope is described with the bearer scheme
        assert f"`{scope}`" in schemes["bearer"]["description"]


def test_the_shapes_are_those_of_the_api_doc(document):
    schemas = document["components"]["schemas"]
    entry = schemas["TimeEntry"]
    assert set(entry["properties"]) == ENTRY_FIELDS == set(entry["required"])
    project = resolve(document, entry["properties"]["project"]["anyOf"][0])
    assert set(project["properties"]) == {"id", "name", "client"}
    assert set(schemas["Project"]["properties"]) == {"id", "name", "active", "client", "aliases",
                                                     "billable", "metadata", "warnings"}
    assert set(schemas["Project"]["required"]) == {"id", "name", "active", "client", "aliases",
                                                   "billable", "metadata"}
    page = schemas["TimeEntryPage"]["properties"]
    assert set(page) == {"current_page", "per_page", "total_entries", "time_entries",
                         "pagination"}
    assert set(schemas["Error"]["required"]) == {"message", "error_code", "code", "type", "param"}
    invalid = {"message": "validation failed", "error_code": "validation_error",
               "code": "VALIDATION_ERROR", "type": "invalid_request_error", "param": "duration",
               "errors": {"duration": ["is geen getal"]}}
    assert schema_errors(document, schemas["ValidationError"], invalid) == []
    assert schema_errors(document, schemas["ValidationError"], {"message": "x"}) != []
    too_many = document["components"]["responses"]["TooManyRequests"]["headers"]
    assert {"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining",
            "X-RateLimit-Reset"} <= set(too_many)
    list_entries = document["paths"]["/api/v1/time_entries"]["get"]
    names = {p["name"] for p in list_entries["parameters"]}
    assert names == {"date", "start_date", "end_date", "project_ids", "service_ids",
                     "client_ids", "user_ids", "billable", "tag", "q", "updated_since", "sort",
                     "size", "page", "per_page"}
    create = document["paths"]["/api/v1/time_entries"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header"
               for p in create["parameters"])


# --- the document against the app ---------------------------------------------------


@pytest.fixture
def app(tmp_path):
    app = create_app("sqlite:///" + str(tmp_path / "t.db"), rate_limit_per_minute=10_000)
    yield app
    app.state.db.dispose()


def served_routes(routes, prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route, ``{id:int}`` written ``{id}``; HEAD left out."""
    found = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= served_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)
            for method in (route.methods or {"GET"}) - {"HEAD"}:
                found.add((method.lower(), path))
    return found


def concrete(path: str) -> str:
    return path.replace("{id}", "1").replace("{alias}", "rowan").replace("{delivery_id}", "1")


def test_every_served_api_route_is_documented_and_every_documented_one_served(app, document):
    served = {key for key in served_routes(app.routes) if key[1].startswith("/api/v1/")}
    assert served == set(operations(document))
    outside = {path for _, path in served_routes(app.routes)} - {p for _, p in served}
    assert outside == {"/openapi.json", "/docs", *PAGE}


@pytest.mark.parametrize("suffix", ["", ".json"])
def test_every_documented_operation_answers_without_a_token(app, document, suffix, monkeypatch):
    for name in ("SLACK_SIGNING_SECRET", "MATTERMOST_TOKENS", "TELEGRAM_SECRET",
                 "TELEGRAM_BOT_TOKEN"):
        monkeypatch.setenv(f"NLENTRY_{name}", "configured-secret")
    client = TestClient(app)
    for (method, path), op in sorted(operations(document).items()):
        answer = client.request(method.upper(), concrete(path) + suffix)
        if (method, path) in PUBLIC:
            assert answer.status_code == 200, (method, path)
        elif (method, path) in CHAT:  # no signature, token or secret of the platform
            assert answer.status_code == 401, (method, path, answer.status_code)
        else:
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert answer.json()["message"] == "unauthorized"
        assert str(answer.status_code) in op["responses"]


def test_info_lists_exactly_the_documented_operations(app, document):
    endpoints = TestClient(app).get("/api/v1/info").json()["endpoints"]
    listed = {(e["method"].lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", e["path"]))
              for e in endpoints}
    assert listed == set(operations(document))
    for e in endpoints:
        key = (e["method"].lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", e["path"]))
        assert e["authenticated"] == (key not in PUBLIC and key not in CHAT)


def test_openapi_json_and_docs_are_served_by_the_app(app, document):
    client = TestClient(app)
    assert client.get("/openapi.json").json() == document
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/v1/time_entries" in docs.text


class Conformance:
    """Sends requests and checks each answer against the documented operation."""

    def __init__(self, client: TestClient, document: dict[str, Any], headers: dict[str, str]):
        self.client = client
        self.document = document
        self.headers = headers
        self.operations = operations(document)
        self.seen: set[tuple[str, str, str]] = set()

    def call(self, method: str, path: str, *, expect: int, suffix: str = "", **kwargs) -> Any:
        """``path`` is a documented template; ``kwargs`` may fill it with ``path_values``."""
        values = kwargs.pop("path_values", {})
        url = path.format(**values) + suffix
        headers = {**self.headers, **kwargs.pop("headers", {})}
        answer = self.client.request(method.upper(), url, headers=headers, **kwargs)
        assert answer.status_code == expect, (method, url, answer.status_code, answer.text)
        self.check(method, path, answer)
        return answer.json() if answer.content else None

    def check(self, method: str, path: str, answer) -> None:
        op = self.operations[(method, path)]
        status = str(answer.status_code)
        assert status in op["responses"], (method, path, status)
        documented = resolve(self.document, op["responses"][status])
        for header in documented.get("headers", {}):
            assert header in answer.headers, (method, path, status, header)
        content = documented.get("content")
        if content is None:
            assert answer.content == b"", (method, path, status)
        else:
            assert answer.headers["content-type"].startswith(JSON)
            errors = schema_errors(self.document, content[JSON]["schema"], answer.json())
            assert errors == [], (method, path, status, errors)
        self.seen.add((method, path, status))


@pytest.fixture
def conformance(app, document) -> Conformance:
    with app.state.db.write() as session:
        workspace = get_or_create_workspace(session, "Acme")
        user, token = create_user(session, "alice@acme.nl", workspace=workspace)
        seed_example_catalog(session, workspace.id, user.id)
        session.commit()
        credentials = {"X-Api-Key": f"alice@acme.nl:{token.value}"}
    return Conformance(TestClient(app), document, credentials)


def test_every_operation_answers_as_documented(conformance, document, monkeypatch):
    c = conformance
    v1 = "/api/v1"
    c.call("get", f"{v1}/health", expect=200)
    c.call("get", f"{v1}/info", expect=200)

    # clients
    client = c.call("post", f"{v1}/clients", expect=201, suffix=".json", data={"name": "Kiwi"})
    one = {"id": client["id"]}
    assert c.call("get", f"{v1}/clients", expect=200)
    c.call("get", f"{v1}/clients/{{id}}", expect=200, path_values=one)
    c.call("patch", f"{v1}/clients/{{id}}", expect=200, path_values=one, json={"active": False})
    c.call("patch", f"{v1}/clients/{{id}}", expect=422, path_values=one, json={"name": " "})
    c.call("get", f"{v1}/clients/{{id}}", expect=404, path_values={"id": 999_999})
    gone = c.call("post", f"{v1}/clients", expect=201, json={"name": "Gone"})
    c.call("delete", f"{v1}/clients/{{id}}", expect=204, path_values={"id": gone["id"]})

    # projects and their aliases
    project = c.call("post", f"{v1}/projects", expect=201, suffix=".json",
                     data={"name": "Kiwi site", "client_id": str(client["id"])})
    assert project["client"] == {"id": client["id"], "name": "Kiwi"}
    one = {"id": project["id"]}
    c.call("post", f"{v1}/projects", expect=422, json={"name": ""})
    assert c.call("get", f"{v1}/projects", expect=200)
    c.call("get", f"{v1}/projects/{{id}}", expect=200, path_values=one)
    c.call("patch", f"{v1}/projects/{{id}}", expect=200, path_values=one,
           json={"aliases": ["kiwi"]})
    c.call("post", f"{v1}/projects/{{id}}/aliases", expect=201, suffix=".json",
           path_values=one, data={"alias": "kw"})
    c.call("post", f"{v1}/projects/{{id}}/aliases", expect=422, path_values=one,
           data={"alias": "Rowan"})  # the example catalog gives Rowan to Timi
    c.call("delete", f"{v1}/projects/{{id}}/aliases/{{alias}}", expect=204,
           path_values={**one, "alias": "kw"})
    c.call("delete", f"{v1}/projects/{{id}}/aliases/{{alias}}", expect=404,
           path_values={**one, "alias": "kw"})
    gone = c.call("post", f"{v1}/projects", expect=201, json={"name": "Gone"})
    c.call("delete", f"{v1}/projects/{{id}}", expect=204, suffix=".json",
           path_values={"id": gone["id"]})
    c.call("delete", f"{v1}/projects/{{id}}", expect=404, path_values={"id": 999_999})

    # services and their aliases
    service = c.call("post", f"{v1}/services", expect=201, json={"name": "Audit"})
    one = {"id": service["id"]}
    assert c.call("get", f"{v1}/services", expect=200)
    c.call("get", f"{v1}/services/{{id}}", expect=200, path_values=one)
    c.call("patch", f"{v1}/services/{{id}}", expect=200, suffix=".json", path_values=one,
           data={"name": "Audits", "active": "false"})
    c.call("post", f"{v1}/services/{{id}}/aliases", expect=201, path_values=one,
           json={"alias": "controle"})
    c.call("delete", f"{v1}/services/{{id}}/aliases/{{alias}}", expect=204, suffix=".json",
           path_values={**one, "alias": "controle"})
    c.call("delete", f"{v1}/services/{{id}}", expect=204, path_values=one)
    found = c.call("get", f"{v1}/search", expect=200, suffix=".json", params={"q": "kiwi"})
    assert ("project", "Kiwi site") in {(r["type"], r["title"]) for r in found["results"]}
    c.call("get", f"{v1}/search", expect=422, params={"q": "k"})

    # time entries
    entry = c.call("post", f"{v1}/time_entries", expect=201, suffix=".json",
                   data={"body": "2,5 uur met Rowan aan Timi gewerkt"},
                   headers={"Idempotency-Key": "k-1"})
    assert entry["duration"] == 9000 and entry["project"]["name"] == "Timi"
    again = c.call("post", f"{v1}/time_entries", expect=201, suffix=".json",
                   data={"body": "2,5 uur met Rowan aan Timi gewerkt"},
                   headers={"Idempotency-Key": "k-1"})
    assert again == entry
    c.call("post", f"{v1}/time_entries", expect=422, json={"body": "met Rowan aan Timi"})
    c.call("post", f"{v1}/time_entries", expect=400, content=b"{not json",
           headers={"Content-Type": JSON})
    c.call("post", f"{v1}/time_entries", expect=415, content=b"body",
           headers={"Content-Type": "text/csv"})
    one = {"id": entry["id"]}
    page = c.call("get", f"{v1}/time_entries", expect=200, suffix=".json",
                  params={"project_ids": str(entry["project"]["id"]), "per_page": "5",
                          "start_date": "01-01-2000", "end_date": "2100-12-31"})
    assert page["per_page"] == 5 and page["total_entries"] == 1
    c.call("get", f"{v1}/time_entries", expect=422, params={"page": "0"})
    c.call("get", f"{v1}/time_entries/{{id}}", expect=200, path_values=one)
    c.call("patch", f"{v1}/time_entries/{{id}}", expect=200, path_values=one,
           json={"duration": 600, "date": "27-03-2016"})
    c.call("patch", f"{v1}/time_entries/{{id}}", expect=422, path_values=one,
           json={"duration": "veel"})

    # bulk actions and the tombstones of deleted entries (sync)
    other = c.call("post", f"{v1}/time_entries", expect=201, json={"body": "1 uur weg"})
    done = c.call("post", f"{v1}/time_entries/bulk", expect=200, suffix=".json",
                  json={"entry_ids": [entry["id"], other["id"], 999_999], "action": "add_tag",
                        "value": "sync"})
    assert done == {"updated": 2, "skipped": [999_999]}
    c.call("post", f"{v1}/time_entries/bulk", expect=200,
           data={"entry_ids": str(other["id"]), "action": "delete"})
    c.call("post", f"{v1}/time_entries/bulk", expect=422, json={"entry_ids": [1], "action": "x"})
    gone = c.call("get", f"{v1}/time_entries/deleted", expect=200, suffix=".json",
                  params={"since": other["created_at"]})
    assert [tombstone["id"] for tombstone in gone] == [other["id"]]
    c.call("get", f"{v1}/time_entries/deleted", expect=422)
    c.call("post", f"{v1}/parse", expect=200, suffix=".json",
           data={"body": "1 uur Timi", "date": "2016-03-27"})

    # several entries at once (batch, its preview) and a CSV import
    made = c.call("post", f"{v1}/time_entries/batch", expect=201, suffix=".json",
                  data={"body": "2 uur Timi; 1 uur Rowan"}, headers={"Idempotency-Key": "b-1"})
    assert [e["duration"] for e in made["time_entries"]] == [7200, 3600]
    c.call("post", f"{v1}/time_entries/batch", expect=422, json={"body": "2 uur Timi; lunch"})
    shown = c.call("post", f"{v1}/parse", expect=200, json={"body": "2 uur Timi; lunch",
                                                            "many": True})
    assert [bool(e["errors"]) for e in shown["entries"]] == [False, True]
    imported = c.call("post", f"{v1}/time_entries/import", expect=201, suffix=".json",
                      json={"csv": "date,duration_seconds,project\n2016-03-27,5400,Timi\n"},
                      headers={"Idempotency-Key": "i-1"})
    assert imported["created"] == 1
    c.call("post", f"{v1}/time_entries/import", expect=201, params={"partial": "true"},
           content=b"body\n1 uur Timi\nlunch\n", headers={"Content-Type": "text/csv"})
    c.call("post", f"{v1}/time_entries/import", expect=422, data={"csv": "body\nlunch\n"})

    # reports: the summary of the entries above (one moved to 27-03-2016, one imported)
    report = c.call("get", f"{v1}/reports/summary", expect=200, suffix=".json",
                    params={"start_date": "2016-03-21", "end_date": "2016-03-27",
                            "group_by": "day", "rounding": "15", "rounding_mode": "up"})
    assert report["summary"]["groups"][0]["key"] == "2016-03-27"
    c.call("get", f"{v1}/reports/summary", expect=200, params={"group_by": "week"})
    c.call("get", f"{v1}/reports/summary", expect=422, params={"group_by": "color"})
    exported = c.client.get(f"{v1}/time_entries.csv", headers=c.headers)  # the list as CSV
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.text.startswith("id,date,start_time,end_time,duration_seconds,hours,")

    # the timer
    c.call("get", f"{v1}/time_entries/timer", expect=200)  # {}: no timer runs, as Timi answers
    c.call("post", f"{v1}/time_entries/timer", expect=201, suffix=".json",
           data={"body": "Timi programmeren"})
    c.call("get", f"{v1}/time_entries/timer", expect=200, suffix=".json")
    c.call("delete", f"{v1}/time_entries/timer", expect=200)
    c.call("delete", f"{v1}/time_entries/timer", expect=404)

    c.call("delete", f"{v1}/time_entries/{{id}}", expect=204, suffix=".json", path_values=one)
    c.call("get", f"{v1}/time_entries/{{id}}", expect=404, path_values=one)

    # the caller's profile and tokens
    c.call("get", f"{v1}/users/me", expect=200, suffix=".json")
    c.call("patch", f"{v1}/users/me", expect=200, json={"timezone": "Europe/Amsterdam"})
    c.call("patch", f"{v1}/users/me", expect=422, json={"timezone": "Mars/Olympus"})
    made = c.call("post", f"{v1}/tokens", expect=201, suffix=".json",
                  data={"name": "laptop", "scopes": "read:time_entries", "expires_in_days": "7"})
    c.call("post", f"{v1}/tokens", expect=422, json={"name": "x", "scopes": ["nope"]})
    assert [t["id"] for t in c.call("get", f"{v1}/tokens", expect=200)][-1] == made["id"]
    c.call("delete", f"{v1}/tokens/{{id}}", expect=204, path_values={"id": made["id"]})
    c.call("delete", f"{v1}/tokens/{{id}}", expect=404, path_values={"id": made["id"]})

    # webhooks (no delivery worker runs without the lifespan: what is queued stays queued)
    hook = c.call("post", f"{v1}/webhooks", expect=201, suffix=".json",
                  json={"url": "https://93.184.216.34/hook", "events": ["timer.started"]})
    assert hook["secret"].startswith("whsec_")
    c.call("post", f"{v1}/webhooks", expect=422, json={"url": "ftp://example.com/hook"})
    one = {"id": hook["id"]}
    assert [h["id"] for h in c.call("get", f"{v1}/webhooks", expect=200)] == [hook["id"]]
    c.call("get", f"{v1}/webhooks/{{id}}", expect=200, suffix=".json", path_values=one)
    c.call("patch", f"{v1}/webhooks/{{id}}", expect=200, path_values=one, data={"events": "*"})
    ping = c.call("post", f"{v1}/webhooks/{{id}}/ping", expect=202, suffix=".json",
                  path_values=one)
    assert c.call("get", f"{v1}/webhooks/{{id}}/deliveries", expect=200,
                  path_values=one)[0]["id"] == ping["id"]
    c.call("post", f"{v1}/webhooks/{{id}}/deliveries/{{delivery_id}}/redeliver", expect=202,
           path_values={**one, "delivery_id": ping["id"]})
    c.call("patch", f"{v1}/webhooks/{{id}}", expect=200, path_values=one, json={"active": False})
    c.call("post", f"{v1}/webhooks/{{id}}/ping", expect=409, path_values=one)
    c.call("delete", f"{v1}/webhooks/{{id}}", expect=204, path_values=one)
    c.call("get", f"{v1}/webhooks/{{id}}", expect=404, path_values=one)

    # chat: an unlinked Slack user is given a code, the caller links it, the chat logs time
    monkeypatch.setenv("NLENTRY_SLACK_SIGNING_SECRET", "slack-secret")
    monkeypatch.setenv("NLENTRY_MATTERMOST_TOKENS", "mm-token")
    monkeypatch.setenv("NLENTRY_TELEGRAM_SECRET", "tg-secret")
    monkeypatch.setenv("NLENTRY_TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("NLENTRY_TELEGRAM_API", "http://127.0.0.1:9")  # nobody: a failed send

    def slack(fields: dict, expect: int = 200, secret: str = "slack-secret") -> Any:
        body = urlencode(fields).encode()
        stamp = str(int(time.time()))
        signed = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, "sha256")
        return c.call("post", f"{v1}/chat/slack", expect=expect, content=body,
                      headers={"Content-Type": FORM, "X-Slack-Request-Timestamp": stamp,
                               "X-Slack-Signature": "v0=" + signed.hexdigest()})

    asked = slack({"team_id": "T1", "user_id": "U1", "text": "2 uur Timi", "trigger_id": "t1"})
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", asked["text"]).group()
    linked = c.call("post", f"{v1}/chat/links", expect=201, suffix=".json", json={"code": code})
    assert linked == {"platform": "slack", "team": "T1", "user": "U1"}
    c.call("post", f"{v1}/chat/links", expect=404, json={"code": code})  # used once
    slack({"team_id": "T1", "user_id": "U1", "text": "2 uur Timi", "trigger_id": "t2"})
    slack({"team_id": "T1", "user_id": "U1", "text": "2 uur Timi"}, expect=401, secret="wrong")
    c.call("post", f"{v1}/chat/mattermost", expect=200, suffix=".json",
           data={"team_id": "M1", "user_id": "U1", "command": "/uren", "text": "help"},
           headers={"Authorization": "Token mm-token"})
    c.call("post", f"{v1}/chat/mattermost", expect=401, data={"token": "nope", "user_id": "U1"})
    update = {"update_id": 7, "message": {"message_id": 1, "from": {"id": 42},
                                          "chat": {"id": 42, "type": "private"}, "text": "help"}}
    c.call("post", f"{v1}/chat/telegram", expect=200, json=update,
           headers={"X-Telegram-Bot-Api-Secret-Token": "tg-secret"})
    c.call("post", f"{v1}/chat/telegram", expect=401, json=update,
           headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})

    # a wrong token, in each of the ways a token is sent
    basic = base64.b64encode(b"alice@acme.nl:wrong").decode()
    for headers in ({"X-Api-Key": "alice@acme.nl:wrong"}, {"Authorization": f"Basic {basic}"},
                    {"Authorization": "Bearer wrong"}):
        c.headers = headers
        c.call("get", f"{v1}/projects", expect=401)

    exercised = {(method, path) for method, path, status in c.seen if status.startswith("2")}
    assert exercised == set(c.operations)


def test_too_many_requests_answers_as_documented(tmp_path, document):
    app = create_app("sqlite:///" + str(tmp_path / "t.db"), rate_limit_per_minute=2)
    try:
        with app.state.db.write() as session:
            workspace = get_or_create_workspace(session, "Acme")
            _, token = create_user(session, "alice@acme.nl", workspace=workspace)
            session.commit()
        c = Conformance(TestClient(app), document, {"Authorization": f"Bearer {token.value}"})
        c.call("get", "/api/v1/services", expect=200)
        c.call("get", "/api/v1/services", expect=200, params={"token": token.value})
        c.call("get", "/api/v1/services", expect=429)
        answer = c.client.get("/api/v1/time_entries", headers=c.headers)
        assert answer.json()["message"] == "rate limit exceeded"
        assert int(answer.headers["Retry-After"]) >= 1
    finally:
        app.state.db.dispose()


def test_every_operation_says_the_store_may_be_down(document):
    # any request may meet a store that is unreachable, full or read-only (issue 10, finding 8)
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert "503" in operation["responses"], (method, path)
            if operation.get("security") != []:  # authenticated: a query string may be unreadable
                assert "400" in operation["responses"], (method, path)
    unavailable = document["components"]["responses"]["ServiceUnavailable"]
    assert "Retry-After" in unavailable["headers"]
