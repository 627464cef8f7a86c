"""``/health`` (is the database reachable?) and ``/info`` (version, endpoints); no token."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nlentry import __version__


async def health(request: Request) -> Response:
    ok = await run_in_threadpool(request.app.state.db.answers)
    status = "ok" if ok else "unavailable"
    return JSONResponse({"status": status, "database": status}, 200 if ok else 503)


async def info(request: Request) -> Response:
    from nlentry.api.routes import endpoint_list

    return JSONResponse({
        "name": "nlentry",
        "version": __version__,
        "api": "v1",
        "database": request.app.state.db.dialect,
        "endpoints": endpoint_list(),
    })
