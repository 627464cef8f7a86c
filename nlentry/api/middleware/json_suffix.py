"""Making the ``.json`` suffix optional on every API path."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

SUFFIX = ".json"


class JsonSuffixMiddleware:
    """Strip one trailing ``.json`` from paths under ``prefix`` before routing."""

    def __init__(self, app: ASGIApp, prefix: str = "/api/"):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(self.prefix) and path.endswith(SUFFIX):
                scope = dict(scope)
                scope["path"] = path[: -len(SUFFIX)]
                raw_path = scope.get("raw_path")
                if isinstance(raw_path, bytes) and raw_path.endswith(SUFFIX.encode()):
                    scope["raw_path"] = raw_path[: -len(SUFFIX)]
        await self.app(scope, receive, send)
