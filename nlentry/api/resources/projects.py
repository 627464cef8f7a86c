"""``/projects``: the workspace's projects with the caller's aliases."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import name_warnings, project_json
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.catalog_models import CatalogQuery, ProjectCreate, ProjectInput
from nlentry.api.request.fields import read_model
from nlentry.api.resources.aliases import (
    aliases_of,
    own_in_workspace,
    replace_aliases,
    with_aliases,
)
from nlentry.api.resources.catalog_common import (
    ETAG_NOTE,
    NOT_MODIFIED,
    apply_fields,
    catalog_list,
)
from nlentry.api.response_models import Project as ProjectShape
from nlentry.api.response_models import ProjectList
from nlentry.storage.catalog_versions import bump_workspace_catalog
from nlentry.storage.models import Client, Project
from nlentry.storage.queries.workspace_objects import archive, find_in_workspace, store

TAG = "Projects"
ID = {"id": "the project's id"}


@operation("GET", "/projects", tag=TAG, scope="read:projects", summary="The workspace's projects",
           description="Each project has its client and the caller's aliases. A plain list, "
                       "archived projects included, unless `page`, `per_page` or `size` is given."
                       + ETAG_NOTE,
           query=CatalogQuery, response=ProjectList, answer="the projects, or one page of them",
           more=NOT_MODIFIED, errors=("Invalid",))  # fmt: skip
def list_projects(call: Call) -> Response:
    return catalog_list(call, Project, "projects",
                        lambda rows: with_aliases(call, "project", rows, project_json))


@operation("GET", "/projects/{id:int}", tag=TAG, scope="read:projects", summary="One project", path_params=ID,
           response=ProjectShape, answer="the project", errors=("NotFound",))  # fmt: skip
def show_project(call: Call) -> Response:
    project = own_in_workspace(call, Project)
    return JSONResponse(project_json(project, aliases_of(call, "project", project.id)))


@operation("POST", "/projects", tag=TAG, scope="write:projects", summary="Create a project", request=ProjectCreate,
           request_description="the new project", response=ProjectShape, status=201,
           answer="the new project", errors=BODY_ERRORS, write=True)  # fmt: skip
def create_project(call: Call) -> Response:
    project = Project(workspace_id=call.caller.workspace_id, active=True, billable=True)
    return _save(call, project, ProjectCreate, 201)


@operation("PATCH", "/projects/{id:int}", tag=TAG, path_params=ID,
           scope="write:projects", summary="Rename, archive (`active=false`) or change a project", request=ProjectInput,
           request_description="the fields to change (`metadata` merges)", request_required=False,
           response=ProjectShape, answer="the changed project",
           errors=("NotFound", *BODY_ERRORS), write=True)  # fmt: skip
def update_project(call: Call) -> Response:
    return _save(call, own_in_workspace(call, Project), ProjectInput, 200)


@operation("DELETE", "/projects/{id:int}", tag=TAG, path_params=ID, scope="write:projects",
           summary="Archive a project (`active=false`)",
           description="Nothing is deleted: entries keep their project, and the caller's aliases "
                       "stay. The parser no longer offers it for new entries. Archiving an "
                       "archived project again is 204 too.",
           status=204, answer="archived; no body", errors=("NotFound",), write=True)  # fmt: skip
def delete_project(call: Call) -> Response:
    archive(call.session, own_in_workspace(call, Project))
    return Response(status_code=204)


def _save(call: Call, project: Project, fields: type[ProjectInput], status: int) -> Response:
    errors = call.errors()
    values = read_model(fields, call.fields, errors)
    apply_fields(project, values, errors)
    if "client_id" in values:  # blank or null detaches
        client_id = values["client_id"]
        client = client_id and find_in_workspace(call.session, Client, call.caller.workspace_id,
                                                 client_id)  # fmt: skip
        if client_id is not None and client is None:
            errors.add("client_id", "not_found")
        else:
            project.client_id = client.id if client else None
    errors.raise_if_any()
    store(call.session, project)
    if "aliases" in values:
        replace_aliases(call, "project", project.id, values["aliases"], errors)
    bump_workspace_catalog(call.session, call.caller.workspace_id)
    store(call.session, project)
    names = aliases_of(call, "project", project.id)
    answer = project_json(project, names)
    warnings = name_warnings(project.name, call.caller.locale)
    if warnings:  # only when there is one: the answer is otherwise the project's shape
        answer["warnings"] = warnings
    return JSONResponse(answer, status)
