"""One pipeline for every authenticated endpoint: credentials -> caller -> limit ->
body -> handler -> JSON.

``authenticated`` turns a handler into a Starlette endpoint. A request is
first identified and counted against its token's rate limit (``arrive``):
when this worker already knows the token (``CallerCache``) that happens
before any database work, and when the token is in a header even before the
body is read, so a flood is refused for the price of a hash and a counter. A
token new to the worker is looked up first (in a thread, in a reading
transaction of its own), then counted. Counting is always awaited on the
event loop (``RateLimiter.hit``: memory, or Redis without blocking the loop),
never in a thread. Then the caller's token must hold the operation's
``scope`` (``nlentry.api.scopes.require``: else 403), and the handler runs:

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

Either way an ``APIError`` (a 403 for a scope included) becomes its JSON answer
(401 and 429 go on up as they are) and the rate-limit headers are added to the
answer. A successful answer records the token's use when it is due
(``caller_cache.note_use``: in a writing handler's own transaction, else after
the answer is sent).

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

from nlentry.api import scopes
from nlentry.api.caller_cache import note_use
from nlentry.api.credentials import (
    IN_PROCESS,
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
    handler: Handler | None = None,
    *,
    write: bool = False,
    on_loop: bool = False,
    scope: str | None = None,
    max_body_bytes: int | None = None,
):
    """Decorate ``handler`` into a Starlette endpoint: ``write`` for a changing
    request, ``on_loop`` for an ``async`` handler that stays on the event loop,
    ``scope`` for the token scope it needs (None: any token), ``max_body_bytes``
    for a body limit of its own (None: the app's)."""
    if handler is None:
        return functools.partial(authenticated, write=write, on_loop=on_loop, scope=scope,
                                 max_body_bytes=max_body_bytes)  # fmt: skip

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        state = request.app.state
        arrival = await arrive(request, max_body_bytes)
        if arrival.caller is None:  # new to this worker: looked up, then counted
            arrival.caller = await in_thread(
                state, look_up_caller, state, arrival.credentials, arrival.address
            )
            arrival.limit_headers = await rate_limit(state, arrival.caller)
        if not on_loop:
            response = await in_thread(state, _run, handler, write, request, state, arrival,
                                       scope)  # fmt: skip
            if response.status_code == 304:  # the client had the answer: no request counted
                await take_back(state, arrival.caller)
                remaining = response.headers.get("X-RateLimit-Remaining")
                if remaining is not None:  # the count given back shows in the answer
                    response.headers["X-RateLimit-Remaining"] = str(int(remaining) + 1)
            return response
        call = Call(arrival.caller, None, state, request, arrival.fields, arrival.credentials)
        try:
            scopes.require(scope, call.caller)
            response = note_use(state, call.caller, await handler(call))
        except APIError as error:
            response = answer_error(error)
        response.headers.update(arrival.limit_headers or {})
        return response

    endpoint.handler = handler  # type: ignore[attr-defined]
    return endpoint


@dataclass
class Arrival:
    """A request as far as it is known before any database work."""

    credentials: Credentials
    fields: dict[str, Any]  # without the credentials
    caller: Caller | None  # the token's owner, once known (at arrival: if the worker knew it)
    limit_headers: dict[str, str] | None  # once counted (at arrival: only a known caller is)
    address: str = ""  # the client's address, on which failed logins are counted


async def arrive(request: Request, max_body_bytes: int | None = None) -> Arrival:
    """Who is calling and the fields (a body up to ``max_body_bytes``, default the app's
    limit); a known caller counted (401 without credentials, 429 for the token, or for
    the address when this worker knows it is refused)."""
    state = request.app.state
    address = client_address(request)
    login_limiter = getattr(state, "login_limiter", None)  # None: no limit (create_app's)
    in_process = request.scope.get(IN_PROCESS)  # the service's own call (a chat link's)
    if in_process is not None:
        in_headers, credentials = True, in_process
    else:
        in_headers, credentials = header_credentials(request.headers)
    if in_headers:  # counted before the body is even read
        caller, limit_headers = await _known_and_counted(state, credentials)
        if caller is None:
            _refuse_known_refused_address(login_limiter, credentials, address)
    fields = await read_fields(request, max_body_bytes or state.max_body_bytes)
    if not in_headers:
        credentials = credentials_from(request.headers, request.query_params, fields)
        caller, limit_headers = await _known_and_counted(state, credentials)
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


async def _known_and_counted(
    state: Any, credentials: Credentials | None
) -> tuple[Caller | None, dict[str, str] | None]:
    """The caller this worker remembers for ``credentials``, and its rate-limit
    headers once counted; ``(None, None)`` for a token new to the worker."""
    caller = state.callers.get(credentials)
    if caller is None:
        return None, None
    return caller, await rate_limit(state, caller)


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


async def rate_limit(state: Any, caller: Caller) -> dict[str, str]:
    """Count one request of the caller's token, on the event loop: its ``X-RateLimit-*``
    headers, or 429."""
    limiter = state.limiter
    if limiter is None:
        return {}
    result = await limiter.hit(f"token:{caller.token_id}")
    headers = limiter.headers(result)
    if not result.allowed:
        raise APIError(429, headers=headers)
    return headers


async def take_back(state: Any, caller: Caller) -> None:
    """Uncount the caller's request (a ``304 Not Modified`` counts as none)."""
    if state.limiter is not None:
        await state.limiter.take_back(f"token:{caller.token_id}")


def answer_error(error: APIError) -> Response:
    """The answer to a refused request; 401 and 429 go on up as they are."""
    if error.status_code in (401, 429):
        raise error
    return error.response()


def _run(
    handler: Handler, write: bool, request: Request, state: Any, arrival: Arrival,
    scope: str | None = None,
) -> Response:
    """The handler in its transaction, which looks the token up again (counted already)."""
    try:
        with state.db.read() as session:
            caller = known_caller(state, session, arrival.credentials, arrival.address)
            scopes.require(scope, caller)
            if write:
                session.close()
                with state.db.write() as write_session:
                    response = handler(Call(caller, write_session, state, request, arrival.fields))
                    note_use(state, caller, response, write_session)
                    write_session.commit()
            else:
                response = note_use(state, caller,
                                    handler(Call(caller, session, state, request, arrival.fields)))
                session.commit()
    except APIError as error:
        response = answer_error(error)
    response.headers.update(arrival.limit_headers or {})
    return response
