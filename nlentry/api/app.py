"""The application: ``create_app`` wires storage, routes, errors and limits."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Sequence

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware

from nlentry import warm_up
from nlentry.api.caller_cache import CallerCache
from nlentry.api.catalog_cache import CatalogCache
from nlentry.api.errors import ServerFaultMiddleware, exception_handlers
from nlentry.api.middleware.api_version import ApiVersionMiddleware
from nlentry.api.middleware.body_timeout import BodyTimeoutMiddleware, body_timeout_from_env
from nlentry.api.middleware.cors import Cors, cors_origins_from_env, parse_origins
from nlentry.api.middleware.json_suffix import JsonSuffixMiddleware
from nlentry.api.middleware.load import Load, LoadMiddleware
from nlentry.api.openapi.page import routes as docs_routes
from nlentry.api.rate_limit import (
    RATE_LIMIT_ENV,
    LoginLimiter,
    RateLimiter,
    login_failures_from_env,
    parse_rate_limit,
    rate_limit_from_env,
)
from nlentry.api.router import StaticFirstRouter
from nlentry.api.routes import routes
from nlentry.api.user_time import check_default_zone
from nlentry.api.webhook_delivery import DeliveryWorker, retry_base_from_env
from nlentry.limits import DEFAULT_RATE_LIMIT, MAX_REQUEST_BYTES
from nlentry.storage import Database, migrate
from nlentry.web.routes import check as check_page
from nlentry.web.routes import routes as page_routes

REDIS_URL_ENV = "NLENTRY_REDIS_URL"
__all__ = ["RATE_LIMIT_ENV", "REDIS_URL_ENV", "app_from_env", "check_environment", "create_app"]
THREADS_ENV = "NLENTRY_THREADS"
DEFAULT_THREADS = 4
GIL_SWITCH_SECONDS = 0.0002

logger = logging.getLogger("nlentry.api")


def create_app(
    database_url: str | None = None,
    *,
    rate_limit: str | int | None = None,
    rate_limit_per_minute: int | None = None,
    redis_url: str | None = None,
    cors_origins: str | Sequence[str] | None = None,
    max_body_bytes: int = MAX_REQUEST_BYTES,
    body_timeout: float | None = None,
) -> Starlette:
    """The API on ``database_url`` (default ``$NLENTRY_DATABASE_URL`` or ``./nlentry.db``).

    The database is migrated here. Each token may make ``rate_limit`` requests
    (a ``limits`` expression, default ``120/minute;10/second``;
    ``rate_limit_per_minute=N`` is the same as ``rate_limit="N/minute"``),
    counted in memory, or in Redis when ``redis_url`` is given. Browsers may
    call from ``cors_origins`` (comma separated or a list; default
    ``$NLENTRY_CORS_ORIGINS``, else none: no CORS headers). A request body must
    arrive within ``body_timeout`` seconds (default ``$NLENTRY_BODY_TIMEOUT`` or
    10), else 408. A bad value of any of them stops the start (``ValueError``
    saying which), never a request.
    """
    if rate_limit is not None and rate_limit_per_minute is not None:
        raise ValueError("give rate_limit or rate_limit_per_minute, not both")
    if rate_limit is None:
        rate_limit = DEFAULT_RATE_LIMIT if rate_limit_per_minute is None else rate_limit_per_minute
    limiter = RateLimiter(rate_limit, redis_url)  # a bad expression stops the start
    origins = cors_origins_from_env() if cors_origins is None else parse_origins(cors_origins)
    if body_timeout is None:
        body_timeout = body_timeout_from_env()  # a bad value stops the start, not a request
    login_failures = login_failures_from_env()  # likewise
    check_default_zone()  # likewise: NLENTRY_TIMEZONE names a zone, or is unset
    check_page()  # the web page's files and texts build: a broken page stops the start
    db = Database(database_url)
    migrate(db.engine)
    load = Load()  # this process's requests in flight: deliveries give them the CPU first
    webhooks = DeliveryWorker(db, load=load)  # a bad NLENTRY_WEBHOOK_RETRY_BASE stops the start too

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
        await webhooks.start()  # this process's webhook deliveries, outside any request
        db.entry_writer.run_on_this_loop()  # PostgreSQL: new entries written on this loop
        try:
            yield
        finally:
            try:
                await webhooks.stop()
            finally:
                await db.entry_writer.aclose()  # this loop's writer (PostgreSQL), its connection
                gc.unfreeze()  # an app stopped in a process that goes on may be collected
                db.dispose()

    if origins:  # preflights answered first; every answer, the version's 400 too, says CORS
        cors = [Middleware(ApiVersionMiddleware, check=False), Middleware(Cors, origins=origins),
                Middleware(ApiVersionMiddleware, stamp=False)]  # fmt: skip
    else:  # no CORS header at all
        cors = [Middleware(ApiVersionMiddleware)]
    app = Starlette(
        routes=[*routes, *docs_routes, *page_routes],
        middleware=[  # outermost first
            *cors,  # X-Api-Version on every answer, 500s and preflights included
            Middleware(ServerFaultMiddleware),  # 503/500 answered; the connection stays usable
            Middleware(LoadMiddleware, load=load),
            Middleware(BodyTimeoutMiddleware, timeout=body_timeout),
            Middleware(JsonSuffixMiddleware),
        ],
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
    # the same routes, a path without parameters found by one lookup (nlentry.api.router)
    app.router = StaticFirstRouter(app.router.routes, lifespan=lifespan)
    app.state.db = db
    app.state.webhooks = webhooks
    app.state.catalogs = CatalogCache()
    app.state.callers = CallerCache()
    app.state.max_body_bytes = max_body_bytes
    app.state.thread_limiter = None  # anyio's default until the lifespan starts
    app.state.limiter = limiter
    app.state.cors_origins = origins
    # failed logins per client address, counted where the token limits are (Redis when set);
    # a test may put another in its place, or None for no limit
    app.state.login_limiter = LoginLimiter(login_failures, app.state.limiter.storage_uri)
    return app


def check_environment() -> None:
    """Read every setting ``app_from_env`` reads: a bad one raises ``ValueError`` naming it
    (``nlentry serve`` says so and stops before any worker starts)."""
    parse_rate_limit(rate_limit_from_env())
    login_failures_from_env()
    body_timeout_from_env()
    cors_origins_from_env()
    check_default_zone()
    retry_base_from_env()


def app_from_env() -> Starlette:
    """A factory for uvicorn (``--factory``): configured by environment variables
    (``$NLENTRY_RATE_LIMIT``, a ``limits`` expression or a number a minute;
    ``$NLENTRY_REDIS_URL``; ``$NLENTRY_CORS_ORIGINS``; ...)."""
    return create_app(
        os.environ.get("NLENTRY_DATABASE_URL"),
        rate_limit=rate_limit_from_env(),
        redis_url=os.environ.get(REDIS_URL_ENV) or None,
    )
