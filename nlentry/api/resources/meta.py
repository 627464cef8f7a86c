"""``/health`` (is the database reachable?) and ``/info`` (version, endpoints); no token."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nlentry import __version__
from nlentry.api.errors import logger


async def health(request: Request) -> Response:
    ok = await run_in_threadpool(_database_answers, request.app.state.db)
    status = "ok" if ok else "unavailable"
    return JSONResponse({"status": status, "database": status}, 200 if ok else 503)


def _database_answers(db) -> bool:
    try:
        with db.read() as session:
            return session.execute(text("SELECT 1")).scalar() == 1
    except (SQLAlchemyError, OSError):
        logger.exception("health check: the database does not answer")
        return False


async def info(request: Request) -> Response:
    from nlentry.api.routes import endpoint_list

    return JSONResponse({
        "name": "nlentry",
        "version": __version__,
        "api": "v1",
        "database": request.app.state.db.engine.dialect.name,
        "endpoints": endpoint_list(),
    })
