"""``/clients``: the workspace's clients, each with its projects and the caller's aliases."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import client_json, project_json
from nlentry.api.lookups import path_id, workspace_object
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.fields import FieldErrors, apply_name_and_active
from nlentry.storage.catalog_source import aliases_by_target, bump_workspace_catalog
from nlentry.storage.models import Client, Project


def _clients_json(call: Call, clients: list[Client]) -> list[dict]:
    aliases = aliases_by_target(call.session, call.caller.user_id)
    ids = [c.id for c in clients]
    projects: dict[int, list[dict]] = {id: [] for id in ids}
    if ids:
        rows = call.session.scalars(
            select(Project).where(Project.client_id.in_(ids)).order_by(Project.id)
        )
        for project in rows:
            projects[project.client_id].append(
                project_json(project, aliases.get(("project", project.id), []))
            )
    return [client_json(c, projects[c.id]) for c in clients]


@authenticated
def list_clients(call: Call) -> Response:
    clients = list(
        call.session.scalars(
            select(Client).where(Client.workspace_id == call.caller.workspace_id).order_by(Client.id)
        )
    )
    return JSONResponse(_clients_json(call, clients))


@authenticated
def show_client(call: Call) -> Response:
    client = workspace_object(call.session, Client, call.caller, path_id(call.path_params["id"]))
    return JSONResponse(_clients_json(call, [client])[0])


@authenticated(write=True)
def create_client(call: Call) -> Response:
    client = Client(workspace_id=call.caller.workspace_id, active=True)
    errors = call.errors()
    _apply_fields(call, client, errors, creating=True)
    errors.raise_if_any()
    call.session.add(client)
    call.session.flush()
    return JSONResponse(_clients_json(call, [client])[0], 201)


@authenticated(write=True)
def update_client(call: Call) -> Response:
    client = workspace_object(call.session, Client, call.caller, path_id(call.path_params["id"]))
    errors = call.errors()
    _apply_fields(call, client, errors, creating=False)
    errors.raise_if_any()
    call.session.flush()
    bump_workspace_catalog(call.session, call.caller.workspace_id)  # the catalog shows clients
    return JSONResponse(_clients_json(call, [client])[0])


def _apply_fields(call: Call, client: Client, errors: FieldErrors, *, creating: bool) -> None:
    apply_name_and_active(call.fields, client, errors, creating=creating)
