"""The application: ``create_app`` wires storage, routes, errors and limits."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware

from nlentry import warm_up
from nlentry.api.caller_cache import CallerCache
from nlentry.api.catalog_cache import CatalogCache
from nlentry.api.errors import ServerFaultMiddleware, exception_handlers
from nlentry.api.middleware.api_version import ApiVersionMiddleware
from nlentry.api.middleware.body_timeout import BodyTimeoutMiddleware, body_timeout_from_env
from nlentry.api.middleware.json_suffix import JsonSuffixMiddleware
from nlentry.api.openapi.page import routes as docs_routes
from nlentry.api.rate_limit import LoginLimiter, RateLimiter, login_failures_from_env
from nlentry.api.routes import routes
from nlentry.limits import DEFAULT_RATE_LIMIT_PER_MINUTE, MAX_REQUEST_BYTES
from nlentry.storage import Database, migrate

REDIS_URL_ENV = "NLENTRY_REDIS_URL"
RATE_LIMIT_ENV = "NLENTRY_RATE_LIMIT"
THREADS_ENV = "NLENTRY_THREADS"
DEFAULT_THREADS = 4
GIL_SWITCH_SECONDS = 0.0002

logger = logging.getLogger("nlentry.api")


def create_app(
    database_url: str | None = None,
    *,
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT_PER_MINUTE,
    redis_url: str | None = None,
    max_body_bytes: int = MAX_REQUEST_BYTES,
    body_timeout: float | None = None,
) -> Starlette:
    """The API on ``database_url`` (default ``$NLENTRY_DATABASE_URL`` or ``./nlentry.db``).

    The database is migrated here. Rate limits count in memory, or in Redis
    when ``redis_url`` is given. A request body must arrive within
    ``body_timeout`` seconds (default ``$NLENTRY_BODY_TIMEOUT`` or 10), else 408.
    """
    if body_timeout is None:
        body_timeout = body_timeout_from_env()  # a bad value stops the start, not a request
    login_failures = login_failures_from_env()  # likewise
    db = Database(database_url)
    migrate(db.engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        # Few threads: the work is short and mostly holds the GIL; many
        # threads only queue on it (and on SQLite's single writer). Made here,
        # inside the serving event loop, which is the loop it belongs to.
        app.state.thread_limiter = anyio.CapacityLimiter(
            int(os.environ.get(THREADS_ENV, DEFAULT_THREADS))
        )
        # A thread back from the database (the entry writer after each
        # statement and fsync) waits for the GIL until the event loop gives
        # it up: at most this long, instead of Python's 5 ms.
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        # every locale parses its example sentence once, so that no request waits
        # for the parser's grammar and lexicons to load
        await anyio.to_thread.run_sync(warm_up)
        # What is loaded by now (code, lexicons, tables) lives as long as the
        # process: kept out of the collector's sight, a full collection walks
        # only the objects made since, instead of ~100,000 (a pause of
        # 60-120 ms every few seconds under load, the bulk of the p99).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # an app stopped in a process that goes on may be collected
            db.dispose()

    app = Starlette(
        routes=[*routes, *docs_routes],
        middleware=[  # outermost first
            Middleware(ApiVersionMiddleware),  # X-Api-Version on every answer, 500s included
            Middleware(ServerFaultMiddleware),  # 503/500 answered; the connection stays usable
            Middleware(BodyTimeoutMiddleware, timeout=body_timeout),
            Middleware(JsonSuffixMiddleware),
        ],
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.catalogs = CatalogCache()
    app.state.callers = CallerCache()
    app.state.max_body_bytes = max_body_bytes
    app.state.thread_limiter = None  # anyio's default until the lifespan starts
    app.state.limiter = RateLimiter(rate_limit_per_minute, redis_url)
    # failed logins per client address, counted where the token limits are (Redis when set);
    # a test may put another in its place, or None for no limit
    app.state.login_limiter = LoginLimiter(login_failures, app.state.limiter.storage_uri)
    return app


def app_from_env() -> Starlette:
    """A factory for uvicorn (``--factory``): configured by environment variables."""
    return create_app(
        os.environ.get("NLENTRY_DATABASE_URL"),
        rate_limit_per_minute=int(os.environ.get(RATE_LIMIT_ENV, DEFAULT_RATE_LIMIT_PER_MINUTE)),
        redis_url=os.environ.get(REDIS_URL_ENV) or None,
    )
