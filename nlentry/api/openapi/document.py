"""The OpenAPI 3.1 document of the HTTP API, as plain Python data.

``openapi_document()`` builds it once and returns the same ``dict`` after
that; treat it as read-only. ``/openapi.json`` serves it and ``/docs``
renders it (``nlentry.api.openapi.page``). Paths are written without the ``.json``
suffix that Timi clients use; the server accepts both spellings.
"""

from __future__ import annotations

import functools
from typing import Any

from nlentry import __version__

PREFIX = "/api/v1"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

Schema = dict[str, Any]

DESCRIPTION = """\
Natural-language time entry that speaks the Timi API (v1): existing Timi \
clients and scripts work unchanged.

**Paths.** Every path lives under `/api/v1` and is written here without a \
suffix; the `.json` suffix Timi clients use is accepted on every one of them \
(`/api/v1/projects` and `/api/v1/projects.json` are the same resource).

**Authentication.** Every operation but `health` and `info` needs a user's API \
token, sent in any one of these ways: `X-Api-Key: EMAIL:TOKEN` (or the token \
alone); HTTP Basic with the e-mail as user name and the token as password (or \
the token alone as user name); `Authorization: Bearer TOKEN`; `email` and \
`token` as query parameters or as form fields of the body. A failed login \
answers `401 {"message": "unauthorized"}`.

**Bodies** are accepted as `application/x-www-form-urlencoded` (as Timi clients \
send them) and as JSON objects, up to 1 MiB (`413` beyond). Every answer but \
`204` is JSON.

**Errors.** Invalid fields answer `422 {"errors": {"FIELD": ["message", ...]}}` \
in the user's locale; anything that is not the caller's answers \
`404 {"message": "not found"}`. A body that cannot be read is `400` (a JSON \
string that is no Unicode text, such as a lone `\\ud800`, is `422` naming its \
field), one that does not arrive within the body timeout (10 s unless \
configured) `408`, a wrong method `405` (its `Allow` header names the path's \
methods), a server fault `500 {"message": "internal error"}`.

**Rate limit.** Each token may make a limited number of requests a minute \
(120 unless configured). Authenticated answers carry `X-RateLimit-Limit`, \
`X-RateLimit-Remaining` and `X-RateLimit-Reset`; past the limit the answer is \
`429 {"message": "rate limit exceeded"}` with `Retry-After`.
"""


# --- small builders ---------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def json_content(schema: Schema) -> dict[str, Any]:
    return {JSON: {"schema": schema}}


def response(description: str, schema: Schema | None = None, headers: bool = True) -> Schema:
    answer: Schema = {"description": description}
    if schema is not None:
        answer["content"] = json_content(schema)
    if headers:
        answer["headers"] = {
            name: {"$ref": f"#/components/headers/{name}"}
            for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
        }
    return answer


STATUS = {
    "BadRequest": "400",
    "RequestTimeout": "408",
    "Unauthorized": "401",
    "NotFound": "404",
    "TooLarge": "413",
    "UnsupportedMediaType": "415",
    "Invalid": "422",
    "TooManyRequests": "429",
}


def common(*names: str) -> dict[str, Schema]:
    """The shared answers ``names`` (components/responses), keyed by status code."""
    return {STATUS[name]: {"$ref": f"#/components/responses/{name}"} for name in names}


def body(schema_name: str, description: str, required: bool = True) -> Schema:
    """A body as a form (``<schema_name>Form``: no nulls in a form) or as JSON."""
    return {
        "description": description,
        "required": required,
        "content": {
            FORM: {"schema": ref(schema_name + "Form")},
            JSON: {"schema": ref(schema_name)},
        },
    }


