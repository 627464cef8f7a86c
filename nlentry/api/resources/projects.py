"""``/projects``: the workspace's projects with the caller's aliases."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import project_json
from nlentry.api.lookups import path_id, workspace_object, workspace_object_or_none
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.fields import (
    FieldErrors,
    apply_name_and_active,
    read_name_list,
    read_optional_id,
)
from nlentry.api.resources.aliases import aliases_of, replace_aliases
from nlentry.storage.catalog_source import aliases_by_target, bump_workspace_catalog
from nlentry.storage.models import Client, Project


@authenticated
def list_projects(call: Call) -> Response:
    aliases = aliases_by_target(call.session, call.caller.user_id)
    projects = call.session.scalars(
        select(Project).where(Project.workspace_id == call.caller.workspace_id).order_by(Project.id)
    )
    return JSONResponse([project_json(p, aliases.get(("project", p.id), [])) for p in projects])


@authenticated
def show_project(call: Call) -> Response:
    project = workspace_object(call.session, Project, call.caller, path_id(call.path_params["id"]))
    return JSONResponse(project_json(project, aliases_of(call.session, call.caller, "project",
                                                         project.id)))


@authenticated(write=True)
def create_project(call: Call) -> Response:
    project = Project(workspace_id=call.caller.workspace_id, active=True)
    errors = call.errors()
    aliases = _apply_fields(call, project, errors, creating=True)
    errors.raise_if_any()
    call.session.add(project)
    call.session.flush()
    if aliases is not None:
        replace_aliases(call.session, call.caller, "project", project.id, aliases, errors)
    bump_workspace_catalog(call.session, call.caller.workspace_id)
    call.session.refresh(project)
    names = aliases_of(call.session, call.caller, "project", project.id)
    return JSONResponse(project_json(project, names), 201)


@authenticated(write=True)
def update_project(call: Call) -> Response:
    project = workspace_object(call.session, Project, call.caller, path_id(call.path_params["id"]))
    errors = call.errors()
    aliases = _apply_fields(call, project, errors, creating=False)
    errors.raise_if_any()
    if aliases is not None:
        replace_aliases(call.session, call.caller, "project", project.id, aliases, errors)
    bump_workspace_catalog(call.session, call.caller.workspace_id)
    call.session.flush()
    call.session.refresh(project)
    names = aliases_of(call.session, call.caller, "project", project.id)
    return JSONResponse(project_json(project, names))


def _apply_fields(call: Call, project: Project, errors: FieldErrors, *, creating: bool):
    """Set name, active and client from the request; the new aliases or None."""
    fields = call.fields
    apply_name_and_active(fields, project, errors, creating=creating)
    if "client_id" in fields:
        ok, client_id = read_optional_id(fields["client_id"], "client_id", errors)
        if ok and client_id is not None:
            client = workspace_object_or_none(call.session, Client, call.caller, client_id)
            if client is None:
                errors.add("client_id", "not_found")
            else:
                project.client_id = client.id
        elif ok:
            project.client_id = None
    if "aliases" in fields:
        return read_name_list(fields["aliases"], "aliases", errors)
    return None
