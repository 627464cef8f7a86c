"""What the client, project and service operations share: reading a list's query, answering
a plain list or a page of it, and setting the fields of a create or change.

A catalog list answers a plain JSON array, as Timi clients expect, unless the query names
``page``, ``per_page`` or ``size``; then it answers Timi's page shape with the list under
its plural (``clients``, ``projects``, ``services``) and DRYTRIX's ``pagination`` object.
Either answer has an ``ETag`` and a matching ``If-None-Match`` is ``304``
(``pagination.list_answer``, as the time entries list answers); ``NOT_MODIFIED`` is the
answer the three list operations declare for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from nlentry.api.pagination import list_answer, page_of, pagination
from nlentry.api.pipeline import Call
from nlentry.api.request import fields
from nlentry.api.request.catalog_models import CatalogQuery
from nlentry.api.request.fields import FieldErrors, apply_name_and_active, merge_metadata
from nlentry.storage.queries.workspace_objects import CATALOG_SORTS, page_in_workspace

_PAGING = ("page", "per_page", "size")
#: The ``304`` of a catalog list, for its ``@operation(more=...)``.
NOT_MODIFIED = {304: ("not modified (`If-None-Match`)", None)}
#: What a catalog list's description says of its ``ETag``.
ETAG_NOTE = (" The answer has an `ETag`: a request with a matching `If-None-Match` is "
             "answered `304` without a body.")


def read_query(call: Call, model: type[BaseModel]) -> dict[str, Any]:
    """The query parameters of ``model``, read (``fields.read_query``: 422 naming each
    refused one, and each one the model does not know)."""
    errors = call.errors()
    values = fields.read_query(model, call.query, errors)
    errors.raise_if_any()
    return values


def catalog_list(call: Call, model: type, plural: str,
                 shape: Callable[[Sequence[Any]], list[dict[str, Any]]]) -> Response:  # fmt: skip
    """``GET /{plural}``: the workspace's rows of ``model``, shaped by ``shape``."""
    query = read_query(call, CatalogQuery)
    sort = query.get("sort")
    if sort is not None and sort not in CATALOG_SORTS:
        errors = call.errors()
        errors.add("sort", "invalid_sort")
        errors.raise_if_any()
    paged = any(name in query for name in _PAGING)
    page = page_of(query)
    total, rows = page_in_workspace(
        call.session, model, call.caller.workspace_id, active=query.get("active"), sort=sort,
        offset=page.offset if paged else 0, limit=page.per_page if paged else None,
    )
    items = shape(rows)
    if not paged:
        return list_answer(call.headers, items)
    return list_answer(call.headers, {
        "current_page": page.page,
        "per_page": page.per_page,
        "total_entries": total,
        plural: items,
        "pagination": pagination(page, total),
    })


def apply_fields(target: Any, values: dict[str, Any], errors: FieldErrors) -> None:
    """Set what ``values`` gives of a client's, project's or service's name, active,
    billable (projects) and metadata (merged into what it has); a problem goes to ``errors``."""
    apply_name_and_active(target, values)
    if "billable" in values:
        target.billable = values["billable"]
    if "metadata" in values:
        try:
            target.meta = merge_metadata(target.meta, values["metadata"])
        except ValueError as error:  # more keys than allowed once merged
            errors.add("metadata", str(error))
