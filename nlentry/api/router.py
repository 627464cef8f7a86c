"""Starlette's router, with a request for a path without parameters found by one lookup.

Starlette tries the routes one after another, a regular expression each, until
one matches: ``POST /api/v1/time_entries``, the path every chat message and app
posts to, came seventeenth, so each create paid for sixteen misses (about 4% of a
worker's CPU under load). ``StaticFirstRouter`` keeps a table of the paths
without parameters (``/api/v1/time_entries``, not ``/api/v1/time_entries/{id}``)
whose route no earlier route could take; a request for such a path that its route
fully matches (path and method) goes straight to it. Everything else (a wrong
method, which answers 405 from the same route, an unknown path, a redirect of a
trailing slash, a path with parameters) takes Starlette's own scan, so every
request reaches the route Starlette would have chosen.
"""

from __future__ import annotations

from starlette.routing import Match, Route, Router, get_route_path
from starlette.types import Receive, Scope, Send


class StaticFirstRouter(Router):
    """``Router`` with the table of its static paths (``static_routes``), made from the
    routes it is given. A route appended later (``add_route``, ``mount``) is found by
    the scan: coming after them, it never changes which route a path of the table
    reaches."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.static_routes: dict[str, Route] = {}
        for at, route in enumerate(self.routes):
            if not isinstance(route, Route) or route.param_convertors:
                continue  # parameters (or no plain path): the scan decides
            if any(not hasattr(before, "path_regex") or before.path_regex.match(route.path)
                   for before in self.routes[:at]):  # fmt: skip
                continue  # an earlier route (or one that cannot be asked) may take it
            self.static_routes.setdefault(route.path, route)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self.static_routes.get(get_route_path(scope))
            if route is not None:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


__all__ = ["StaticFirstRouter"]
