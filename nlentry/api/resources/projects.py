"""``/projects``: the workspace's projects with the caller's aliases."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import or_404
from nlentry.api.json_shapes import project_json
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.fields import (
    FieldErrors,
    apply_name_and_active,
    path_id,
    read_name_list,
    read_optional_id,
)
from nlentry.api.resources.aliases import aliases_of, replace_aliases
from nlentry.storage.catalog_versions import bump_workspace_catalog
from nlentry.storage.models import Client, Project
from nlentry.storage.queries.aliases import aliases_by_target
from nlentry.storage.queries.workspace_objects import find_in_workspace, list_in_workspace, store


def _own_project(call: Call) -> Project:
    id = path_id(call.path_params["id"])
    return or_404(find_in_workspace(call.session, Project, call.caller.workspace_id, id))


@authenticated
def list_projects(call: Call) -> Response:
    aliases = aliases_by_target(call.session, call.caller.user_id)
    projects = list_in_workspace(call.session, Project, call.caller.workspace_id)
    return JSONResponse([project_json(p, aliases.get(("project", p.id), [])) for p in projects])


@authenticated
def show_project(call: Call) -> Response:
    project = _own_project(call)
    return JSONResponse(project_json(project, aliases_of(call, "project", project.id)))


@authenticated(write=True)
def create_project(call: Call) -> Response:
    project = Project(workspace_id=call.caller.workspace_id, active=True)
    return _save(call, project, creating=True)


@authenticated(write=True)
def update_project(call: Call) -> Response:
    return _save(call, _own_project(call), creating=False)


def _save(call: Call, project: Project, *, creating: bool) -> Response:
    errors = call.errors()
    aliases = _apply_fields(call, project, errors, creating=creating)
    errors.raise_if_any()
    store(call.session, project)
    if aliases is not None:
        replace_aliases(call, "project", project.id, aliases, errors)
    bump_workspace_catalog(call.session, call.caller.workspace_id)
    store(call.session, project)
    names = aliases_of(call, "project", project.id)
    return JSONResponse(project_json(project, names), 201 if creating else 200)


def _apply_fields(call: Call, project: Project, errors: FieldErrors, *, creating: bool):
    """Set name, active and client from the request; the new aliases or None."""
    fields = call.fields
    apply_name_and_active(fields, project, errors, creating=creating)
    if "client_id" in fields:
        ok, client_id = read_optional_id(fields["client_id"], "client_id", errors)
        if ok and client_id is not None:
            client = find_in_workspace(call.session, Client, call.caller.workspace_id, client_id)
            if client is None:
                errors.add("client_id", "not_found")
            else:
                project.client_id = client.id
        elif ok:
            project.client_id = None
    if "aliases" in fields:
        return read_name_list(fields["aliases"], "aliases", errors)
    return None
