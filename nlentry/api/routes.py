"""The route table of the API: one operation per method and path, one ``Route`` per path.

Paths are written without the ``.json`` suffix; ``JsonSuffixMiddleware``
removes it from requests, so both spellings reach the same route. The
operations of a path share one ``Route`` so that a wrong method answers 405
with an ``Allow`` header naming every method the path has. ``OPERATIONS`` is
what ``/info`` shows and what the OpenAPI document must describe.
"""

from __future__ import annotations

from typing import NamedTuple

from starlette.requests import Request
from starlette.routing import Route

from nlentry.api.resources import (
    aliases,
    clients,
    entry_create,
    meta,
    preview,
    projects,
    services,
    time_entries,
    timer,
)

API_PREFIX = "/api/v1"


class Operation(NamedTuple):
    method: str
    path: str  # with the prefix
    endpoint: object  # an async Starlette endpoint
    name: str


def _op(method: str, path: str, endpoint, name: str) -> Operation:
    return Operation(method, API_PREFIX + path, endpoint, name)


OPERATIONS: list[Operation] = [
    _op("GET", "/health", meta.health, "health"),
    _op("GET", "/info", meta.info, "info"),
    _op("GET", "/clients", clients.list_clients, "list_clients"),
    _op("POST", "/clients", clients.create_client, "create_client"),
    _op("GET", "/clients/{id:int}", clients.show_client, "show_client"),
    _op("PATCH", "/clients/{id:int}", clients.update_client, "update_client"),
    _op("GET", "/projects", projects.list_projects, "list_projects"),
    _op("POST", "/projects", projects.create_project, "create_project"),
    _op("GET", "/projects/{id:int}", projects.show_project, "show_project"),
    _op("PATCH", "/projects/{id:int}", projects.update_project, "update_project"),
    _op("POST", "/projects/{id:int}/aliases", aliases.create_project_alias, "create_project_alias"),
    _op(
        "DELETE",
        "/projects/{id:int}/aliases/{alias}",
        aliases.delete_project_alias,
        "delete_project_alias",
    ),
    _op("GET", "/services", services.list_services, "list_services"),
    _op("POST", "/services", services.create_service, "create_service"),
    _op("GET", "/services/{id:int}", services.show_service, "show_service"),
    _op("PATCH", "/services/{id:int}", services.update_service, "update_service"),
    _op("POST", "/services/{id:int}/aliases", aliases.create_service_alias, "create_service_alias"),
    _op(
        "DELETE",
        "/services/{id:int}/aliases/{alias}",
        aliases.delete_service_alias,
        "delete_service_alias",
    ),
    _op("GET", "/time_entries/timer", timer.show_timer, "show_timer"),
    _op("POST", "/time_entries/timer", timer.start_timer, "start_timer"),
    _op("DELETE", "/time_entries/timer", timer.stop_timer, "stop_timer"),
    _op("GET", "/time_entries", time_entries.list_entries, "list_entries"),
    _op("POST", "/time_entries", entry_create.create_entry, "create_entry"),
    _op("GET", "/time_entries/{id:int}", time_entries.show_entry, "show_entry"),
    _op("PATCH", "/time_entries/{id:int}", time_entries.update_entry, "update_entry"),
    _op("DELETE", "/time_entries/{id:int}", time_entries.delete_entry, "delete_entry"),
    _op("POST", "/parse", preview.parse_preview, "parse"),
]

#: Operations answered without a token (and the routes of their paths).
PUBLIC_ROUTES = frozenset({"health", "info"})


def _dispatcher(by_method: dict[str, object]):
    """One endpoint for a path: the operation of the request's method (HEAD is GET's)."""

    async def dispatch(request: Request):
        method = "GET" if request.method == "HEAD" else request.method
        return await by_method[method](request)  # type: ignore[operator]

    return dispatch


def _routes(operations: list[Operation]) -> list[Route]:
    by_path: dict[str, list[Operation]] = {}
    for operation in operations:
        by_path.setdefault(operation.path, []).append(operation)
    return [
        Route(
            path,
            _dispatcher({op.method: op.endpoint for op in ops}),
            methods=[op.method for op in ops],
            name="|".join(op.name for op in ops),  # one name for one operation
        )
        for path, ops in by_path.items()
    ]


routes: list[Route] = _routes(OPERATIONS)


def endpoint_list() -> list[dict[str, object]]:
    """``[{"method", "path", "name", "authenticated"}]`` for every API operation."""
    return [
        {
            "method": op.method,
            "path": op.path,
            "name": op.name,
            "authenticated": op.name not in PUBLIC_ROUTES,
        }
        for op in OPERATIONS
    ]
