"""``POST /parse.json``: what ``POST /time_entries.json`` would store, storing nothing.

Answers the entry (without ``id`` and timestamps) with the parser's ``warnings``,
``candidates`` for an ambiguous project or service (the same as create and update
answer, ``json_shapes.parse_notes``), ``spans``, its ``errors`` and the ``locale``
that read the text. Invalid override fields are 422 as on create.

With ``many=true`` the body is read as ``POST /time_entries/batch`` reads it
(``resources.batch.read_batch``: the batch's fields, applied to every entry)
and the answer is ``{"entries": [preview, ...]}``, one preview as above per
entry, in the message's order; each entry's ``body`` is its part of the
message (its ``spans`` count from there) and its ``errors`` are what would
keep the batch from storing it (a missing duration included). A batch of
the same fields stores them exactly when no preview has ``errors``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from nlentry import Entry
from nlentry.api.batch_models import ParseAnswer
from nlentry.api.json_shapes import parse_notes, project_ref, service_ref
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.batch_fields import ManyFlag, ParseInput, ParseManyInput
from nlentry.api.request.entry_fields import (
    default_billable,
    find_project,
    find_service,
    read_entry_input,
)
from nlentry.api.resources.batch import read_batch
from nlentry.parsing import format_hhmm


@operation("POST", "/parse", name="parse", tag="Parse",
           scope="read:time_entries", summary="Preview what a sentence would store",
           description="Stores nothing. `warnings` says what the parser guessed, `candidates` "
                       "lists the possible projects or services when the text is ambiguous, "
                       "`spans` what it recognised and `errors` what it could not read. "
                       "Invalid override fields answer 422 as on create. With `many=true` the "
                       "body is read as `POST /time_entries/batch` reads it, and the answer is "
                       "`{\"entries\": [preview, ...]}`: an entry with `errors` would keep the "
                       "batch from storing anything.",
           request=ParseInput, request_description="the sentence and optional overrides",
           response=ParseAnswer, answer="the entry that would be stored (with `many`: each)",
           errors=BODY_ERRORS)  # fmt: skip
def parse_preview(call: Call) -> Response:
    if "many" in call.fields and call.read(ManyFlag, {"many": call.fields["many"]})["many"]:
        _, found, entries = read_batch(call, ParseManyInput)
        return JSONResponse({"entries": [
            _preview(call, entry.values, entry.parsed, found, entry.errors) for entry in entries
        ]})
    entry_input = read_entry_input(call, ParseInput, need_duration=False)
    return JSONResponse(_preview(call, entry_input.values, entry_input.parsed, entry_input.found,
                                 dict(entry_input.parse_errors)))  # fmt: skip


def _preview(call: Call, values: dict[str, Any], parsed: Entry | None, found: dict[str, Any],
             errors: dict[str, list[str]]) -> dict[str, Any]:  # fmt: skip
    project = found.get("project_id") or find_project(call, values.get("project_id"))
    service = found.get("service_id") or find_service(call, values.get("service_id"))
    return {
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
        "errors": errors,
    }
