"""The service's own API, called in-process as a chat link's token (``nlentry.chat.model.Api``).

A request is an ASGI call into the app itself, through every middleware and
the same pipeline as a client's: the link's token is looked up by id (its
scopes, its rate limit, a revocation at once), the entry writer, webhooks,
idempotency and time zones all apply. The credentials ride in the ASGI scope
(``credentials.IN_PROCESS``), which no client can set, never in a header.
"""

from __future__ import annotations

import json as json_module
from typing import Any
from urllib.parse import urlencode

from nlentry.api.credentials import IN_PROCESS, token_id_credentials
from nlentry.api.operations import API_PREFIX
from nlentry.chat.model import Answer


class InProcessApi:
    """``Api`` for the chat conversation: calls into ``app`` as the token ``token_id``."""

    def __init__(self, app: Any, token_id: int):
        self.app = app
        self.credentials = token_id_credentials(token_id)

    async def __call__(self, method: str, path: str, *, json: dict | None = None,
                       query: dict | None = None, key: str | None = None) -> Answer:  # fmt: skip
        body = b"" if json is None else json_module.dumps(json).encode()
        headers = [(b"host", b"nlentry.internal"), (b"accept", b"application/json")]
        if json is not None:
            headers += [(b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())]  # fmt: skip
        if key is not None:
            headers.append((b"idempotency-key", key.encode()))
        full_path = API_PREFIX + path
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method.upper(), "scheme": "http", "path": full_path,
            "raw_path": full_path.encode(), "root_path": "",
            "query_string": urlencode(query or {}, doseq=True).encode(),
            "headers": headers, "client": ("chat", 0), "server": ("nlentry.internal", 80),
            IN_PROCESS: self.credentials,
        }  # fmt: skip
        sent = False
        status, chunks = 500, []

        async def receive() -> dict:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        raw = b"".join(chunks)
        try:
            content = json_module.loads(raw) if raw else None
        except ValueError:
            content = raw.decode("utf-8", "replace")
        return Answer(status, content)
