"""One pipeline for every authenticated endpoint: credentials -> caller -> limit ->
body -> handler -> JSON.

``authenticated`` turns a handler into a Starlette endpoint. A request is
first identified and counted against its token's rate limit (``arrive``):
when this worker already knows the token (``CallerCache``) that happens on
the event loop before any database work, and when the token is in a header
even before the body is read, so a flood is refused for the price of a hash
and a counter. Then the handler runs:

* by default, a synchronous ``handler(call) -> Response`` in one of the
  worker's threads, inside one database transaction that also looks the
  token up again, so a revoked token is refused at once: a reading
  transaction, or with ``write=True`` a writing one (``BEGIN IMMEDIATE`` on
  SQLite). It commits when the handler returns and rolls back when it
  raises. A reading handler may open its own short writing transaction with
  ``call.state.db.write()`` after its reading and thinking;
* with ``on_loop=True``, an ``async`` handler on the event loop, with no
  session (``call.session`` is ``None``): the caller comes from the cache, or
  from a lookup of its own in a thread, and the handler decides what needs
  the database (``POST /time_entries``: the entry writer's transaction
  confirms the token).

Either way an ``APIError`` becomes its JSON answer (401 and 429 go on up as
they are) and the rate-limit headers are added to the answer.

Failed logins are counted per client address (``LoginLimiter``): a lookup
that finds no live token counts one, and once an address has used up its
failures for the window, a token this worker does not already know is
refused ``429`` from that address without being looked up (on the event loop
when this worker knows of the refusal, else in the thread, before the
lookup). A token the worker has confirmed before is still served, so a
colleague behind the same address who is logged in keeps working.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from pydantic import BaseModel
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response

from nlentry.api.credentials import (
    Caller,
    Credentials,
    authenticate,
    credentials_from,
    header_credentials,
)
from nlentry.api.errors import APIError, unauthorized
from nlentry.api.request.body import read_fields
from nlentry.api.request.fields import FieldErrors, read_model


@dataclass
class Call:
    """Everything a handler sees of its request."""

    caller: Caller
    session: Any  # the transaction's session (SQLAlchemy); None for an on_loop handler
    state: Any  # the app's state: db, catalogs, callers, limiter, ...
    request: Request
    fields: dict[str, Any]  # the body's (and form's) fields, without the credentials
    credentials: Credentials | None = None

    # read from the request when asked for (the create path never reads most of them)
    @property
    def path_params(self) -> dict[str, Any]:
        return self.request.path_params

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    @property
    def headers(self) -> Headers:
        return self.request.headers

    @property
    def locale(self) -> str:
        return self.caller.locale

    def errors(self) -> FieldErrors:
        return FieldErrors(self.caller.locale)

    def read(self, model: type[BaseModel], fields: Any = None) -> dict[str, Any]:
        """The given fields of ``model`` (default: from the body), read; else 422."""
        errors = self.errors()
        values = read_model(model, self.fields if fields is None else fields, errors)
        errors.raise_if_any()
        return values


Handler = Callable[[Call], Response]


def authenticated(
    handler: Handler | None = None, *, write: bool = False, on_loop: bool = False
):
    """Decorate ``handler`` into a Starlette endpoint: ``write`` for a changing
    request, ``on_loop`` for an ``async`` handler that stays on the event loop."""
    if handler is None:
        return functools.partial(authenticated, write=write, on_loop=on_loop)

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        state = request.app.state
        arrival = await arrive(request)
        if not on_loop:
            return await in_thread(state, _run, handler, write, request, state, arrival)
        caller = arrival.caller
        if caller is None:
            caller = await in_thread(
                state, look_up_caller, state, arrival.credentials, arrival.address
            )
        limit_headers = arrival.limit_headers
        if limit_headers is None:
            limit_headers = rate_limit(state, caller)
        call = Call(caller, None, state, request, arrival.fields, arrival.credentials)
        try:
            response = await handler(call)
        except APIError as error:
            response = answer_error(error)
        response.headers.update(limit_headers)
        return response

    endpoint.handler = handler  # type: ignore[attr-defined]
    return endpoint


@dataclass
class Arrival:
    """A request as far as it is known before any database work."""

    credentials: Credentials
    fields: dict[str, Any]  # without the credentials
    caller: Caller | None  # the token's owner, if this worker knows the token
    limit_headers: dict[str, str] | None  # once counted (only a known caller is)
    address: str = ""  # the client's address, on which failed logins are counted


async def arrive(request: Request) -> Arrival:
    """Who is calling and the fields; a known caller counted (401 without credentials,
    429 for the token, or for the address when this worker knows it is refused)."""
    state = request.app.state
    address = client_address(request)
    login_limiter = getattr(state, "login_limiter", None)  # None: no limit (create_app's)
    in_headers, credentials = header_credentials(request.headers)
    if in_headers:  # counted before the body is even read
        caller, limit_headers = _known_and_counted(state, credentials)
        if caller is None:
            _refuse_known_refused_address(login_limiter, credentials, address)
    fields = await read_fields(request, state.max_body_bytes)
    if not in_headers:
        credentials = credentials_from(request.headers, request.query_params, fields)
        caller, limit_headers = _known_and_counted(state, credentials)
        if caller is None:
            _refuse_known_refused_address(login_limiter, credentials, address)
    if credentials is None or not credentials.token:
        raise unauthorized()
    fields = {k: v for k, v in fields.items() if k not in ("token", "email")}
    return Arrival(credentials, fields, caller, limit_headers, address)


def client_address(request: Request) -> str:
    """The address failed logins are counted on: the connection's peer (behind a
    proxy, what the server was told to trust, e.g. uvicorn's ``--proxy-headers``)."""
    client = request.client
    return client.host if client is not None and client.host else "unknown"