def without_null(schema: Schema) -> Schema:
    """``schema`` for a form, where a field cannot be null (a blank field clears instead)."""
    if "$ref" in schema:
        return {**schema, "$ref": schema["$ref"] + "Form"}
    options = schema.get("anyOf", [])
    if {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        extra = {key: value for key, value in schema.items() if key != "anyOf"}
        if len(rest) == 1:
            return {**without_null(rest[0]), **extra}
        return {**extra, "anyOf": [without_null(option) for option in rest]}
    result = dict(schema)
    if "properties" in schema:
        result["properties"] = {
            name: without_null(child) for name, child in schema["properties"].items()
        }
    if isinstance(schema.get("items"), dict):
        result["items"] = without_null(schema["items"])
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in schema:
            result[keyword] = [without_null(child) for child in schema[keyword]]
    return result


def path_param(name: str, description: str, schema: Schema | None = None) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or _ID_IN,
    }


def query_param(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def operation(
    tag: str,
    operation_id: str,
    summary: str,
    responses: dict[str, Schema],
    *,
    description: str | None = None,
    parameters: list[Schema] | None = None,
    request_body: Schema | None = None,
    public: bool = False,
) -> Schema:
    op: Schema = {"tags": [tag], "operationId": operation_id, "summary": summary}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if request_body:
        op["requestBody"] = request_body
    authenticated = {} if public else common("Unauthorized", "TooManyRequests")
    op["responses"] = {**responses, **authenticated}
    if public:
        op["security"] = []
    return op


# --- schemas ----------------------------------------------------------------

MAX_ID = 10**18 - 1
_ID = {"type": "integer", "minimum": 1}
_ID_IN = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "examples": ["Timi"]}
_ALIAS = {
    "type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\w",
    "description": "a name with at least one letter or digit", "examples": ["kiwi"],
}
_DATE_TEXT = {
    "type": "string",
    "pattern": r"^(\d{1,2}-\d{1,2}-\d{4}|\d{4}-\d{2}-\d{2})$",
    "description": "`27-03-2016` (day-month-year) or ISO `2016-03-27`",
    "examples": ["27-03-2016", "2016-03-27"],
}
_ID_LIST = {
    "type": "string",
    "pattern": r"^ *(\d{1,18} *(, *\d{1,18} *)*)?$",
    "description": "comma-separated ids, e.g. `1,2,3`",
}
_ALIASES = {"type": "array", "items": {"type": "string"}, "description": "the caller's aliases"}
_TIMESTAMP = {"type": "string", "format": "date-time", "examples": ["2016-03-27T09:30:00Z"]}
_CLOCK = {"type": "string", "pattern": r"^\d{2}:\d{2}$", "examples": ["09:30"]}
_DURATION = {"type": "integer", "description": "seconds"}
_MESSAGES = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "messages per field",
}
_BOOLEAN_FIELD = {
    "type": "boolean",
    "description": "JSON `true`/`false` (not a number); in a form: `true`/`false`, `1`/`0`, "
    "`yes`/`no`, `on`/`off`",
}


