"""The caller's aliases: add, remove, replace; one alias names one thing.

``POST /projects/{id}/aliases.json`` (field ``alias``) and
``DELETE /projects/{id}/aliases/{alias}.json``, the same under ``/services``.
An alias the same user already gives to another project or service is
refused with 422, naming it.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import Invalid, not_found, or_404
from nlentry.api.json_shapes import project_json, service_json
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.fields import FieldErrors, path_id, read_name_list, read_text
from nlentry.storage.models import Project, Service
from nlentry.storage.queries import aliases as stored
from nlentry.storage.queries.workspace_objects import find_in_workspace

_TARGETS = {"project": Project, "service": Service}


def aliases_of(call: Call, kind: str, target_id: int) -> list[str]:
    return stored.aliases_of(call.session, call.caller.user_id, kind, target_id)


def replace_aliases(call: Call, kind: str, target_id: int, names: list[str],
                    errors: FieldErrors, field: str = "aliases") -> None:  # fmt: skip
    """Make ``names`` the caller's aliases for this target (422 on a conflict)."""
    problems = _raced(call, field, stored.replace_aliases, kind, target_id, names)
    for name, key in problems:
        errors.add(field, key, prefix=name)
    errors.raise_if_any()


def _add_alias(call: Call, kind: str, target_id: int, name: str, field: str = "alias") -> None:
    problem = _raced(call, field, stored.add_alias, kind, target_id, name)
    if problem is not None:
        errors = call.errors()
        errors.add(field, problem, prefix=name if problem == "taken" else "")
        errors.raise_if_any()


def _raced(call: Call, field: str, change, *args):
    try:
        return change(call.session, call.caller.user_id, *args)
    except stored.AliasRace:
        errors = call.errors()
        errors.add(field, "taken")
        raise Invalid(errors.errors) from None


def _target(call: Call, kind: str):
    model = _TARGETS[kind]
    id = path_id(call.path_params["id"])
    return or_404(find_in_workspace(call.session, model, call.caller.workspace_id, id))


def _target_json(call: Call, kind: str, target) -> dict:
    names = aliases_of(call, kind, target.id)
    return project_json(target, names) if kind == "project" else service_json(target, names)


def _create(kind: str):
    def create_alias(call: Call) -> Response:
        target = _target(call, kind)
        errors = call.errors()
        value = call.fields.get("alias", call.fields.get("name"))
        if isinstance(value, list):  # repeated form fields or a JSON list: each a name
            names = read_name_list(value, "alias", errors)
            if names == []:
                errors.add("alias", "blank")
        else:
            name = read_text(value, "alias", errors)
            names = [name.strip()] if name is not None else []
        errors.raise_if_any()
        for name in names:
            _add_alias(call, kind, target.id, name)
        return JSONResponse(_target_json(call, kind, target), 201)

    create_alias.__name__ = f"create_{kind}_alias"
    return authenticated(create_alias, write=True)


def _delete(kind: str):
    def delete_alias(call: Call) -> Response:
        target = _target(call, kind)
        name = str(call.path_params["alias"])
        if not stored.delete_alias(call.session, call.caller.user_id, kind, target.id, name):
            raise not_found()
        return Response(status_code=204)

    delete_alias.__name__ = f"delete_{kind}_alias"
    return authenticated(delete_alias, write=True)


create_project_alias = _create("project")
delete_project_alias = _delete("project")
create_service_alias = _create("service")
delete_service_alias = _delete("service")
