"""The API's version on every answer, and Timetracker's ``X-Accept-Version``.

Every answer carries ``X-Api-Version: 1``. A request may ask for a version with
``X-Accept-Version``: ``1``, ``1.x`` (any minor) or ``v1`` is served; any other
major is ``400`` (the one error body of ``nlentry.api.errors``, ``param`` naming
the header), before anything else is done.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nlentry.api.errors import error_json

#: The major version this service speaks.
API_VERSION = "1"
_ACCEPTED = re.compile(r"^\s*v?1(?:\.(?:\d+|x|\*))*\s*$", re.IGNORECASE)
_HEADER = (b"x-api-version", API_VERSION.encode())
#: The name of the request header, as ``param`` names it.
ACCEPT_HEADER = "X-Accept-Version"
_REFUSAL = error_json(400, {"message": f"{ACCEPT_HEADER}: only version {API_VERSION} is served",
                            "param": ACCEPT_HEADER})  # fmt: skip


class ApiVersionMiddleware:
    """Add ``X-Api-Version`` to every HTTP answer (``stamp``); refuse an
    ``X-Accept-Version`` this service does not speak (``check``).

    Both by default. With CORS, ``create_app`` mounts a stamping one outside
    ``CORSMiddleware`` (so a preflight's answer has the header too) and a
    checking one inside it (so a browser can read the 400).
    """

    def __init__(self, app: ASGIApp, *, stamp: bool = True, check: bool = True) -> None:
        self.app = app
        self.stamp = stamp
        self.check = check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.check:
            for name, value in scope.get("headers", ()):
                if name == b"x-accept-version" and not _ACCEPTED.match(
                        value.decode("latin-1")):  # fmt: skip
                    await _refuse(send, self.stamp)
                    return
        if not self.stamp:
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), _HEADER]}
            await send(message)

        await self.app(scope, receive, send_with_version)


async def _refuse(send: Send, stamp: bool) -> None:
    await send({"type": "http.response.start", "status": 400, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(_REFUSAL)).encode()),
        *([_HEADER] if stamp else [])]})  # fmt: skip
    await send({"type": "http.response.body", "body": _REFUSAL})