def _schemas() -> dict[str, Schema]:
    named_ref = obj({"id": _ID, "name": {"type": "string"}}, ["id", "name"])
    entry_fields = {
        "body": {"type": "string", "description": "the text as given, verbatim"},
        "description": {"type": "string", "description": "the text without what the parser read"},
        "date": {"type": "string", "format": "date"},
        "duration": _DURATION,
        "start_time": nullable(_CLOCK),
        "end_time": nullable(_CLOCK),
        "project": nullable(ref("EntryProject")),
        "service": nullable(ref("NamedRef")),
    }
    entry_input = {
        "body": {
            "type": "string",
            "maxLength": 10000,
            "description": "the sentence the parser reads, e.g. `2,5 uur met Rowan aan Timi gewerkt`",
            "examples": ["2,5 uur met Rowan aan Timi gewerkt"],
        },
        "date": {**_DATE_TEXT, "description": "overrides the date the parser found"},
        "project_id": {**nullable(_ID_IN), "description": "overrides the parsed project"},
        "service_id": {**nullable(_ID_IN), "description": "overrides the parsed service"},
        "duration": {
            "type": "integer", "minimum": 1, "maximum": 86400,
            "description": "seconds; overrides the parsed duration",
        },
    }
    return {
        "NamedRef": named_ref,
        "EntryProject": obj(
            {"id": _ID, "name": {"type": "string"}, "client": nullable(ref("NamedRef"))},
            ["id", "name", "client"],
        ),
        "Project": obj(
            {"id": _ID, "name": {"type": "string"}, "active": {"type": "boolean"},
             "client": nullable(ref("NamedRef")), "aliases": _ALIASES},
            ["id", "name", "active", "client", "aliases"],
        ),
        "Service": obj(
            {"id": _ID, "name": {"type": "string"}, "active": {"type": "boolean"},
             "aliases": _ALIASES},
            ["id", "name", "active", "aliases"],
        ),
        "Client": obj(
            {"id": _ID, "name": {"type": "string"}, "active": {"type": "boolean"},
             "projects": {"type": "array", "items": ref("Project")}},
            ["id", "name", "active", "projects"],
        ),
        "TimeEntry": obj(
            {"id": _ID, **entry_fields,
             "user": ref("UserRef"),
             "timer_started_at": {**nullable(_TIMESTAMP),
                                  "description": "set while the entry is a running timer"},
             "created_at": _TIMESTAMP,
             "updated_at": _TIMESTAMP},
            ["id", *entry_fields, "user", "timer_started_at", "created_at", "updated_at"],
        ),
        "TimeEntryPage": obj(
            {"current_page": {"type": "integer", "minimum": 1},
             "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
             "total_entries": {"type": "integer", "minimum": 0},
             "time_entries": {"type": "array", "items": ref("TimeEntry")}},
            ["current_page", "per_page", "total_entries", "time_entries"],
        ),
        "ParsePreview": obj(
            {"id": {"type": "null"}, **entry_fields,
             "duration": {**nullable(_DURATION), "description": "seconds; null when none found"},
             "user": ref("UserRef"),
             "timer_started_at": {"type": "null"},
             "created_at": {"type": "null"},
             "updated_at": {"type": "null"},
             "locale": {"type": "string", "description": "the locale that read the text"},
             "candidates": {
                 "type": "object",
                 "additionalProperties": {"type": "array", "items": ref("Candidate")},
                 "description": "`project` or `service`: the equally good matches when the "
                                "text is ambiguous",
             },
             "errors": {**_MESSAGES, "description": "what the parser could not read"}},
            ["id", *entry_fields, "user", "timer_started_at", "created_at", "updated_at",
             "locale", "candidates", "errors"],
            description="what `POST /time_entries` would store; nothing is stored",
        ),
        "Candidate": obj({"id": {"type": ["integer", "string"]}, "name": {"type": "string"}},
                         ["id", "name"]),
        "UserRef": obj({"id": _ID, "display_name": {"type": "string"}}, ["id", "display_name"]),
        "Health": obj(
            {"status": {"type": "string", "enum": ["ok", "unavailable"]},
             "database": {"type": "string", "enum": ["ok", "unavailable"]}},
            ["status", "database"],
        ),
        "Info": obj(
            {"name": {"type": "string"}, "version": {"type": "string"},
             "api": {"type": "string"}, "database": {"type": "string"},
             "endpoints": {"type": "array", "items": obj(
                 {"method": {"type": "string"}, "path": {"type": "string"},
                  "name": {"type": "string"}, "authenticated": {"type": "boolean"}},
                 ["method", "path", "name", "authenticated"],
             )}},
            ["name", "version", "api", "endpoints"],
        ),
        "Error": obj({"message": {"type": "string"}}, ["message"],
                     examples=[{"message": "not found"}]),
        "ValidationError": obj(
            {"errors": _MESSAGES},
            ["errors"],
            examples=[{"errors": {"duration": ["is geen getal"]}}],
        ),
        "ClientInput": obj(
            {"name": _NAME, "active": {**_BOOLEAN_FIELD, "description": "false archives"}},
        ),
        "ProjectInput": obj(
            {"name": _NAME,
             "active": {**_BOOLEAN_FIELD, "description": "default true; false archives"},
             "client_id": {**nullable(_ID_IN), "description": "blank or null detaches"},
             "aliases": {"type": "array", "items": _ALIAS,
                         "description": "replaces the caller's aliases (a list, repeated "
                                        "form fields or one comma-separated string)"}},
        ),
        "ServiceInput": obj(
            {"name": _NAME,
             "active": {**_BOOLEAN_FIELD, "description": "default true; false archives"},
             "aliases": {"type": "array", "items": _ALIAS,
                         "description": "replaces the caller's aliases"}},
        ),
        "AliasInput": obj({"alias": _ALIAS}, ["alias"]),
        "TimeEntryInput": obj(entry_input),
        "TimerInput": obj(
            {
                **{name: entry_input[name] for name in ("date", "project_id", "service_id")},
                "body": {
                    **nullable({"type": "string", "maxLength": 10000}),
                    "description": "what the timer is for; absent or null: a timer without text",
                    "examples": ["Timi ontwikkeling"],
                },
            },
        ),
    }


