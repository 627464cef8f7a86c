"""JSON error answers: one body for every failure, built here and nowhere else.

Every error answer carries the fields each reference's clients look for
(Timi's ``message``, Timedash's ``error_code``, Timetracker's ``code``,
Stripe-style ``type`` and ``param``)::

    {"message": "validation failed", "error_code": "validation_error",
     "code": "VALIDATION_ERROR", "type": "invalid_request_error",
     "param": "duration", "errors": {"duration": ["is geen getal"]}}

``param`` names the first invalid field of a 422 (or the header a 400 is
about), else it is null. A 422 keeps ``errors`` (each field to its messages
in the caller's locale); a 403 for a scope adds ``required_scope`` and
``available_scopes``; a payload given to ``APIError`` keeps all its keys (the
batch's ``entries``, a custom ``message``) and gains the fields it lacks.
``error_body`` makes the dict and ``error_json`` the bytes; ``APIError``,
``Invalid``, the Starlette ``HTTPException`` handler, ``fault_response``, the
body readers (400, 408, 413, 415) and the middleware (the 400 of
``X-Accept-Version``, the 408 of a body that does not arrive) all answer
through them. The body of an answer without a payload of its own is rendered
once per status, at import: refusing a flood (401, 429) renders nothing.

An exception no handler takes is answered here, in one place
(``ServerFaultMiddleware``, mounted outermost by ``create_app``):

* the store unreachable, full, read-only or locked past its timeout
  (``nlentry.storage.engine.store_unavailable``, which knows the drivers' errors):
  ``503 {"message": "service unavailable", ...}`` with ``Retry-After``, logged as
  a warning without a trace; the storage layer drops the connections it
  opened meanwhile, so the service recovers by itself when the store is back;
* anything else is a server fault: ``500 {"message": "internal error", "type":
  "api_error", ...}``; its trace is logged and none of it is sent.

Either answer is complete and the exception goes no further, so the server
keeps the connection and the client's next request on it is served (an
exception that escapes an ASGI app makes uvicorn close the connection after
the answer, with no ``Connection: close`` to warn the client). Only an
answer already under way when the fault came is cut off, by closing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from nlentry.storage.engine import describe_fault, store_unavailable

logger = logging.getLogger("nlentry.api")

T = TypeVar("T")

RETRY_AFTER_SECONDS = 5  # how long a client waits before trying a store that failed again

_INPUT = "invalid_request_error"
#: status -> (message, error_code, code, type) of its answer.
_KINDS: dict[int, tuple[str, str, str, str]] = {
    400: ("bad request", "bad_request", "BAD_REQUEST", _INPUT),
    401: ("unauthorized", "unauthorized", "INVALID_API_KEY", "authentication_error"),
    403: ("forbidden", "forbidden", "PERMISSION_DENIED", "permission_error"),
    404: ("not found", "not_found", "RESOURCE_NOT_FOUND", _INPUT),
    405: ("method not allowed", "method_not_allowed", "METHOD_NOT_ALLOWED", _INPUT),
    406: ("not acceptable", "not_acceptable", "NOT_ACCEPTABLE", _INPUT),
    408: ("request timeout", "request_timeout", "REQUEST_TIMEOUT", _INPUT),
    409: ("conflict", "conflict", "CONFLICT", _INPUT),
    410: ("gone", "gone", "RESOURCE_GONE", _INPUT),
    413: ("request body too large", "payload_too_large", "PAYLOAD_TOO_LARGE", _INPUT),
    415: ("unsupported media type", "unsupported_media_type", "UNSUPPORTED_MEDIA_TYPE", _INPUT),
    422: ("validation failed", "validation_error", "VALIDATION_ERROR", _INPUT),
    429: ("rate limit exceeded", "rate_limit_exceeded", "RATE_LIMIT_EXCEEDED",
          "rate_limit_error"),
    500: ("internal error", "internal_error", "INTERNAL_ERROR", "api_error"),
    503: ("service unavailable", "service_unavailable", "SERVICE_UNAVAILABLE", "api_error"),
}  # fmt: skip
#: The fields every error body has, in this order.
FIELDS = ("message", "error_code", "code", "type", "param")
_FIELDS = frozenset(FIELDS)


def _kind(status: int) -> tuple[str, str, str, str]:
    """The fields of ``status``'s answer; a status not listed is named after its phrase."""
    known = _KINDS.get(status)
    if known is not None:
        return known
    try:
        phrase = HTTPStatus(status).phrase.lower()
    except ValueError:
        phrase = "error"
    name = "_".join(phrase.replace("-", " ").replace("'", "").split())
    return phrase, name, name.upper(), "api_error" if status >= 500 else _INPUT


