"""``GET /search``: find the workspace's projects, clients and services by name (projects and
services by the caller's aliases too) and the caller's own entries by their text.

``q`` is at least two characters; ``types`` a comma-separated subset of ``project``,
``client``, ``service``, ``entry`` (default: every type the token may read: clients need
``read:clients``, entries ``read:time_entries``; asking for one the token may not read is
403 naming that scope); ``limit`` at most 50. The best matches come first: a name (or
alias) equal to ``q``, then one starting with it, then any other (projects, clients,
services in that order within each), then the entries, newest first. The SQL is
``nlentry.storage.queries.search``.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.operations import operation
from nlentry.api.pipeline import Call
from nlentry.api.request.catalog_models import SEARCH_TYPES, SearchQuery
from nlentry.api.resources.catalog_common import read_query
from nlentry.api.response_models import SearchResults
from nlentry.api.scopes import allows, require
from nlentry.storage.models import Project, Service, TimeEntry
from nlentry.storage.queries import search as stored

#: The scope each type needs beyond the operation's own ``read:projects``.
_TYPE_SCOPES = {"client": "read:clients", "entry": "read:time_entries"}
_ORDER = {"project": 0, "client": 1, "service": 2}


@operation("GET", "/search", tag="Search", scope="read:projects",
           summary="Find projects, clients, services and the caller's entries",
           description="A case-insensitive substring of a name, of one of the caller's aliases "
                       "or of an entry's text. Clients need `read:clients` and entries "
                       "`read:time_entries` as well: without, they are left out (asked for in "
                       "`types`: 403).",
           query=SearchQuery, response=SearchResults, answer="the results, best first",
           errors=("Invalid",))  # fmt: skip
def search(call: Call) -> Response:
    query = read_query(call, SearchQuery)
    text, limit = query["q"], query.get("limit", SearchQuery.model_fields["limit"].default)
    types = _types(call, query.get("types"))
    session, workspace_id, user_id = call.session, call.caller.workspace_id, call.caller.user_id
    hits: list[tuple[str, stored.Hit]] = []
    if "project" in types:
        found = stored.search_targets(session, Project, workspace_id, user_id, text, limit)
        hits += [("project", hit) for hit in found]
    if "client" in types:
        hits += [("client", hit) for hit in stored.search_clients(session, workspace_id, text, limit)]
    if "service" in types:
        found = stored.search_targets(session, Service, workspace_id, user_id, text, limit)
        hits += [("service", hit) for hit in found]
    hits.sort(key=lambda item: (item[1].rank, _ORDER[item[0]]))  # stable: each list's own order
    results = [_catalog_result(kind, hit) for kind, hit in hits[:limit]]
    if "entry" in types and len(results) < limit:
        entries = stored.search_entries(session, user_id, text, limit - len(results))
        results += [_entry_result(entry) for entry in entries]
    return JSONResponse({"results": results, "query": text, "count": len(results)})


def _types(call: Call, given: str | None) -> list[str]:
    """The types asked for (422 naming an unknown one; 403 for one the token may not read),
    or by default every type the token may read."""
    if given is None or not given.strip():
        return [kind for kind in SEARCH_TYPES
                if allows(call.caller.scopes, _TYPE_SCOPES.get(kind))]  # fmt: skip
    asked = [piece.strip().lower() for piece in given.split(",") if piece.strip()]
    errors = call.errors()
    for kind in asked:
        if kind not in SEARCH_TYPES:
            errors.add("types", "invalid", prefix=kind)
    errors.raise_if_any()
    for kind in asked:
        require(_TYPE_SCOPES.get(kind), call.caller)
    return asked


def _catalog_result(kind: str, hit: stored.Hit) -> dict:
    row = hit.row
    parts = []
    client = getattr(row, "client", None)
    if client is not None:
        parts.append(client.name)
    if hit.alias is not None:
        parts.append(f"alias: {hit.alias}")
    return {"type": kind, "id": row.id, "title": row.name,
            "description": " · ".join(parts) or None}  # fmt: skip


def _entry_result(entry: TimeEntry) -> dict:
    hours, minutes = divmod(entry.duration // 60, 60)
    parts = [entry.date.isoformat(), f"{hours}:{minutes:02d}"]
    if entry.project is not None:
        parts.append(entry.project.name)
    return {"type": "entry", "id": entry.id, "title": entry.body, "description": " · ".join(parts)}