def _required(schema_name: str, *fields: str) -> Schema:
    return {"allOf": [ref(schema_name), {"required": list(fields)}]}


def _components() -> Schema:
    schemas = _schemas()
    schemas["ClientCreate"] = _required("ClientInput", "name")
    schemas["ProjectCreate"] = _required("ProjectInput", "name")
    schemas["ServiceCreate"] = _required("ServiceInput", "name")
    schemas["TimeEntryCreate"] = _required("TimeEntryInput", "body")
    for name in [name for name in schemas if name.endswith(("Input", "Create"))]:
        schemas[name + "Form"] = without_null(schemas[name])
    rate_headers = {
        "X-RateLimit-Limit": ("requests allowed per minute for this token", "integer"),
        "X-RateLimit-Remaining": ("requests left in the current minute", "integer"),
        "X-RateLimit-Reset": ("when the current minute ends, in epoch seconds", "integer"),
        "Retry-After": ("seconds to wait before the next request", "integer"),
    }
    error = json_content(ref("Error"))
    return {
        "schemas": schemas,
        "headers": {
            name: {"description": text, "schema": {"type": kind}}
            for name, (text, kind) in rate_headers.items()
        },
        "responses": {
            "BadRequest": {"description": "the body cannot be read", "content": error},
            "Unauthorized": {"description": "no valid token", "content": error},
            "NotFound": {"description": "not the caller's, or does not exist",
                         "content": error},
            "RequestTimeout": {
                "description": "the body did not arrive in time (the connection is closed)",
                "content": error,
            },
            "TooLarge": {"description": "the body is over the size limit", "content": error},
            "UnsupportedMediaType": {"description": "a body that is neither a form nor JSON",
                                     "content": error},
            "Invalid": {"description": "invalid fields, in the user's locale",
                        "content": json_content(ref("ValidationError"))},
            "TooManyRequests": {
                "description": "rate limit exceeded",
                "content": error,
                "headers": {
                    name: {"$ref": f"#/components/headers/{name}"}
                    for name in rate_headers
                },
            },
        },
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                       "description": "`EMAIL:TOKEN`, or the token alone"},
            "basic": {"type": "http", "scheme": "basic",
                      "description": "the e-mail as user name and the token as password, "
                                     "or the token alone as user name"},
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "`Authorization: Bearer TOKEN`"},
            "tokenQuery": {"type": "apiKey", "in": "query", "name": "token",
                           "description": "the token as a query parameter (or form field)"},
            "emailQuery": {"type": "apiKey", "in": "query", "name": "email",
                           "description": "the token owner's e-mail, with `token`"},
        },
    }


# --- paths ------------------------------------------------------------------

_BODY_ERRORS = ("BadRequest", "RequestTimeout", "TooLarge", "UnsupportedMediaType", "Invalid")


