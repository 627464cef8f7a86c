"""``POST /parse.json``: what ``POST /time_entries.json`` would store, storing nothing.

Answers the entry (without ``id`` and timestamps) with the parser's
``candidates`` for an ambiguous project or service, its ``errors`` and the
``locale`` that read the text. Invalid override fields are 422 as on create.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import client_ref, clock
from nlentry.api.lookups import workspace_object_or_none
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.entry_fields import read_entry_input
from nlentry.storage.models import Project, Service


@authenticated
def parse_preview(call: Call) -> Response:
    entry_input = read_entry_input(call, body_required=True, need_duration=False)
    values = entry_input.values
    parsed = entry_input.parsed
    project = service = None
    if values.get("project_id") is not None:
        project = workspace_object_or_none(call.session, Project, call.caller, values["project_id"])
    if values.get("service_id") is not None:
        service = workspace_object_or_none(call.session, Service, call.caller, values["service_id"])
    errors = dict(entry_input.parse_errors)
    return JSONResponse({
        "id": None,
        "body": values["body"],
        "description": values.get("description", ""),
        "date": values["date"].isoformat(),
        "duration": values.get("duration"),
        "start_time": clock(values.get("start_time")),
        "end_time": clock(values.get("end_time")),
        "project": None if project is None else {
            "id": project.id, "name": project.name, "client": client_ref(project.client)
        },
        "service": None if service is None else {"id": service.id, "name": service.name},
        "user": {"id": call.caller.user_id, "display_name": call.caller.display_name},
        "timer_started_at": None,
        "created_at": None,
        "updated_at": None,
        "locale": parsed.locale if parsed else call.locale,
        "candidates": {
            kind: [candidate.to_dict() for candidate in candidates]
            for kind, candidates in (parsed.candidates.items() if parsed else ())
        },
        "errors": errors,
    })
