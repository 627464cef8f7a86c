"""The caller's aliases: add, remove, replace; one alias names one thing.

``POST /projects/{id}/aliases.json`` (field ``alias``) and
``DELETE /projects/{id}/aliases/{alias}.json``, the same under ``/services``.
An alias the same user already gives to another project or service is
refused with 422, naming it. The ``{alias}`` of a path is the rest of the
path, so an alias with a ``/`` in it is removed by its name, written as it is
or percent-encoded (``a%2Fb``).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import Invalid, not_found, or_404
from nlentry.api.json_shapes import project_json, service_json
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.body import is_storable
from nlentry.api.request.catalog_models import AliasInput
from nlentry.api.request.fields import AliasName, FieldErrors, path_id
from nlentry.api.response_models import Project as ProjectShape
from nlentry.api.response_models import Service as ServiceShape
from nlentry.storage.models import Project, Service
from nlentry.storage.queries import aliases as stored
from nlentry.storage.queries.workspace_objects import find_in_workspace

_TARGETS = {"project": Project, "service": Service}
#: Problems whose message does not repeat the name (it has no word, or is too long).
_UNNAMED = ("invalid", "too_long")
_SHAPES = {"project": ProjectShape, "service": ServiceShape}


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
        errors.add(field, problem, prefix="" if problem in _UNNAMED else name)
        errors.raise_if_any()


def _raced(call: Call, field: str, change, *args):
    try:
        return change(call.session, call.caller.user_id, *args)
    except stored.AliasRace:
        errors = call.errors()
        errors.add(field, "taken")
        raise Invalid(errors.errors) from None


def own_in_workspace(call: Call, model):
    """The client, project or service of the path's ``id`` in the caller's workspace, or 404."""
    id = path_id(call.path_params["id"])
    return or_404(find_in_workspace(call.session, model, call.caller.workspace_id, id))


def with_aliases(call: Call, kind: str, items, shape) -> list[dict]:
    """``shape(item, the caller's aliases of it)`` for each project or service."""
    aliases = stored.aliases_by_target(call.session, call.caller.user_id)
    return [shape(item, aliases.get((kind, item.id), [])) for item in items]


def _target(call: Call, kind: str):
    return own_in_workspace(call, _TARGETS[kind])


def _target_json(call: Call, kind: str, target) -> dict:
    names = aliases_of(call, kind, target.id)
    return project_json(target, names) if kind == "project" else service_json(target, names)


def _create(kind: str, plural: str):
    @operation("POST", f"/{plural}/{{id:int}}/aliases", name=f"create_{kind}_alias",
               tag="Aliases", scope="write:projects", summary=f"Add one of the caller's aliases to a {kind}",
               description="An alias the caller already gives to another project or service "
                           "is refused with 422, naming `alias`.",
               path_params={"id": f"the {kind}'s id"}, request=AliasInput,
               request_description="the alias", response=_SHAPES[kind], status=201,
               answer=f"the {kind} with the caller's aliases", errors=("NotFound", *BODY_ERRORS),
               write=True)  # fmt: skip
    def create_alias(call: Call) -> Response:
        target = _target(call, kind)
        # one name, or (repeated form fields, a JSON list) several; ``name`` is read as
        # ``alias`` when there is no ``alias``; any other field is refused, naming it
        fields = dict(call.fields)
        if "alias" not in fields and "name" in fields:
            fields["alias"] = fields.pop("name")
        for name in call.read(AliasInput, fields)["alias"]:
            _add_alias(call, kind, target.id, name)
        return JSONResponse(_target_json(call, kind, target), 201)

    return create_alias


def _delete(kind: str, plural: str):
    # ``path``: the rest of the path, ``/`` included (``%2F`` arrives decoded as one)
    @operation("DELETE", f"/{plural}/{{id:int}}/aliases/{{alias:path}}",
               name=f"delete_{kind}_alias",
               tag="Aliases", scope="write:projects", summary=f"Remove one of the caller's aliases of a {kind}",
               path_params={"id": f"the {kind}'s id", "alias": ("the alias to remove", AliasName)},
               status=204, answer="removed; no body", errors=("NotFound",), write=True)  # fmt: skip
    def delete_alias(call: Call) -> Response:
        target = _target(call, kind)
        name = str(call.path_params["alias"])
        if not is_storable(name):  # a %00 in the path: no alias has it, nor may reach SQL
            errors = call.errors()
            errors.add("alias", "invalid")
            errors.raise_if_any()
        if not stored.delete_alias(call.session, call.caller.user_id, kind, target.id, name):
            raise not_found()
        return Response(status_code=204)

    return delete_alias


create_project_alias = _create("project", "projects")
delete_project_alias = _delete("project", "projects")
create_service_alias = _create("service", "services")
delete_service_alias = _delete("service", "services")
