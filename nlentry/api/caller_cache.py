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

Keys are SHA-256 hashes of the whole token, as the database stores them:
the cache holds no token. It keeps the ``max_size`` most recently added.
"""

from __future__ import annotations

import threading

from nlentry.api.credentials import Caller, Credentials
from nlentry.storage.api_tokens import hash_token, normalize_email

DEFAULT_MAX_SIZE = 10_000


class CallerCache:
    def __init__(self, max_size: int = DEFAULT_MAX_SIZE):
        self.max_size = max_size
        self._callers: dict[str, Caller] = {}
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

    def __len__(self) -> int:
        return len(self._callers)
