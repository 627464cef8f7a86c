"""Pages of a list: ``page``, ``per_page`` (or ``size``, as Timedash names it) and ``sort``,
read once for every list, the ``pagination`` object (DRYTRIX's) of the answer, and the
answer itself with its ``ETag`` (``list_answer``).

More than ``MAX_PER_PAGE`` a page is ``422`` (``too_many``), never silently
clipped. ``sort`` is one of the list's own orders (``-date``: newest first).
A list's ``ETag`` is a hash of its JSON bytes: a request whose ``If-None-Match``
names it (or ``*``) is answered ``304`` without a body.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from starlette.responses import JSONResponse, Response

from nlentry.api.request.fields import FieldErrors, Page, PerPage, Strict
from nlentry.etags import etag_matches, etag_of
from nlentry.limits import MAX_PER_PAGE

#: The orders of a list of time entries: a field, ``-`` first for descending.
ENTRY_SORTS = ("date", "-date", "duration", "-duration", "created_at", "-created_at",
               "updated_at", "-updated_at")  # fmt: skip


class PageQuery(Strict):
    """The page parameters every list takes (a list's query model extends it)."""

    page: Page = Field(1, description="the page, from 1")
    per_page: PerPage = Field(
        MAX_PER_PAGE, description=f"items per page, at most {MAX_PER_PAGE} (more is 422)",
    )
    size: PerPage = Field(MAX_PER_PAGE, description="the same as `per_page` (Timedash's name)")


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_of(values: dict[str, Any]) -> PageRequest:
    """The page asked for, from the read values of a ``PageQuery`` (``per_page`` wins over
    ``size`` when both are given)."""
    per_page = values.get("per_page", values.get("size", MAX_PER_PAGE))
    return PageRequest(values.get("page", 1), per_page)


def check_sort(values: dict[str, Any], allowed: tuple[str, ...], errors: FieldErrors) -> str | None:
    """The read ``sort``, or None when absent; an order the list does not know is refused."""
    sort = values.get("sort")
    if sort is not None and sort not in allowed:
        errors.add("sort", "invalid_sort")
        return None
    return sort


def pagination(page: PageRequest, total: int) -> dict[str, Any]:
    """DRYTRIX's ``pagination`` object."""
    pages = max(1, math.ceil(total / page.per_page))
    return {
        "page": page.page,
        "per_page": page.per_page,
        "total": total,
        "pages": pages,
        "has_next": page.page < pages,
        "has_prev": page.page > 1,
        "next_page": page.page + 1 if page.page < pages else None,
        "prev_page": page.page - 1 if page.page > 1 else None,
    }


def list_answer(headers: Mapping[str, str], content: Any) -> Response:
    """``content`` as JSON with its ``ETag``; ``304`` (no body) when the request's
    ``If-None-Match`` already names it."""
    answer = JSONResponse(content)
    etag = etag_of(bytes(answer.body))
    if etag_matches(headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    answer.headers["ETag"] = etag
    return answer
