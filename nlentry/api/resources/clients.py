"""``/clients``: the workspace's clients, each with its projects and the caller's aliases."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import or_404
from nlentry.api.json_shapes import client_json, project_json
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.fields import apply_name_and_active, path_id
from nlentry.storage.catalog_versions import bump_workspace_catalog
from nlentry.storage.models import Client
from nlentry.storage.queries.aliases import aliases_by_target
from nlentry.storage.queries.workspace_objects import (
    find_in_workspace,
    list_in_workspace,
    projects_by_client,
    store,
)


def _clients_json(call: Call, clients: list[Client]) -> list[dict]:
    aliases = aliases_by_target(call.session, call.caller.user_id)
    projects = projects_by_client(call.session, [c.id for c in clients])
    def project(p):
        return project_json(p, aliases.get(("project", p.id), []))

    return [client_json(c, [project(p) for p in projects[c.id]]) for c in clients]


def _own_client(call: Call) -> Client:
    id = path_id(call.path_params["id"])
    return or_404(find_in_workspace(call.session, Client, call.caller.workspace_id, id))


@authenticated
def list_clients(call: Call) -> Response:
    clients = list_in_workspace(call.session, Client, call.caller.workspace_id)
    return JSONResponse(_clients_json(call, clients))


@authenticated
def show_client(call: Call) -> Response:
    return JSONResponse(_clients_json(call, [_own_client(call)])[0])


@authenticated(write=True)
def create_client(call: Call) -> Response:
    client = Client(workspace_id=call.caller.workspace_id, active=True)
    errors = call.errors()
    apply_name_and_active(call.fields, client, errors, creating=True)
    errors.raise_if_any()
    store(call.session, client)
    return JSONResponse(_clients_json(call, [client])[0], 201)


@authenticated(write=True)
def update_client(call: Call) -> Response:
    client = _own_client(call)
    errors = call.errors()
    apply_name_and_active(call.fields, client, errors, creating=False)
    errors.raise_if_any()
    store(call.session, client)
    bump_workspace_catalog(call.session, call.caller.workspace_id)  # the catalog shows clients
    return JSONResponse(_clients_json(call, [client])[0])
