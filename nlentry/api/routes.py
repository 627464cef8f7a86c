"""The route table of the API: one ``Route`` per method and path.

Paths are written without the ``.json`` suffix; ``JsonSuffixMiddleware``
removes it from requests, so both spellings reach the same route. This list
is what ``/info`` shows and what the OpenAPI document must describe.
"""

from __future__ import annotations

from starlette.routing import Route

from . import aliases, clients, entries, health, parse, projects, services, timer

API_PREFIX = "/api/v1"


def _route(method: str, path: str, endpoint, name: str) -> Route:
    return Route(API_PREFIX + path, endpoint, methods=[method], name=name)


routes: list[Route] = [
    _route("GET", "/health", health.health, "health"),
    _route("GET", "/info", health.info, "info"),
    _route("GET", "/clients", clients.list_clients, "list_clients"),
    _route("POST", "/clients", clients.create_client, "create_client"),
    _route("GET", "/clients/{id:int}", clients.show_client, "show_client"),
    _route("PATCH", "/clients/{id:int}", clients.update_client, "update_client"),
    _route("GET", "/projects", projects.list_projects, "list_projects"),
    _route("POST", "/projects", projects.create_project, "create_project"),
    _route("GET", "/projects/{id:int}", projects.show_project, "show_project"),
    _route("PATCH", "/projects/{id:int}", projects.update_project, "update_project"),
    _route("POST", "/projects/{id:int}/aliases", aliases.create_project_alias,
           "create_project_alias"),
    _route("DELETE", "/projects/{id:int}/aliases/{alias}", aliases.delete_project_alias,
           "delete_project_alias"),
    _route("GET", "/services", services.list_services, "list_services"),
    _route("POST", "/services", services.create_service, "create_service"),
    _route("GET", "/services/{id:int}", services.show_service, "show_service"),
    _route("PATCH", "/services/{id:int}", services.update_service, "update_service"),
    _route("POST", "/services/{id:int}/aliases", aliases.create_service_alias,
           "create_service_alias"),
    _route("DELETE", "/services/{id:int}/aliases/{alias}", aliases.delete_service_alias,
           "delete_service_alias"),
    _route("GET", "/time_entries/timer", timer.show_timer, "show_timer"),
    _route("POST", "/time_entries/timer", timer.start_timer, "start_timer"),
    _route("DELETE", "/time_entries/timer", timer.stop_timer, "stop_timer"),
    _route("GET", "/time_entries", entries.list_entries, "list_entries"),
    _route("POST", "/time_entries", entries.create_entry, "create_entry"),
    _route("GET", "/time_entries/{id:int}", entries.show_entry, "show_entry"),
    _route("PATCH", "/time_entries/{id:int}", entries.update_entry, "update_entry"),
    _route("DELETE", "/time_entries/{id:int}", entries.delete_entry, "delete_entry"),
    _route("POST", "/parse", parse.parse_preview, "parse"),
]

#: Routes answered without a token.
PUBLIC_ROUTES = frozenset({"health", "info"})


def endpoint_list() -> list[dict[str, object]]:
    """``[{"method", "path", "name", "authenticated"}]`` for every API route."""
    return [
        {
            "method": method,
            "path": route.path,
            "name": route.name,
            "authenticated": route.name not in PUBLIC_ROUTES,
        }
        for route in routes
        for method in sorted(route.methods - {"HEAD"})
    ]
