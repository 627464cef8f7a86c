"""Declaring an operation: one ``@operation`` gives its route, its ``/info`` line and its
part of the OpenAPI document."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.testclient import TestClient

from nlentry.api.openapi.document import build_document, openapi_document
from nlentry.api.operations import BODY_ERRORS, Registry, operation
from nlentry.api.pipeline import Call
from nlentry.api.routes import OPERATIONS, build_routes, endpoint_list


class ThingInput(BaseModel):
    name: str


class Thing(BaseModel):
    id: int
    name: str


@pytest.fixture
def registry() -> Registry:
    registry = Registry()

    @operation("GET", "/things", tag="Meta", summary="The things", response=list[Thing],
               answer="all things", public=True, registry=registry)
    async def list_things(request: Request) -> Response:
        return JSONResponse([{"id": 1, "name": "one"}])

    @operation("POST", "/things", tag="Meta", summary="Make a thing", request=ThingInput,
               request_description="the thing", response=Thing, status=201,
               answer="the new thing", errors=BODY_ERRORS, public=True, registry=registry)
    async def make_thing(request: Request) -> Response:
        return JSONResponse({"id": 2, "name": "two"}, 201)

    @operation("DELETE", "/things/{id:int}", tag="Meta", scope="write:projects", summary="Remove a thing",
               path_params={"id": "the thing's id"}, status=204, answer="removed",
               errors={"NotFound": "no such thing"}, write=True, registry=registry)
    def remove_thing(call: Call) -> Response:
        return Response(status_code=204)

    return registry


def test_a_declared_operation_is_routed_listed_and_documented(registry):
    operations = list(registry)
    assert [op.name for op in operations] == ["list_things", "make_thing", "remove_thing"]
    served = {(route.path, method) for route in build_routes(operations)
              for method in route.methods}  # fmt: skip
    assert {("/api/v1/things", "POST"), ("/api/v1/things/{id:int}", "DELETE")} <= served
    listed = endpoint_list(operations)
    assert listed[2] == {"method": "DELETE", "path": "/api/v1/things/{id:int}",
                         "name": "remove_thing", "authenticated": True}
    document = build_document(operations)
    validate(document)
    remove = document["paths"]["/api/v1/things/{id}"]["delete"]
    assert remove["operationId"] == "remove_thing"
    assert remove["x-required-scope"] == "write:projects"
    assert {"bearer": ["write:projects"]} in remove["security"]
    assert set(remove["responses"]) == {"204", "400", "401", "403", "404", "429", "503"}
    assert remove["responses"]["404"]["description"] == "no such thing"
    assert remove["parameters"][0]["schema"]["maximum"] == 2**31 - 1
    make = document["paths"]["/api/v1/things"]["post"]
    assert make["security"] == [] and set(make["responses"]) == {"201", "400", "408", "413",
                                                                 "415", "422", "503"}
    assert make["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThingInput"}
    schemas = document["components"]["schemas"]
    assert {"Thing", "ThingInput", "ThingInputForm", "Error", "ValidationError"} <= set(schemas)


def test_the_operations_of_one_path_share_a_route(registry):
    table = build_routes(registry)
    assert [route.path for route in table] == ["/api/v1/things", "/api/v1/things/{id:int}"]
    assert table[0].methods == {"GET", "HEAD", "POST"}
    assert table[0].name == "list_things|make_thing"
    client = TestClient(Starlette(routes=table))
    assert client.get("/api/v1/things").json() == [{"id": 1, "name": "one"}]
    assert client.head("/api/v1/things").status_code == 200
    assert client.post("/api/v1/things").status_code == 201
    wrong = client.put("/api/v1/things")
    assert wrong.status_code == 405
    assert set(wrong.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


def test_a_method_and_path_or_a_name_is_declared_once(registry):
    async def again(request: Request) -> Response:
        return Response()

    with pytest.raises(ValueError, match="declared twice"):
        operation("GET", "/things", tag="Meta", summary="x", public=True,
                  registry=registry)(again)  # fmt: skip
    with pytest.raises(ValueError, match="declared twice"):
        operation("GET", "/other", name="list_things", tag="Meta", summary="x", public=True,
                  registry=registry)(again)  # fmt: skip


def test_the_app_serves_what_is_declared():
    for op in OPERATIONS:
        assert op.endpoint.operation is op
        if not op.public:  # through the one pipeline
            assert op.endpoint.handler.__name__ and op.endpoint is not op.endpoint.handler
    document = openapi_document()
    documented = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert documented == {(op.method, op.document_path) for op in OPERATIONS}
    assert len(OPERATIONS) == len({op.name for op in OPERATIONS})
