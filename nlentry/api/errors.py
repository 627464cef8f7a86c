"""JSON error answers.

Every failure the API gives is JSON: ``{"message": ...}`` for 400, 401, 404,
405, 408, 413, 415, 429 and 500, ``{"errors": {field: [messages]}}`` for 422. A
server fault logs its trace and sends none of it.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

logger = logging.getLogger("nlentry.api")

T = TypeVar("T")

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


async def server_error_handler(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "internal error on %s %s", request.method, request.url.path, exc_info=exc
    )
    return JSONResponse({"message": "internal error"}, 500)


exception_handlers = {
    APIError: api_error_handler,
    HTTPException: http_error_handler,
    Exception: server_error_handler,
}