def _refuse_known_refused_address(
    login_limiter: Any, credentials: Credentials | None, address: str
) -> None:
    """429 for a login to look up from an address this worker knows is refused."""
    if login_limiter is None or credentials is None or not credentials.token:
        return
    refusal = login_limiter.refusal(address, ask_storage=False)
    if refusal is not None:
        raise APIError(429, headers=login_limiter.headers(refusal))


def refuse_refused_address(state: Any, address: str | None) -> None:
    """429 when ``address`` has used up its failed logins: asked before a token lookup."""
    login_limiter = getattr(state, "login_limiter", None)
    if login_limiter is None or address is None:
        return
    refusal = login_limiter.refusal(address)
    if refusal is not None:
        raise APIError(429, headers=login_limiter.headers(refusal))


def _known_and_counted(
    state: Any, credentials: Credentials | None
) -> tuple[Caller | None, dict[str, str] | None]:
    """The caller this worker remembers for ``credentials``, and its rate-limit
    headers once counted; ``(None, None)`` for a token new to the worker."""
    caller = state.callers.get(credentials)
    if caller is None:
        return None, None
    return caller, rate_limit(state, caller)


async def in_thread(state: Any, function: Callable, *args: Any) -> Any:
    """``function(*args)`` in one of the worker's few threads."""
    return await anyio.to_thread.run_sync(function, *args, limiter=state.thread_limiter)


def known_caller(
    state: Any, session: Any, credentials: Credentials | None, address: str | None = None
) -> Caller:
    """The owner of ``credentials`` as the database says now (else 401), remembered.

    With the client's ``address``, a failure is counted against it (its
    refusal is asked for before, ``refuse_refused_address``).
    """
    caller = authenticate(session, credentials)
    if caller is None:
        state.callers.forget(credentials)
        login_limiter = getattr(state, "login_limiter", None)
        if login_limiter is not None and address is not None:
            login_limiter.failed(address)
        raise unauthorized()
    state.callers.put(credentials, caller)
    return caller


def look_up_caller(
    state: Any, credentials: Credentials | None, address: str | None = None
) -> Caller:
    """``known_caller`` in a reading transaction of its own; from an ``address``
    that has used up its failed logins, 429 without a lookup."""
    refuse_refused_address(state, address)
    with state.db.read() as session:
        return known_caller(state, session, credentials, address)


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


def _run(handler: Handler, write: bool, request: Request, state: Any, arrival: Arrival) -> Response:
    limit_headers = arrival.limit_headers
    if arrival.caller is None:  # a login to look up: not from an address refused for failing
        refuse_refused_address(state, arrival.address)
    try:
        with state.db.read() as session:
            caller = known_caller(state, session, arrival.credentials, arrival.address)
            if limit_headers is None:  # not counted yet: the token was new to this worker
                limit_headers = rate_limit(state, caller)
            if write:
                session.close()
                with state.db.write() as write_session:
                    response = handler(Call(caller, write_session, state, request, arrival.fields))
                    write_session.commit()
            else:
                response = handler(Call(caller, session, state, request, arrival.fields))
                session.commit()
    except APIError as error:
        response = answer_error(error)
    response.headers.update(limit_headers)
    return response
