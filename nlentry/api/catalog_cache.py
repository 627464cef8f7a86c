"""The parser's catalog per user, cached and rebuilt when it changes.

The cache key holds the workspace's and the user's ``catalog_version``; any
change to a project, service or alias bumps one of them, so a stale catalog
is never used, whichever process made the change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from nlentry import Catalog, Item
from nlentry.api.credentials import Caller
from nlentry.storage.catalog_source import catalog_data

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class NotCached(LookupError):
    """The catalog is not cached, and no session was given to read it with."""


class CatalogCache:
    """Per user, the catalog at the versions its caller was read with.

    ``get`` and ``item`` read a missing catalog with the given session; with
    ``None`` instead (a caller on the event loop, which must not wait on the
    database) they raise ``NotCached``.
    """

    def __init__(self, max_users: int = 1024):
        self.max_users = max_users
        # user id -> (versions, catalog, {(kind, id): item})
        self._items: OrderedDict[int, tuple[tuple[int, int], Catalog, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session | None, caller: Caller) -> Catalog:
        """The caller's catalog at the versions read when the caller was authenticated."""
        return self._entry(session, caller)[1]

    def item(self, session: Session | None, caller: Caller, kind: str, id: int) -> Item | None:
        """The active project or service ``id`` of the caller's catalog, if it is there."""
        return self._entry(session, caller)[2].get((kind, id))

    def _entry(self, session: Session | None, caller: Caller):
        versions = caller.catalog_versions
        with self._lock:
            cached = self._items.get(caller.user_id)
            if cached is not None and cached[0] == versions:
                self._items.move_to_end(caller.user_id)
                return cached
        if session is None:
            raise NotCached(caller.user_id)
        catalog = Catalog.from_dict(catalog_data(session, caller.user_id, caller.workspace_id))
        entry = (versions, catalog, {(item.kind, item.id): item for item in catalog.items})
        with self._lock:
            self._items[caller.user_id] = entry
            self._items.move_to_end(caller.user_id)
            while len(self._items) > self.max_users:
                self._items.popitem(last=False)
        return entry
