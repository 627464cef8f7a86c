"""The process's load as the webhook worker reads it: requests in flight, busy seconds."""

from __future__ import annotations

import asyncio

from nlentry.api.middleware.load import Load, LoadMiddleware


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_busy_seconds_count_the_time_with_a_request_in_flight():
    clock = Clock()
    load = Load(clock)
    assert load.busy_seconds() == 0 and load.in_flight == 0
    load.enter()  # at 100
    clock.now = 101
    load.enter()  # two at once count as one stretch
    clock.now = 102
    load.leave()
    clock.now = 103
    load.leave()  # 100 to 103: busy
    clock.now = 110
    assert load.busy_seconds() == 3 and load.in_flight == 0
    load.enter()
    clock.now = 112.5
    assert load.busy_seconds() == 5.5  # the stretch under way counts too
    load.leave()
    clock.now = 200
    assert load.busy_seconds() == 5.5


def test_the_middleware_counts_each_http_request_while_it_is_served_and_after_a_fault():
    load = Load()
    seen = []

    async def app(scope, receive, send):
        seen.append((scope["type"], load.in_flight))
        if scope.get("path") == "/fault":
            raise RuntimeError("fault")

    middleware = LoadMiddleware(app, load)

    async def run():
        await middleware({"type": "http", "path": "/"}, None, None)
        await middleware({"type": "lifespan"}, None, None)
        try:
            await middleware({"type": "http", "path": "/fault"}, None, None)
        except RuntimeError:
            pass

    asyncio.run(run())
    assert seen == [("http", 1), ("lifespan", 0), ("http", 1)]
    assert load.in_flight == 0
