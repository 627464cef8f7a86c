"""The route table of the API, derived from the declared operations: one ``Route`` per path.

Each resource module declares its operations (``nlentry.api.operations``);
``OPERATIONS`` lists them, module by module in the order of ``RESOURCES``.
Paths are written without the ``.json`` suffix; ``JsonSuffixMiddleware``
removes it from requests, so both spellings reach the same route. The
operations of a path share one ``Route`` so that a wrong method answers 405
with an ``Allow`` header naming every method the path has (HEAD is GET's).
``OPERATIONS`` is also what ``/info`` shows and what the OpenAPI document describes.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.routing import Route

from nlentry.api.chat import links, mattermost, slack, telegram
from nlentry.api.operations import REGISTRY, Operation
from nlentry.api.resources import (
    aliases,
    batch,
    bulk,
    clients,
    deleted,
    entry_create,
    import_csv,
    meta,
    preview,
    projects,
    reports,
    search,
    services,
    time_entries,
    timer,
    tokens,
    users,
    webhooks,
)

#: The resource modules, in the order their operations are listed.
RESOURCES = (meta, clients, projects, services, aliases, search, timer, batch, import_csv,
             time_entries, bulk, deleted, entry_create, preview, reports, users,
             tokens, webhooks, links, slack, mattermost, telegram)  # fmt: skip

OPERATIONS: list[Operation] = [op for module in RESOURCES for op in REGISTRY.of(module.__name__)]
if len(OPERATIONS) != len(list(REGISTRY)):  # declared in a module missing from RESOURCES
    raise RuntimeError(f"not in RESOURCES: {[op.name for op in REGISTRY if op not in OPERATIONS]}")

#: Operations answered without a token (and the routes of their paths).
PUBLIC_ROUTES = frozenset(op.name for op in OPERATIONS if op.public)


def _dispatcher(by_method: dict[str, object]):
    """One endpoint for a path: the operation of the request's method (HEAD is GET's)."""

    async def dispatch(request: Request):
        method = "GET" if request.method == "HEAD" else request.method
        return await by_method[method](request)  # type: ignore[operator]

    return dispatch


def build_routes(operations: Iterable[Operation]) -> list[Route]:
    """One ``Route`` per path, for all the operations of that path."""
    by_path: dict[str, list[Operation]] = {}
    for op in operations:
        by_path.setdefault(op.route_path, []).append(op)
    return [
        Route(
            path,
            _dispatcher({op.method: op.endpoint for op in ops}),
            methods=[op.method for op in ops],
            name="|".join(op.name for op in ops),  # one name for one operation
        )
        for path, ops in by_path.items()
    ]


routes: list[Route] = build_routes(OPERATIONS)


def endpoint_list(operations: Iterable[Operation] = OPERATIONS) -> list[dict[str, object]]:
    """``[{"method", "path", "name", "authenticated"}]`` for every API operation."""
    return [
        {"method": op.method, "path": op.route_path, "name": op.name,
         "authenticated": not op.public}
        for op in operations
    ]