def _catalog_paths(kind: str, plural: str, tag: str) -> dict[str, Schema]:
    """``/clients``, ``/projects`` or ``/services``: list, create, show, update."""
    title = kind.capitalize()
    item_id = path_param("id", f"the {kind}'s id")
    extra = {
        "client": "Each client has its projects, with the caller's aliases.",
        "project": "Each project has its client and the caller's aliases.",
        "service": "Each service (activity) has the caller's aliases.",
    }[kind]
    return {
        f"/{plural}": {
            "get": operation(
                tag, f"list_{plural}", f"The workspace's {plural}",
                {"200": response(f"all {plural}, archived ones included",
                                 {"type": "array", "items": ref(title)})},
                description=extra,
            ),
            "post": operation(
                tag, f"create_{kind}", f"Create a {kind}",
                {"201": response(f"the new {kind}", ref(title)), **common(*_BODY_ERRORS)},
                request_body=body(f"{title}Create", f"the new {kind}"),
            ),
        },
        f"/{plural}/{{id}}": {
            "parameters": [item_id],
            "get": operation(
                tag, f"show_{kind}", f"One {kind}",
                {"200": response(f"the {kind}", ref(title)), **common("NotFound")},
            ),
            "patch": operation(
                tag, f"update_{kind}", f"Rename, archive (`active=false`) or change a {kind}",
                {"200": response(f"the changed {kind}", ref(title)),
                 **common("NotFound", *_BODY_ERRORS)},
                request_body=body(f"{title}Input", "the fields to change", required=False),
            ),
        },
    }


def _alias_paths(kind: str, plural: str) -> dict[str, Schema]:
    title = kind.capitalize()
    target_id = path_param("id", f"the {kind}'s id")
    alias = path_param("alias", "the alias to remove", _ALIAS)
    return {
        f"/{plural}/{{id}}/aliases": {
            "parameters": [target_id],
            "post": operation(
                "Aliases", f"create_{kind}_alias", f"Add one of the caller's aliases to a {kind}",
                {"201": response(f"the {kind} with the caller's aliases", ref(title)),
                 **common("NotFound", *_BODY_ERRORS)},
                description="An alias the caller already gives to another project or service "
                            "is refused with 422, naming `alias`.",
                request_body=body("AliasInput", "the alias"),
            ),
        },
        f"/{plural}/{{id}}/aliases/{{alias}}": {
            "parameters": [target_id, alias],
            "delete": operation(
                "Aliases", f"delete_{kind}_alias", f"Remove one of the caller's aliases of a {kind}",
                {"204": response("removed; no body"), **common("NotFound")},
            ),
        },
    }


