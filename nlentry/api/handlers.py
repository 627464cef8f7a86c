"""Turning a plain function into an authenticated, rate-limited endpoint.

A request is counted against its token's rate limit first: when this worker
already knows the token (``CallerCache``) that happens on the event loop
before any database work, so a flood is refused for the price of a hash and
a counter. Then the handler, a synchronous function ``handler(call) ->
Response``, runs in a worker thread inside one database transaction that
also looks the token up again, so a revoked token is refused at once: a
reading transaction, or with ``write=True`` a writing one (``BEGIN
IMMEDIATE`` on SQLite). It commits when the handler returns and rolls back
when it raises. A reading handler may open its own short writing
transaction with ``call.state.db.write()`` after its reading and thinking.

``POST /time_entries`` has its own path (``nlentry.api.entries``) built from
the same pieces: ``read_request``, ``look_up_caller``, ``rate_limit``,
``in_thread``, ``make_call``, ``answer_error``.
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

from .auth import Caller, Credentials, authenticate, credentials_from
from .bodies import read_fields
from .errors import APIError, unauthorized
from .validation import FieldErrors


@dataclass
class Call:
    """Everything a handler sees of its request."""

    caller: Caller
    session: Session
    state: Any  # the app's state: db, catalogs, callers, limiter, ...
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
        credentials, fields = await read_request(request)
        known = state.callers.get(credentials)
        limit_headers = rate_limit(state, known) if known is not None else None
        return await in_thread(
            state, _run, handler, write, request, state, credentials, fields, limit_headers
        )

    endpoint.handler = handler  # type: ignore[attr-defined]
    return endpoint


async def read_request(request: Request) -> tuple[Credentials | None, dict[str, Any]]:
    """The request's credentials, and its fields without them."""
    fields = await read_fields(request, request.app.state.max_body_bytes)
    credentials = credentials_from(request.headers, request.query_params, fields)
    return credentials, {k: v for k, v in fields.items() if k not in ("token", "email")}


async def in_thread(state: Any, function: Callable, *args: Any) -> Any:
    """``function(*args)`` in one of the worker's few threads."""
    return await anyio.to_thread.run_sync(function, *args, limiter=state.thread_limiter)


def known_caller(state: Any, session: Session, credentials: Credentials | None) -> Caller:
    """The owner of ``credentials`` as the database says now (else 401), remembered."""
    caller = authenticate(session, credentials)
    if caller is None:
        state.callers.forget(credentials)
        raise unauthorized()
    state.callers.put(credentials, caller)
    return caller


def look_up_caller(state: Any, credentials: Credentials | None) -> Caller:
    """``known_caller`` in a reading transaction of its own."""
    with state.db.read() as session:
        return known_caller(state, session, credentials)


def rate_limit(state: Any, caller: Caller) -> dict[str, str]:
    """Count one request of the caller's token: its ``X-RateLimit-*`` headers, or 429."""
    limiter = state.limiter
    if limiter is None:
        return {}
    result = limiter.hit(f"token:{caller.token_id}")
    headers = limiter.headers(result)
    if not result.allowed:
        raise APIError(429, headers=headers)
    return headers


def answer_error(error: APIError) -> Response:
    """The answer to a refused request; 401 and 429 go on up as they are."""
    if error.status_code in (401, 429):
        raise error
    return error.response()


def _run(
    handler: Handler, write: bool, request: Request, state: Any,
    credentials: Credentials | None, fields: dict, limit_headers: dict[str, str] | None,
) -> Response:  # fmt: skip
    try:
        with state.db.read() as session:
            caller = known_caller(state, session, credentials)
            if limit_headers is None:  # not counted yet: the token was new to this worker
                limit_headers = rate_limit(state, caller)
            if write:
                session.close()
                with state.db.write() as write_session:
                    response = handler(make_call(request, state, caller, write_session, fields))
                    write_session.commit()
            else:
                response = handler(make_call(request, state, caller, session, fields))
                session.commit()
    except APIError as error:
        response = answer_error(error)
    response.headers.update(limit_headers)
    return response


def make_call(
    request: Request, state: Any, caller: Caller, session: Session | None, fields: dict
) -> Call:
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
