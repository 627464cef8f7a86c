"""CORS (Timedash): which web origins may call the API from a browser.

``$NLENTRY_CORS_ORIGINS`` lists them, comma separated (``https://app.example.com,
http://localhost:3000``; ``*`` for any); by default none, and then no answer
carries a CORS header at all (``create_app`` mounts nothing). Listed origins
get Starlette's ``CORSMiddleware``: preflights (``OPTIONS`` with
``Access-Control-Request-Method``) are answered by it, before routing and
without a token; a simple or actual request's answer names the origin in
``Access-Control-Allow-Origin``. The headers a client sends (``ALLOW_HEADERS``)
are allowed and the ones it reads (``EXPOSE_HEADERS``: the rate limit, the
version, ``ETag``) exposed. No cookie is ever needed (tokens travel in
headers), so credentials mode stays off.

A refused preflight (an origin, method or header not allowed) is ``400`` in the
one error body of ``nlentry.api.errors``, ``param`` naming the request header
that was refused, instead of Starlette's plain text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from nlentry.api.errors import error_response

CORS_ORIGINS_ENV = "NLENTRY_CORS_ORIGINS"
ALLOW_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: What clients send: the credentials, the body's type, the safe-retry key, the
#: version asked for and the list's ETag.
ALLOW_HEADERS = ("Authorization", "X-Api-Key", "Content-Type", "Idempotency-Key",
                 "X-Accept-Version", "If-None-Match")  # fmt: skip
#: What clients read beyond the CORS-safelisted answer headers.
EXPOSE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                  "Retry-After", "ETag", "X-Api-Version", "Idempotent-Replayed")  # fmt: skip
MAX_AGE_SECONDS = 600
_REFUSED_PARAM = {
    "origin": "Origin",
    "method": "Access-Control-Request-Method",
    "headers": "Access-Control-Request-Headers",
    "private-network": "Access-Control-Request-Private-Network",
}


def parse_origins(value: str | Iterable[str]) -> list[str]:
    """The origins of a comma separated list (or a list of them), checked: each is
    ``*`` or ``scheme://host[:port]`` (a trailing ``/`` is dropped); ``ValueError`` else."""
    items = value.split(",") if isinstance(value, str) else list(value)
    origins: list[str] = []
    for item in items:
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        if origin != "*":
            parts = urlsplit(origin)
            if (parts.scheme not in ("http", "https") or not parts.hostname
                    or parts.path or parts.query or parts.fragment or parts.username):  # fmt: skip
                raise ValueError(f"{CORS_ORIGINS_ENV}: {item.strip()!r} is no origin; write "
                                 "scheme://host[:port], e.g. https://app.example.com, or *")  # fmt: skip
        if origin not in origins:
            origins.append(origin)
    return origins


def cors_origins_from_env(environ: Mapping[str, str] = os.environ) -> list[str]:
    """``$NLENTRY_CORS_ORIGINS``, checked (``ValueError``); empty when unset."""
    return parse_origins(environ.get(CORS_ORIGINS_ENV, ""))


class Cors(CORSMiddleware):
    """``CORSMiddleware`` for ``origins`` with the API's headers; a refused preflight
    answers the one error body."""

    def __init__(self, app, origins: Iterable[str]):
        super().__init__(
            app,
            allow_origins=list(origins),
            allow_methods=ALLOW_METHODS,
            allow_headers=ALLOW_HEADERS,
            expose_headers=EXPOSE_HEADERS,
            max_age=MAX_AGE_SECONDS,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code < 400:
            return answer
        refused = bytes(answer.body).decode().removeprefix("Disallowed CORS ").split(", ")
        headers = {k: v for k, v in answer.headers.items()
                   if k.lower().startswith(("access-control-", "vary"))}  # fmt: skip
        return error_response(
            400,
            {"message": f"CORS preflight refused: {', '.join(refused)} not allowed",
             "param": _REFUSED_PARAM.get(refused[0])},
            headers,
        )  # fmt: skip


__all__ = ["ALLOW_HEADERS", "CORS_ORIGINS_ENV", "EXPOSE_HEADERS", "Cors",
           "cors_origins_from_env", "parse_origins"]  # fmt: skip