def _dumps(content: Any) -> bytes:
    """``content`` as ``JSONResponse`` renders it: compact UTF-8."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")  # fmt: skip


def _first_field(payload: Mapping[str, Any]) -> str | None:
    errors = payload.get("errors")
    if isinstance(errors, Mapping):
        for name in errors:
            return str(name)
    return None


def error_body(status: int, payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The error body of ``status``: the common fields, then ``payload``'s keys (which
    win over the defaults; ``param`` defaults to the first field of ``errors``)."""
    message, error_code, code, kind = _kind(status)
    body: dict[str, Any] = {"message": message, "error_code": error_code, "code": code,
                            "type": kind, "param": None}  # fmt: skip
    if payload:
        body["param"] = _first_field(payload)
        body.update(payload)
    return body


def _prefix(status: int) -> bytes:
    """The rendered body of ``status`` up to the value of ``param``."""
    fixed = _dumps({name: value for name, value in error_body(status).items() if name != "param"})
    return fixed[:-1] + b',"param":'


_STATIC = {status: _dumps(error_body(status)) for status in _KINDS}
_PREFIXES = {status: _prefix(status) for status in _KINDS}


def error_json(status: int, payload: Mapping[str, Any] | None = None) -> bytes:
    """``error_body(status, payload)`` rendered; the bodies without a payload and the
    common start of the others are rendered once, at import (the hot path)."""
    if not payload:
        static = _STATIC.get(status)
        return static if static is not None else _dumps(error_body(status))
    prefix = _PREFIXES.get(status)
    if prefix is None or not _FIELDS.isdisjoint(payload):
        return _dumps(error_body(status, payload))
    rest = _dumps(payload)  # b'{...}': its keys come after the common fields
    return prefix + _dumps(_first_field(payload)) + b"," + rest[1:]


def error_response(
    status: int,
    payload: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The JSON answer of an error."""
    return Response(error_json(status, payload), status, headers=dict(headers) if headers else None,
                    media_type="application/json")  # fmt: skip


class APIError(Exception):
    """An answer other than success, raised from anywhere in a request.

    ``payload`` is what the answer says beyond the common fields (or instead of
    their defaults: a ``message`` of its own, a ``param``); see ``error_body``.
    """

    def __init__(
        self,
        status_code: int,
        payload: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(status_code)
        self.status_code = status_code
        self.payload = payload
        self.headers = headers or {}

    @property
    def body(self) -> dict[str, Any]:
        """The answer's body, as a dict."""
        return error_body(self.status_code, self.payload)

    def response(self) -> Response:
        return error_response(self.status_code, self.payload, self.headers)


class Invalid(APIError):
    """422: ``errors`` maps each invalid field to its messages; ``param`` names the first.
    ``extra`` keys go into the body too (the batch's ``entries``)."""

    def __init__(self, errors: dict[str, list[str]], **extra: Any):
        super().__init__(422, {"errors": errors, **extra})
        self.errors = errors


def not_found() -> APIError:
    return APIError(404)


def or_404(found: T | None) -> T:
    """``found``, or 404 when there is nothing."""
    if found is None:
        raise not_found()
    return found


def unauthorized() -> APIError:
    return APIError(401)


def forbidden(required_scope: str, available_scopes: list[str]) -> APIError:
    """403: the token lacks ``required_scope``; ``available_scopes`` are the ones it has."""
    return APIError(403, {"required_scope": required_scope,
                          "available_scopes": list(available_scopes)})  # fmt: skip


def bad_request(message: str = "bad request", param: str | None = None) -> APIError:
    """400 with ``message``; ``param`` names the header or field it is about."""
    payload: dict[str, Any] = {"message": message}
    if param is not None:
        payload["param"] = param
    return APIError(400, payload)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    return exc.response()


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (404 for no route, 405 with ``Allow``), in the one body."""
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, headers=exc.headers)


def unavailable() -> APIError:
    """503: the store cannot be used now; try again after ``Retry-After`` seconds."""
    return APIError(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def fault_response(request: Request, exc: Exception) -> Response:
    """The answer to an exception no handler took: 503 for the store, else 500."""
    if store_unavailable(exc):
        logger.warning("service unavailable on %s %s: the store failed: %s",
                       request.method, request.url.path, describe_fault(exc))  # fmt: skip
        return unavailable().response()
    logger.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's last resort, for a fault outside ``ServerFaultMiddleware``."""
    return fault_response(request, exc)


class ServerFaultMiddleware:
    """Answer an exception from the app (``fault_response``) and keep the connection.

    Mounted outermost: an exception that escaped to Starlette's own
    ``ServerErrorMiddleware`` would be answered and then raised on to the
    server, which closes the connection.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            if started:  # half an answer is out: only closing the connection can say so
                raise
            await fault_response(Request(scope), exc)(scope, receive, send)


exception_handlers = {
    APIError: api_error_handler,
    HTTPException: http_error_handler,
    Exception: server_error_handler,
}