def _entry_paths() -> dict[str, Schema]:
    tag = "Time entries"
    entry_id = path_param("id", "the entry's id")
    filters = [
        query_param("date", "only entries of this day", _DATE_TEXT),
        query_param("start_date", "only entries on or after this day", _DATE_TEXT),
        query_param("end_date", "only entries on or before this day", _DATE_TEXT),
        query_param("project_ids", "only entries of these projects", _ID_LIST),
        query_param("service_ids", "only entries of these services", _ID_LIST),
        query_param("client_ids", "only entries of these clients' projects", _ID_LIST),
        query_param("page", "the page, from 1", {"type": "integer", "minimum": 1, "default": 1}),
        query_param("per_page", "entries per page, at most 100 (more is served as 100)",
                    {"type": "integer", "minimum": 1, "default": 100}),
    ]
    idempotency_key = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "the same key from the same user within 24 hours returns the first "
                       "answer and stores nothing new; the same key with another body is "
                       "refused with 422 naming `Idempotency-Key`",
        "schema": {"type": "string", "minLength": 1, "maxLength": 128},
    }
    entry = ref("TimeEntry")
    return {
        "/time_entries": {
            "get": operation(
                tag, "list_time_entries", "The caller's entries, newest first",
                {"200": response("one page of entries", ref("TimeEntryPage")),
                 **common("Invalid")},
                parameters=filters,
            ),
            "post": operation(
                tag, "create_time_entry", "Create an entry from a sentence",
                {"201": response("the stored entry", entry), **common(*_BODY_ERRORS)},
                description="The `body` is parsed with the caller's aliases and the workspace's "
                            "projects and services; `date`, `project_id`, `service_id` and "
                            "`duration` override what the parser found. A text with no "
                            "duration and no override is refused with 422 naming `duration`.",
                parameters=[idempotency_key],
                request_body=body("TimeEntryCreate", "the sentence and optional overrides"),
            ),
        },
        "/time_entries/{id}": {
            "parameters": [entry_id],
            "get": operation(tag, "show_time_entry", "One of the caller's entries",
                             {"200": response("the entry", entry), **common("NotFound")}),
            "patch": operation(
                tag, "update_time_entry", "Change an entry",
                {"200": response("the changed entry", entry),
                 **common("NotFound", *_BODY_ERRORS)},
                description="A new `body` is parsed again; explicit fields still win.",
                request_body=body("TimeEntryInput", "the fields to change", required=False),
            ),
            "delete": operation(tag, "delete_time_entry", "Delete an entry",
                                {"204": response("deleted; no body"), **common("NotFound")}),
        },
        "/time_entries/timer": {
            "get": operation(
                "Timer", "show_timer", "The caller's running timer",
                {"200": response("the running entry, `duration` so far", entry),
                 "404": {"$ref": "#/components/responses/NotFound",
                         "description": "no timer runs"}},
            ),
            "post": operation(
                "Timer", "start_timer", "Start a timer from a sentence",
                {"201": response("the running entry", entry), **common(*_BODY_ERRORS)},
                description="Project and service are parsed from `body`. A running timer is "
                            "stopped first and kept as an ordinary entry.",
                request_body=body("TimerInput", "what the timer is for", required=False),
            ),
            "delete": operation(
                "Timer", "stop_timer", "Stop the running timer",
                {"200": response("the stopped entry with its measured duration", entry),
                 "404": {"$ref": "#/components/responses/NotFound",
                         "description": "no timer runs"}},
            ),
        },
        "/parse": {
            "post": operation(
                "Parse", "parse", "Preview what a sentence would store",
                {"200": response("the entry that would be stored", ref("ParsePreview")),
                 **common(*_BODY_ERRORS)},
                description="Stores nothing. `candidates` lists the possible projects or "
                            "services when the text is ambiguous; `errors` what the parser "
                            "could not read. Invalid override fields answer 422 as on create.",
                request_body=body("TimeEntryCreate", "the sentence and optional overrides"),
            ),
        },
    }


def _meta_paths() -> dict[str, Schema]:
    return {
        "/health": {
            "get": operation(
                "Meta", "health", "Liveness: the service and its database answer",
                {"200": response("healthy", ref("Health"), headers=False),
                 "503": {"description": "the database does not answer",
                         "content": json_content(ref("Health"))}},
                public=True,
            ),
        },
        "/info": {
            "get": operation(
                "Meta", "info", "Version and endpoints",
                {"200": response("about this service", ref("Info"), headers=False)},
                public=True,
            ),
        },
    }


def _paths() -> dict[str, Schema]:
    relative = {
        **_catalog_paths("client", "clients", "Clients"),
        **_catalog_paths("project", "projects", "Projects"),
        **_alias_paths("project", "projects"),
        **_catalog_paths("service", "services", "Services"),
        **_alias_paths("service", "services"),
        **_entry_paths(),
        **_meta_paths(),
    }
    return {PREFIX + path: item for path, item in relative.items()}


TAGS = [
    {"name": "Time entries", "description": "the caller's own entries"},
    {"name": "Timer", "description": "one running timer per user"},
    {"name": "Parse", "description": "read a sentence without storing it"},
    {"name": "Projects", "description": "the workspace's projects"},
    {"name": "Services", "description": "the workspace's services (activities)"},
    {"name": "Clients", "description": "the workspace's clients"},
    {"name": "Aliases", "description": "the caller's own names for projects and services"},
    {"name": "Meta", "description": "health and version; no token needed"},
]


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (built once; do not change it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "nlentry",
            "version": __version__,
            "summary": "Natural-language time entry, Timi API v1 compatible",
            "description": DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/", "description": "this server"}],
        "tags": TAGS,
        "security": [
            {"apiKey": []},
            {"basic": []},
            {"bearer": []},
            {"tokenQuery": [], "emailQuery": []},
            {"tokenQuery": []},
        ],
        "paths": _paths(),
        "components": _components(),
    }


__all__ = ["PREFIX", "openapi_document"]
