"""Turning a plain function into an authenticated, rate-limited endpoint.

A handler is a synchronous function ``handler(call) -> Response`` that runs
in a worker thread inside one database transaction: a reading one, or with
``write=True`` a writing one (``BEGIN IMMEDIATE`` on SQLite). It commits
when the handler returns and rolls back when it raises. A reading handler
may open its own short writing transaction with ``call.state.db.write()``
after doing its reading and thinking outside the write lock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response

from .auth import Caller, authenticate, credentials_from
from .bodies import read_fields
from .errors import APIError, unauthorized
from .validation import FieldErrors


@dataclass
class Call:
    """Everything a handler sees of its request."""

    caller: Caller
    session: Session
    state: Any  # the app's state: db, catalogs, limiter, ...
    method: str
    path_params: dict[str, Any]
    query: QueryParams
    fields: dict[str, Any]
    headers: Headers
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def locale(self) -> str:
        return self.caller.locale

    def errors(self) -> FieldErrors:
        return FieldErrors(self.caller.locale)


Handler = Callable[[Call], Response]


def authenticated(handler: Handler | None = None, *, write: bool = False):
    """Decorate ``handler`` into a Starlette endpoint (``write`` for changing requests)."""
    if handler is None:
        return functools.partial(authenticated, write=write)

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        state = request.app.state
        fields = await read_fields(request, state.max_body_bytes)
        return await anyio.to_thread.run_sync(
            _run, handler, write, request, state, fields, limiter=state.thread_limiter
        )

    endpoint.handler = handler  # type: ignore[attr-defined]
    return endpoint


def _run(handler: Handler, write: bool, request: Request, state: Any, fields: dict) -> Response:
    credentials = credentials_from(request.headers, request.query_params, fields)
    fields = {k: v for k, v in fields.items() if k not in ("token", "email")}
    limit_headers: dict[str, str] = {}
    try:
        with state.db.read() as session:
            caller = authenticate(session, credentials)
            if caller is None:
                raise unauthorized()
            limit_headers = _rate_limit(state, caller)
            if write:
                session.close()
                with state.db.write() as write_session:
                    response = handler(_call(request, state, caller, write_session, fields))
                    write_session.commit()
            else:
                response = handler(_call(request, state, caller, session, fields))
                session.commit()
    except APIError as error:
        if error.status_code in (401, 429):
            raise
        response = error.response()
    response.headers.update(limit_headers)
    return response


def _call(request: Request, state: Any, caller: Caller, session: Session, fields: dict) -> Call:
    return Call(
        caller=caller,
        session=session,
        state=state,
        method=request.method,
        path_params=dict(request.path_params),
        query=request.query_params,
        fields=fields,
        headers=request.headers,
    )


def _rate_limit(state: Any, caller: Caller) -> dict[str, str]:
    limiter = state.limiter
    if limiter is None:
        return {}
    result = limiter.hit(f"token:{caller.token_id}")
    headers = {
        "X-RateLimit-Limit": str(result.limit),
        "X-RateLimit-Remaining": str(max(0, result.remaining)),
        "X-RateLimit-Reset": str(result.reset),
    }
    if not result.allowed:
        headers["Retry-After"] = str(max(1, result.retry_after))
        raise APIError(429, headers=headers)
    return headers
