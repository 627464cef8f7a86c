"""JSON error answers.

Every failure the API gives is JSON: ``{"message": ...}`` for 400, 401, 404,
405, 408, 413, 415, 429, 500 and 503, ``{"errors": {field: [messages]}}`` for
422.

An exception no handler takes is answered here, in one place
(``ServerFaultMiddleware``, mounted outermost by ``create_app``):

* the store unreachable, full, read-only or locked past its timeout
  (``nlentry.storage.engine.store_unavailable``, which knows the drivers' errors):
  ``503 {"message": "service unavailable"}`` with ``Retry-After``, logged as
  a warning without a trace; the storage layer drops the connections it
  opened meanwhile, so the service recovers by itself when the store is back;
* anything else is a server fault: ``500 {"message": "internal error"}``; its
  trace is logged and none of it is sent.

Either answer is complete and the exception goes no further, so the server
keeps the connection and the client's next request on it is served (an
exception that escapes an ASGI app makes uvicorn close the connection after
the answer, with no ``Connection: close`` to warn the client). Only an
answer already under way when the fault came is cut off, by closing.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from nlentry.storage.engine import describe_fault, store_unavailable

logger = logging.getLogger("nlentry.api")

T = TypeVar("T")

RETRY_AFTER_SECONDS = 5  # how long a client waits before trying a store that failed again

_MESSAGES = {
    400: "bad request",
    401: "unauthorized",
    404: "not found",
    405: "method not allowed",
    408: "request timeout",
    413: "request body too large",
    415: "unsupported media type",
    429: "rate limit exceeded",
    500: "internal error",
    503: "service unavailable",
}


class APIError(Exception):
    """An answer other than success, raised from anywhere in a request."""

    def __init__(
        self,
        status_code: int,
        payload: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(status_code)
        self.status_code = status_code
        self.payload = payload or {"message": _MESSAGES.get(status_code, "error")}
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.payload, self.status_code, headers=self.headers)


class Invalid(APIError):
    """422: ``errors`` maps each invalid field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(422, {"errors": errors})
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


def bad_request(message: str = "bad request") -> APIError:
    return APIError(400, {"message": message})


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, APIError)
    return exc.response()


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    message = _MESSAGES.get(exc.status_code, "error")
    return JSONResponse({"message": message}, exc.status_code, headers=exc.headers)


def unavailable() -> APIError:
    """503: the store cannot be used now; try again after ``Retry-After`` seconds."""
    return APIError(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def fault_response(request: Request, exc: Exception) -> JSONResponse:
    """The answer to an exception no handler took: 503 for the store, else 500."""
    if store_unavailable(exc):
        logger.warning("service unavailable on %s %s: the store failed: %s",
                       request.method, request.url.path, describe_fault(exc))  # fmt: skip
        return unavailable().response()
    logger.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"message": "internal error"}, 500)


async def server_error_handler(request: Request, exc: Exception) -> JSONResponse:
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
