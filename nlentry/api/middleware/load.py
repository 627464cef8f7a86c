"""How busy this process is with requests: the seconds it had one in flight.

``Load`` counts the HTTP requests in flight on this process's event loop and
adds up the time during which there was at least one. ``LoadMiddleware``
keeps it, around every request. Background work of the process (the webhook
delivery worker) reads ``busy_seconds()`` now and then: the share of a
moment spent serving requests says whether it should take its full turn or
leave the CPU to the requests (``nlentry.api.webhook_delivery``).

Everything happens on the event loop: no lock, two clock reads a request.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send


class Load:
    """Requests in flight, and the seconds during which there was at least one."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.in_flight = 0
        self._busy = 0.0
        self._since = 0.0

    def enter(self) -> None:
        if self.in_flight == 0:
            self._since = self.clock()
        self.in_flight += 1

    def leave(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self._busy += self.clock() - self._since

    def busy_seconds(self) -> float:
        """Seconds so far with a request in flight (the current stretch included)."""
        return self._busy + (self.clock() - self._since if self.in_flight else 0.0)


class LoadMiddleware:
    """Count every HTTP request in ``load`` while it is served."""

    def __init__(self, app: ASGIApp, load: Load):
        self.app = app
        self.load = load

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.load.enter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.load.leave()
