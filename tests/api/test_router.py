"""The static-path table of ``StaticFirstRouter`` reaches the route Starlette's scan would."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Match, Mount, Route
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.api.router import StaticFirstRouter

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _scanned(routes, path: str, method: str):
    """The route Starlette's own scan hands the request to (FULL first, else PARTIAL)."""
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def test_every_static_path_of_the_app_reaches_the_route_the_scan_would(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'router.db'}")
    try:
        router = app.router
        assert isinstance(router, StaticFirstRouter)
        table = router.static_routes
        # the paths people post entries to are in it; paths with parameters are not
        assert "/api/v1/time_entries" in table and "/api/v1/parse" in table
        assert not any("{" in path for path in table)
        for path, route in table.items():
            for method in METHODS:
                scanned = _scanned(router.routes, path, method)
                if route.matches({"type": "http", "path": path, "method": method,
                                  "root_path": ""})[0] is Match.FULL:  # fmt: skip
                    assert scanned is route, (path, method)
    finally:
        app.state.db.dispose()


def _app(routes) -> Starlette:
    app = Starlette()
    app.router = StaticFirstRouter(routes)
    return app


def _text(text: str):
    async def endpoint(request):
        return PlainTextResponse(text)

    return endpoint


def test_an_earlier_route_with_parameters_keeps_a_static_path():
    routes = [Route("/items/{name}", _text("by name")), Route("/items/new", _text("new")),
              Route("/other", _text("other"), methods=["POST"])]  # fmt: skip
    app = _app(routes)
    assert set(app.router.static_routes) == {"/other"}  # /items/new is the first route's
    client = TestClient(app)
    assert client.get("/items/new").text == "by name"
    assert client.get("/items/new").text == TestClient(Starlette(routes=routes)).get(
        "/items/new").text  # fmt: skip
    assert client.post("/other").text == "other"


def test_a_wrong_method_an_unknown_path_and_a_slash_still_take_starlettes_scan():
    routes = [Route("/entries", _text("listed"), methods=["GET"]),
              Route("/entries", _text("made"), methods=["POST"]),
              Mount("/sub", routes=[Route("/entries", _text("mounted"))])]  # fmt: skip
    app = _app(routes)
    client = TestClient(app)
    assert client.get("/entries").text == "listed"
    assert client.post("/entries").text == "made"  # the second route of the path, found by the scan
    wrong = client.put("/entries")
    assert wrong.status_code == 405 and set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert client.get("/nowhere").status_code == 404
    slash = client.get("/entries/", follow_redirects=False)
    assert slash.status_code == 307 and slash.headers["location"].endswith("/entries")
    assert client.get("/sub/entries").text == "mounted"


def test_a_route_added_later_is_found_by_the_scan():
    router = StaticFirstRouter([Route("/a", _text("a"))])
    router.add_route("/b", _text("b"))
    app = Starlette()
    app.router = router
    client = TestClient(app)
    assert "/b" not in router.static_routes
    assert client.get("/a").text == "a" and client.get("/b").text == "b"
