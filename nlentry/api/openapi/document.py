"""The OpenAPI 3.1 document of the HTTP API, derived from the declared operations.

``openapi_document()`` builds it once from ``nlentry.api.routes.OPERATIONS``
and returns the same ``dict`` after that; treat it as read-only.
``build_document`` makes one for any operations. ``/openapi.json`` serves it
and ``/docs`` renders it (``nlentry.api.openapi.page``). Paths are written
without the ``.json`` suffix that Timi clients use; the server accepts both
spellings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from nlentry import __version__
from nlentry.api.openapi.schemas import (
    FORM,
    HEADERS,
    JSON,
    RATE_LIMIT_HEADERS,
    SECURITY,
    SECURITY_SCHEMES,
    SHARED_ANSWERS,
    Schema,
    component_schemas,
    field_type_description,
    model_properties,
    ref,
    response_schema,
    scoped_security,
    shared_responses,
    type_schema,
)
from nlentry.api.operations import API_PREFIX, Operation
from nlentry.api.request.fields import Id
from nlentry.limits import (
    DEFAULT_BODY_TIMEOUT_SECONDS,
    DEFAULT_RATE_LIMIT,
    MAX_REQUEST_BYTES,
)

PREFIX = API_PREFIX

DESCRIPTION = f"""\
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
answers `401` (`INVALID_API_KEY`).

**Scopes and roles.** Each token holds scopes; each operation names the one it \
needs in its `security` requirements and as `x-required-scope` (the scopes are \
listed with the `bearer` scheme). A call outside the token's scopes answers `403` \
with `required_scope` and `available_scopes`. A user is an `admin` or a `member` of \
their workspace (its first user is its admin): an admin may read, never write, the \
entries of the workspace's users (`user_ids`). Tokens are made, listed and revoked \
under `/tokens` (scope `admin:all`).

