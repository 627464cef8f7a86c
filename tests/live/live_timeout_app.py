"""``app_from_env()`` with ``BodyTimeoutMiddleware`` mounted, as docs/reliability.md asks
``nlentry/api/app.py`` to mount it: a uvicorn factory for tests/live/test_slow_clients.py."""

from nlentry.api.app import app_from_env
from nlentry.api.middleware.body_timeout import BodyTimeoutMiddleware


def build():
    app = app_from_env()
    app.add_middleware(BodyTimeoutMiddleware)  # outermost of the app's own middleware
    return app
