"""``POST /parse.json``: what ``POST /time_entries.json`` would store, storing nothing.

Answers the entry (without ``id`` and timestamps) with the parser's ``warnings``,
``candidates`` for an ambiguous project or service (the same as create and update
answer, ``json_shapes.parse_notes``), ``spans``, its ``errors`` and the ``locale``
that read the text. Invalid override fields are 422 as on create.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import parse_notes, project_ref, service_ref
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.entry_fields import (
    default_billable,
    find_project,
    find_service,
    read_entry_input,
)
from nlentry.api.request.models import TimeEntryCreate
from nlentry.api.response_models import ParsePreview
from nlentry.parsing import format_hhmm


@operation("POST", "/parse", name="parse", tag="Parse",
           scope="read:time_entries", summary="Preview what a sentence would store",
           description="Stores nothing. `warnings` says what the parser guessed, `candidates` "
                       "lists the possible projects or services when the text is ambiguous, "
                       "`spans` what it recognised and `errors` what it could not read. "
                       "Invalid override fields answer 422 as on create.",
           request=TimeEntryCreate, request_description="the sentence and optional overrides",
           response=ParsePreview, answer="the entry that would be stored",
           errors=BODY_ERRORS)  # fmt: skip
def parse_preview(call: Call) -> Response:
    entry_input = read_entry_input(call, TimeEntryCreate, need_duration=False)
    values = entry_input.values
    parsed = entry_input.parsed
    found = entry_input.found
    project = found.get("project_id") or find_project(call, values.get("project_id"))
    service = found.get("service_id") or find_service(call, values.get("service_id"))
    return JSONResponse({
        "id": None,
        "body": values["body"],
        "description": values.get("description", ""),
        "date": values["date"].isoformat(),
        "duration": values.get("duration"),
        "start_time": format_hhmm(values.get("start_time")),
        "end_time": format_hhmm(values.get("end_time")),
        "project": project_ref(project),
        "service": service_ref(service),
        "user": {"id": call.caller.user_id, "display_name": call.caller.display_name},
        "billable": values.get("billable", default_billable(project)),
        "tags": values.get("tags", []),
        "metadata": values.get("metadata", {}),
        "timer_started_at": None,
        "created_at": None,
        "updated_at": None,
        "locale": parsed.locale if parsed else call.locale,
        **parse_notes(parsed),
        "spans": [span.to_dict() for span in parsed.spans] if parsed else [],
        "errors": dict(entry_input.parse_errors),
    })