**Time zones.** Each user has an IANA time zone (`GET /users/me`; default: the \
server's): "today", the dates of new entries and date filters are the user's local \
dates, and timestamps carry the user's offset.

**Bodies** are accepted as `application/x-www-form-urlencoded` (as Timi clients \
send them) and as JSON objects, up to {MAX_REQUEST_BYTES // 2**20} MiB (`413` beyond). Every answer but \
`204` is JSON.

**Errors.** Every failure answers one JSON body, whatever the status: \
`message` (for people), `error_code` (`validation_error`), `code` \
(`VALIDATION_ERROR`), `type` (`invalid_request_error`, `authentication_error`, \
`permission_error`, `rate_limit_error`, `api_error`) and `param` (the first \
invalid field, or the header at fault; else null). Invalid fields answer `422` \
with `errors` (`{{"FIELD": ["message", ...]}}`, in the user's locale); an unknown \
field or query parameter is `422` naming it (a parameter starting with `_`, a \
cache buster, is ignored); anything that is not the caller's answers `404` \
(`RESOURCE_NOT_FOUND`); a missing scope `403` (`PERMISSION_DENIED`) with \
`required_scope`. A body that cannot be read is `400` (a JSON string that is no \
Unicode text, such as a lone `\\ud800`, is `422` naming its field), one that does \
not arrive within the body timeout ({DEFAULT_BODY_TIMEOUT_SECONDS:g} s unless configured) `408`, \
a wrong method `405` (its `Allow` header names the path's methods), the store \
unreachable, full or read-only `503` with `Retry-After`, a server fault `500` \
(`INTERNAL_ERROR`, no trace).

**Rate limit.** Each token may make `{DEFAULT_RATE_LIMIT}` requests unless \
configured (`NLENTRY_RATE_LIMIT`, a `limits` expression: a minute's worth and a \
burst a second). Authenticated answers carry `X-RateLimit-Limit`, \
`X-RateLimit-Remaining` and `X-RateLimit-Reset`; past a limit the answer is `429` \
(`RATE_LIMIT_EXCEEDED`) with `Retry-After`.

**Versions.** A request's `X-Accept-Version` `1`, `1.x` or `v1` is served; any \
other version is `400` naming the header. Every answer carries `X-Api-Version: 1`.
"""

TAGS = [
    {"name": "Time entries", "description": "the caller's own entries"},
    {"name": "Timer", "description": "one running timer per user"},
    {"name": "Parse", "description": "read a sentence without storing it"},
    {"name": "Projects", "description": "the workspace's projects"},
    {"name": "Services", "description": "the workspace's services (activities)"},
    {"name": "Clients", "description": "the workspace's clients"},
    {"name": "Aliases", "description": "the caller's own names for projects and services"},
    {"name": "Users", "description": "the caller's profile: role, locale, time zone"},
    {"name": "Tokens", "description": "the caller's API tokens: named, scoped, expiring"},
    {"name": "Reports", "description": "totals of the caller's entries, grouped and rounded"},
    {"name": "Webhooks", "description": "the caller's webhook subscriptions: signed event "
                                         "deliveries"},
    {"name": "Search", "description": "find projects, clients, services and entries by name"},
    {"name": "Chat", "description": "Slack, Mattermost and Telegram: log time from a chat; "
                                    "link a chat user"},
    {"name": "Meta", "description": "health and version; no token needed"},
]


_PATH_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _answer(description: str, shape: Any, headers: bool) -> Schema:
    answer: Schema = {"description": description}
    schema = response_schema(shape)
    if schema is not None:
        answer["content"] = {JSON: {"schema": schema}}
    if headers:
        answer["headers"] = {
            name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS
        }
    return answer


def _shared(name: str, description: str | None) -> Schema:
    answer = {"$ref": f"#/components/responses/{name}"}
    if description:
        answer["description"] = description
    return answer


def _parameters(op: Operation) -> list[Schema]:
    found = []
    for name, convertor in _PATH_PARAMETER.findall(op.path):
        declared = op.path_params.get(name, "")
        description, kind = declared if isinstance(declared, tuple) else (declared, None)
        if kind is None:
            kind = Id if convertor == "int" else str
        found.append({"name": name, "in": "path", "required": True, "description": description,
                      "schema": type_schema(kind)})  # fmt: skip
    for where, model in (("query", op.query), ("header", op.headers)):
        if model is None:
            continue
        properties, required = model_properties(model)
        for name, schema in properties.items():
            schema = dict(schema)
            description = schema.pop("description", "")
            own = field_type_description(model, name)  # the type's, under the field's
            if own:
                schema["description"] = own
            found.append({"name": name, "in": where, "required": name in required,
                          "description": description, "schema": schema})  # fmt: skip
    return found


def operation_object(op: Operation) -> Schema:
    """The OpenAPI Operation Object of a declared operation."""
    result: Schema = {"tags": [op.tag], "operationId": op.name, "summary": op.summary}
    if op.description:
        result["description"] = op.description
    parameters = _parameters(op)
    if parameters:
        result["parameters"] = parameters
    if op.request is not None:
        name = op.request.__name__
        result["requestBody"] = {
            "description": op.request_description,
            "required": op.request_required,
            "content": {FORM: {"schema": ref(name + "Form")}, JSON: {"schema": ref(name)}},
        }
    responses = {str(op.status): _answer(op.answer, op.response, headers=not op.public)}
    for status, (description, shape) in op.more.items():
        responses[str(status)] = _answer(description, shape, headers=False)
    errors = dict(op.errors)
    if not op.public:  # a query string or header that cannot be read is 400 anywhere
        errors.update({"BadRequest": errors.get("BadRequest"), "Unauthorized": None,
                       "Forbidden": errors.get("Forbidden"), "TooManyRequests": None})
    errors["ServiceUnavailable"] = None  # any request may meet a store that is down
    for name, description in errors.items():
        responses[SHARED_ANSWERS[name][0]] = _shared(name, description)
    result["responses"] = responses
    if op.public:
        result["security"] = []
    else:
        result["security"] = scoped_security(op.scope)
        result["x-required-scope"] = op.scope
    return result


def build_document(operations: Iterable[Operation]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``."""
    operations = list(operations)
    paths: dict[str, Schema] = {}
    for op in operations:
        paths.setdefault(op.document_path, {})[op.method.lower()] = operation_object(op)
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
        "security": SECURITY,
        "paths": paths,
        "components": {
            "schemas": component_schemas(operations),
            "headers": HEADERS,
            "responses": shared_responses(),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API (built once; do not change it)."""
    from nlentry.api.routes import OPERATIONS

    return build_document(OPERATIONS)


__all__ = ["PREFIX", "build_document", "openapi_document"]
