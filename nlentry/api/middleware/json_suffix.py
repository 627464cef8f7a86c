"""Making the ``.json`` suffix optional on every API path, and ``.csv`` asking for CSV.

``/api/v1/time_entries.csv`` is ``/api/v1/time_entries`` with ``Accept: text/csv``
(whatever ``Accept`` the request had): the list answers CSV for that header
(``nlentry.api.resources.export``). Only the paths of ``CSV_PATHS`` take the
suffix; elsewhere ``.csv`` stays in the path (and finds no route: 404).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

SUFFIX = ".json"
CSV_SUFFIX = ".csv"
#: The paths that also answer CSV (``Accept: text/csv``), as routed: without a suffix.
CSV_PATHS = frozenset({"/api/v1/time_entries"})


def _without(scope: Scope, suffix: str) -> Scope:
    scope = dict(scope)
    scope["path"] = scope["path"][: -len(suffix)]
    raw_path = scope.get("raw_path")
    if isinstance(raw_path, bytes) and raw_path.endswith(suffix.encode()):
        scope["raw_path"] = raw_path[: -len(suffix)]
    return scope


class JsonSuffixMiddleware:
    """Strip one trailing ``.json`` from paths under ``prefix`` before routing; a
    trailing ``.csv`` of a path in ``csv_paths`` becomes ``Accept: text/csv``."""

    def __init__(self, app: ASGIApp, prefix: str = "/api/", csv_paths=CSV_PATHS):
        self.app = app
        self.prefix = prefix
        self.csv_paths = csv_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(self.prefix) and path.endswith(SUFFIX):
                scope = _without(scope, SUFFIX)
            elif path.endswith(CSV_SUFFIX) and path[: -len(CSV_SUFFIX)] in self.csv_paths:
                scope = _without(scope, CSV_SUFFIX)
                headers = [(k, v) for k, v in scope.get("headers", ()) if k.lower() != b"accept"]
                scope["headers"] = [*headers, (b"accept", b"text/csv")]
        await self.app(scope, receive, send)
