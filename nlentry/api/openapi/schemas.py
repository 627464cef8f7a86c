"""The schemas and shared parts of the OpenAPI document, from the declared operations' models.

JSON Schema comes from pydantic (``models_json_schema``), with references
into ``#/components/schemas``; a request body's form variant (``<Model>Form``)
is its schema without ``null``, as a form cannot send one (a blank field
clears instead). The shared answers, headers and security schemes are
written here once.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from nlentry.api.operations import Operation
from nlentry.api.response_models import Error, Forbidden, ValidationError
from nlentry.api.scopes import SCOPES

Schema = dict[str, Any]
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
REF_TEMPLATE = "#/components/schemas/{model}"
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


class SchemaGenerator(GenerateJsonSchema):
    """pydantic's JSON Schema without a title per field, and no ``"default": null``
    (a field left out is not null)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def default_schema(self, schema) -> Schema:
        result = super().default_schema(schema)
        if "default" in result and result["default"] is None:
            del result["default"]
        return result


def ref(name: str) -> Schema:
    return {"$ref": REF_TEMPLATE.format(model=name)}


def type_schema(annotation: Any) -> Schema:
    """The JSON Schema of a field type (``Annotated`` with its constraints)."""
    return TypeAdapter(annotation).json_schema(ref_template=REF_TEMPLATE,
                                               schema_generator=SchemaGenerator)  # fmt: skip


def models_of(annotation: Any) -> list[type[BaseModel]]:
    """The models in a response declaration: ``Model``, ``list[Model]`` or None."""
    if annotation is None:
        return []
    if typing.get_origin(annotation) is list:
        return models_of(typing.get_args(annotation)[0])
    return [annotation]


def response_schema(annotation: Any) -> Schema | None:
    if annotation is None:
        return None
    if typing.get_origin(annotation) is list:
        return {"type": "array", "items": response_schema(typing.get_args(annotation)[0])}
    return ref(annotation.__name__)


def model_properties(model: type[BaseModel]) -> tuple[dict[str, Schema], set[str]]:
    """The properties (by alias) and the required ones of ``model``, e.g. for parameters."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=SchemaGenerator)
    return schema.get("properties", {}), set(schema.get("required", []))


def field_type_description(model: type[BaseModel], alias: str) -> str | None:
    """The description of the type of ``model``'s field ``alias`` (not the field's own)."""
    for name, info in model.model_fields.items():
        if (info.alias or name) == alias:
            described = type_schema(Annotated[(info.annotation, *info.metadata)])
            return described.get("description")
    return None


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


def component_schemas(operations: Iterable[Operation]) -> dict[str, Schema]:
    """Every model the operations read or answer, and a form variant of each body."""
    operations = list(operations)
    bodies = list(dict.fromkeys(op.request for op in operations if op.request is not None))
    answers = [model for op in operations
               for model in [*models_of(op.response),
                             *(m for _, shape in op.more.values() for m in models_of(shape))]]
    models = list(dict.fromkeys([*answers, Error, ValidationError, Forbidden, *bodies]))
    _, definitions = models_json_schema(
        [(model, "validation") for model in models],
        ref_template=REF_TEMPLATE, schema_generator=SchemaGenerator,
    )
    schemas: dict[str, Schema] = definitions.get("$defs", {})
    for model in bodies:
        schemas[model.__name__ + "Form"] = without_null(schemas[model.__name__])
    return schemas


# --- the shared parts --------------------------------------------------------------------------

HEADERS: dict[str, Schema] = {
    name: {"description": text, "schema": {"type": "integer"}}
    for name, text in {
        "X-RateLimit-Limit": "requests allowed per minute for this token",
        "X-RateLimit-Remaining": "requests left in the current minute",
        "X-RateLimit-Reset": "when the current minute ends, in epoch seconds",
        "Retry-After": "seconds to wait before the next request",
    }.items()
}

#: The shared answers: name -> (status, description, schema name).
SHARED_ANSWERS = {
    "BadRequest": ("400", "the body cannot be read", "Error"),
    "Unauthorized": ("401", "no valid token", "Error"),
    "Forbidden": ("403", ("the token lacks the operation's scope (`required_scope`), or the "
                         "caller's role does not allow it"), "Forbidden"),
    "NotFound": ("404", "not the caller's, or does not exist", "Error"),
    "RequestTimeout": ("408", "the body did not arrive in time (the connection is closed)",
                       "Error"),
    "TooLarge": ("413", "the body is over the size limit", "Error"),
    "UnsupportedMediaType": ("415", "a body that is neither a form nor JSON", "Error"),
    "Invalid": ("422", "invalid fields, in the user's locale", "ValidationError"),
    "TooManyRequests": ("429", "rate limit exceeded", "Error"),
    "ServiceUnavailable": ("503", ("the store is unreachable, full or read-only; retry after "
                                   "`Retry-After` seconds (the service recovers by itself)"),
                           "Error"),
}


def shared_responses() -> dict[str, Schema]:
    responses: dict[str, Schema] = {
        name: {"description": description, "content": {JSON: {"schema": ref(schema)}}}
        for name, (_, description, schema) in SHARED_ANSWERS.items()
    }
    responses["TooManyRequests"]["headers"] = {
        name: {"$ref": f"#/components/headers/{name}"} for name in HEADERS
    }
    responses["ServiceUnavailable"]["headers"] = {
        "Retry-After": {"$ref": "#/components/headers/Retry-After"}
    }
    return responses


def _scope_lines() -> str:
    return "\n".join(f"* `{name}`: {text}" for name, text in SCOPES.items())


SCOPES_DESCRIPTION = (
    "Each token holds **scopes** (DRYTRIX's names); each operation needs one, named in "
    "its `security` requirements and as `x-required-scope`. A call outside the token's "
    "scopes is `403` with `required_scope` and `available_scopes`. Scopes narrow what the "
    "user's role allows, never widen it.\n\n" + _scope_lines()
)

SECURITY_SCHEMES: dict[str, Schema] = {
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
               "description": "`EMAIL:TOKEN`, or the token alone"},
    "basic": {"type": "http", "scheme": "basic",
              "description": "the e-mail as user name and the token as password, "
                             "or the token alone as user name"},
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "`Authorization: Bearer TOKEN`.\n\n" + SCOPES_DESCRIPTION},
    "tokenQuery": {"type": "apiKey", "in": "query", "name": "token",
                   "description": "the token as a query parameter (or form field)"},
    "emailQuery": {"type": "apiKey", "in": "query", "name": "email",
                   "description": "the token owner's e-mail, with `token`"},
}

#: Any one of these logs in; an operation without a token says ``security: []``.
SECURITY = [
    {"apiKey": []},
    {"basic": []},
    {"bearer": []},
    {"tokenQuery": [], "emailQuery": []},
    {"tokenQuery": []},
]


def scoped_security(scope: str) -> list[Schema]:
    """An operation's security requirements: any way of logging in, with a token that
    holds ``scope`` (OpenAPI 3.1 lets any scheme's requirement name scopes; the e-mail
    beside a query token needs none)."""
    return [{name: ([] if name == "emailQuery" else [scope]) for name in requirement}
            for requirement in SECURITY]
