"""The shapes of the answers of the batch, the many-entry preview and the CSV import,
as pydantic models (what the OpenAPI document shows; ``response_models`` has the rest).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel

from nlentry.api.response_models import (
    CreatedTimeEntry,
    ParsePreview,
    ParseWarning,
    ValidationError,
)

_MESSAGES = Annotated[dict[str, list[str]], Field(description="messages per field")]
_ROW = Annotated[int, Field(ge=2, description="the row's number as a spreadsheet shows it: "
                                              "the header is row 1")]


class CreatedTimeEntries(BaseModel):
    """The stored entries, in the order of the message."""

    time_entries: list[CreatedTimeEntry]


class EntryProblems(BaseModel):
    index: Annotated[int, Field(ge=0, description="the entry's place in the message, from 0")]
    errors: _MESSAGES


_REFUSAL = {"message": "validation failed", "error_code": "validation_error",
            "code": "VALIDATION_ERROR", "type": "invalid_request_error"}


class BatchRefusal(ValidationError):
    """Nothing was stored: `errors.entries` says which entries are wrong, `entries` how (a
    field that cannot be read, such as a missing `body`, is named in `errors` instead,
    without `entries`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        **_REFUSAL, "param": "entries",
        "errors": {"entries": ["entry 2: duration no duration found"]},
        "entries": [{"index": 1, "errors": {"duration": ["no duration found"]}}]}]})  # fmt: skip

    entries: list[EntryProblems] = Field(default_factory=list)


class ParsePreviews(BaseModel):
    """`many=true`: what `POST /time_entries/batch` would store, entry by entry."""

    entries: list[ParsePreview]


class ParseAnswer(RootModel[ParsePreview | ParsePreviews]):
    """the entry that would be stored; with `many=true` `{"entries": [...]}`"""


class ImportedRow(BaseModel):
    row: _ROW
    id: Annotated[int, Field(ge=1, description="the new entry's id")]
    warnings: list[ParseWarning] = Field(
        default_factory=list, description="what the parser guessed of the row's `body`; only when it "
                                "guessed something")


class RefusedRow(BaseModel):
    row: _ROW
    errors: _MESSAGES


class ImportResult(BaseModel):
    """What was stored; with `partial=true` the rows left out too, each with its errors."""

    created: Annotated[int, Field(ge=1, description="the entries stored")]
    rows: list[ImportedRow | RefusedRow] = Field(description="each row, in the file's order")


class ImportRefusal(ValidationError):
    """Nothing was stored: `errors.rows` says which rows are wrong, `rows` how (a file that
    cannot be read names `csv` or `file` in `errors` instead, without `rows`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        **_REFUSAL, "param": "rows", "errors": {"rows": ["row 3: duration_seconds is not a number"]},
        "rows": [{"row": 3, "errors": {"duration_seconds": ["is not a number"]}}]}]})  # fmt: skip

    rows: list[RefusedRow] = Field(default_factory=list)
