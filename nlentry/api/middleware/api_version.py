"""The API's version on every answer, and Timetracker's ``X-Accept-Version``.

Every answer carries ``X-Api-Version: 1``. A request may ask for a version with
``X-Accept-Version``: ``1``, ``1.x`` (any minor) or ``v1`` is served; any other
major is ``400 {"message": ...}`` naming the header, before anything else is done.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The major version this service speaks.
API_VERSION = "1"
_ACCEPTED = re.compile(r"^\s*v?1(?:\.(?:\d+|x|\*))*\s*$", re.IGNORECASE)
_HEADER = (b"x-api-version", API_VERSION.encode())


class ApiVersionMiddleware:
    """Add ``X-Api-Version`` to every HTTP answer; refuse an ``X-Accept-Version``
    this service does not speak."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"x-accept-version" and not _ACCEPTED.match(
                    value.decode("latin-1")):  # fmt: skip
                await _refuse(send)
                return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), _HEADER]}
            await send(message)

        await self.app(scope, receive, send_with_version)


async def _refuse(send: Send) -> None:
    body = json.dumps({"message": f"X-Accept-Version: only version {API_VERSION} is served"},
                      separators=(",", ":")).encode()  # fmt: skip
    await send({"type": "http.response.start", "status": 400, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        _HEADER]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
