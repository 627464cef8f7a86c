"""Who a token belongs to, remembered by each worker: token hash -> ``Caller``.

The cache only ever decides three things without the database: which count a
request is rate-limited on (so a flood is refused before any database work),
which catalog the create path parses with, and whether a request from an
address refused for its failed logins may still go on (a token confirmed
before may: ``nlentry.api.pipeline``). Every answer is still
confirmed by the database: other endpoints look the token up in their own
transaction, and a new entry is checked inside the writer's transaction
(``nlentry.storage.entry_writer``) for a live token and the current catalog
versions. So a revocation takes effect at once, in every worker, whichever
process made it; until then at most a revoked token's requests are counted,
or refused 429. A token found revoked, or its e-mail not matching, is
forgotten.

An expiring token's caller carries its ``expires_at``: past it, ``get``
forgets it and answers None, so the request looks the token up (and the
database refuses it, 401) instead of being served from memory.

Keys are SHA-256 hashes of the whole token, as the database stores them:
the cache holds no token. It keeps the ``max_size`` most recently added.

It also remembers when this worker last recorded each token's use
(``due``): ``last_used_at`` is written at most once a
``USE_RECORD_INTERVAL`` per token and worker, never on every request
(``note_use``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from starlette.background import BackgroundTask, BackgroundTasks

from nlentry.api.credentials import Caller, Credentials
from nlentry.storage.api_tokens import (
    USE_RECORD_INTERVAL,
    hash_token,
    normalize_email,
    record_use,
)

logger = logging.getLogger("nlentry.api")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)

DEFAULT_MAX_SIZE = 10_000


class CallerCache:
    def __init__(self, max_size: int = DEFAULT_MAX_SIZE):
        self.max_size = max_size
        self._callers: dict[str, Caller] = {}
        self._used: dict[int, dt.datetime] = {}  # token id -> its last use recorded (UTC)
        self._lock = threading.Lock()

    def get(self, credentials: Credentials | None) -> Caller | None:
        """The remembered owner of ``credentials``, if its e-mail (when given) is the owner's."""
        if credentials is None or not credentials.token:
            return None
        caller = self._callers.get(hash_token(credentials.token))
        if caller is None:
            return None
        if credentials.email is not None and normalize_email(credentials.email) != caller.email:
            return None
        if caller.expires_at is not None and caller.expired(_utcnow()):
            self.forget(credentials)
            return None
        return caller

    def put(self, credentials: Credentials, caller: Caller) -> None:
        key = hash_token(credentials.token)
        with self._lock:
            self._callers.pop(key, None)
            self._callers[key] = caller
            while len(self._callers) > self.max_size:
                del self._callers[next(iter(self._callers))]

    def forget(self, credentials: Credentials | None) -> None:
        if credentials is not None and credentials.token:
            with self._lock:
                self._callers.pop(hash_token(credentials.token), None)

    def forget_user(self, user_id: int) -> None:
        """Forget every remembered caller of ``user_id`` (their profile changed)."""
        with self._lock:
            for key in [k for k, c in self._callers.items() if c.user_id == user_id]:
                del self._callers[key]

    def forget_token(self, token_id: int) -> None:
        """Forget the caller of the token ``token_id`` (it was revoked)."""
        with self._lock:
            for key in [k for k, c in self._callers.items() if c.token_id == token_id]:
                del self._callers[key]
            self._used.pop(token_id, None)

    def due(self, caller: Caller, now: dt.datetime | None = None) -> bool:
        """Whether ``caller``'s token use should be recorded now: its ``last_used_at``
        (as looked up, or as this worker last recorded it) is ``USE_RECORD_INTERVAL``
        old or more. A true answer counts as recorded."""
        now = now or _utcnow()
        with self._lock:
            last = self._used.get(caller.token_id)
            if caller.last_used_at is not None and (last is None or caller.last_used_at > last):
                last = caller.last_used_at
            if last is not None and now - last < USE_RECORD_INTERVAL:
                return False
            self._used.pop(caller.token_id, None)
            self._used[caller.token_id] = now
            while len(self._used) > self.max_size:
                del self._used[next(iter(self._used))]
            return True

    def __len__(self) -> int:
        return len(self._callers)


def note_use(state: Any, caller: Caller, response: Any, session: Any = None) -> Any:
    """Record the use of ``caller``'s token when it is due (``CallerCache.due``):
    in ``session`` when it is the request's writing transaction, else after the answer
    is sent (a background task on ``response``, one short write of its own). The
    ``response``, for chaining."""
    if not state.callers.due(caller):
        return response
    if session is not None:
        record_use(session, caller.token_id)
        return response
    task = BackgroundTask(_record_in_own_transaction, state.db, caller.token_id)
    if response.background is None:
        response.background = task
    else:
        response.background = BackgroundTasks([response.background, task])
    return response


def _record_in_own_transaction(db: Any, token_id: int) -> None:
    try:
        with db.write() as session:
            record_use(session, token_id)
            session.commit()
    except Exception:  # a missed record is a stale ``last_used_at``, never a failed request
        logger.warning("could not record the use of token %s", token_id, exc_info=True)
