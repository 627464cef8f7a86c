"""``/health`` (does the database take a write?) and ``/info`` (version, endpoints); no token."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nlentry import __version__
from nlentry.api.errors import RETRY_AFTER_SECONDS
from nlentry.api.operations import operation
from nlentry.api.response_models import Health, Info


@operation("GET", "/health", tag="Meta", summary="Liveness: the service and its database answer",
           response=Health, answer="healthy",
           more={503: ("the database does not answer or takes no write", Health)},
           public=True)  # fmt: skip
async def health(request: Request) -> Response:
    # a write that changes nothing, rolled back: a store that reads but
    # cannot write (read-only files, a standby) is not healthy
    ok = await run_in_threadpool(request.app.state.db.answers)
    if ok:
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "unavailable", "database": "unavailable"}, 503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})  # fmt: skip


@operation("GET", "/info", tag="Meta", summary="Version and endpoints", response=Info,
           answer="about this service", public=True)  # fmt: skip
async def info(request: Request) -> Response:
    from nlentry.api.routes import endpoint_list

    return JSONResponse({
        "name": "nlentry",
        "version": __version__,
        "api": "v1",
        "database": request.app.state.db.dialect,
        "endpoints": endpoint_list(),
    })
