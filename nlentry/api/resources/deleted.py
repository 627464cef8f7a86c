"""``GET /time_entries/deleted``: the tombstones of the caller's deleted entries, for sync
(docs/sync.md).

``since`` is read as ``updated_since`` is (``Timestamp``: ISO 8601, with or without an
offset) and compared inclusively (``deleted_at >= since``). Tombstones are kept at least
``TOMBSTONE_DAYS``; a ``since`` further back than that is 422 naming it, since the answer
could miss deletions: the client must read the whole list again. The answer is every
tombstone since, oldest first, with an ``ETag`` (``pagination.list_answer``, the time
entries list's).
"""

from __future__ import annotations

from starlette.responses import Response

from nlentry.api.json_shapes import timestamp
from nlentry.api.operations import operation
from nlentry.api.pagination import list_answer
from nlentry.api.pipeline import Call
from nlentry.api.request.fields import read_query
from nlentry.api.sync_models import DeletedQuery, Tombstone
from nlentry.api.user_time import zone_of
from nlentry.storage.models import utcnow
from nlentry.storage.queries import tombstones

TAG = "Time entries"
_DESCRIPTION = """`[{"id", "deleted_at"}]`: the caller's entries deleted at or after `since`
(inclusive), oldest first, `deleted_at` with the caller's offset. With
`GET /time_entries?updated_since=` this keeps a local copy in step (docs/sync.md).
Deletions are kept 90 days: a `since` further back is 422 (read the whole list again).
An unknown parameter is 422 naming it. The answer has an `ETag`: a request with a
matching `If-None-Match` is answered `304` without a body."""


@operation("GET", "/time_entries/deleted", name="list_deleted_time_entries", tag=TAG,
           scope="read:time_entries", summary="The caller's entries deleted since a moment",
           description=_DESCRIPTION, query=DeletedQuery, response=list[Tombstone],
           answer="the tombstones, oldest first",
           more={304: ("not modified (`If-None-Match`)", None)}, errors=("Invalid",))  # fmt: skip
def list_deleted(call: Call) -> Response:
    errors = call.errors()
    query = read_query(DeletedQuery, call.query, errors)
    now = utcnow()
    if "since" in query and query["since"] < tombstones.oldest_kept(now):
        errors.add("since", "since_too_old")
    errors.raise_if_any()
    zone = zone_of(call.caller)
    found = tombstones.deleted_since(call.session, call.caller.user_id, query["since"])
    return list_answer(call.headers, [{"id": id, "deleted_at": timestamp(at, zone)}
                                      for id, at in found])  # fmt: skip
