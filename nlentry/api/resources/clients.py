"""``/clients``: the workspace's clients, each with its projects and the caller's aliases."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import client_json, project_json
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.catalog_models import CatalogQuery, ClientCreate, ClientInput
from nlentry.api.resources.aliases import own_in_workspace
from nlentry.api.resources.catalog_common import (
    ETAG_NOTE,
    NOT_MODIFIED,
    apply_fields,
    catalog_list,
)
from nlentry.api.response_models import Client as ClientShape
from nlentry.api.response_models import ClientList
from nlentry.storage.catalog_versions import bump_workspace_catalog
from nlentry.storage.models import Client
from nlentry.storage.queries.aliases import aliases_by_target
from nlentry.storage.queries.workspace_objects import archive, projects_by_client, store

TAG = "Clients"
ID = {"id": "the client's id"}


def _clients_json(call: Call, clients) -> list[dict]:
    aliases = aliases_by_target(call.session, call.caller.user_id)
    projects = projects_by_client(call.session, [c.id for c in clients])

    def project(p):
        return project_json(p, aliases.get(("project", p.id), []))

    return [client_json(c, [project(p) for p in projects[c.id]]) for c in clients]


@operation("GET", "/clients", tag=TAG, scope="read:clients", summary="The workspace's clients",
           description="Each client has its projects, with the caller's aliases. A plain list, "
                       "archived clients included, unless `page`, `per_page` or `size` is given."
                       + ETAG_NOTE,
           query=CatalogQuery, response=ClientList, answer="the clients, or one page of them",
           more=NOT_MODIFIED, errors=("Invalid",))  # fmt: skip
def list_clients(call: Call) -> Response:
    return catalog_list(call, Client, "clients", lambda rows: _clients_json(call, rows))


@operation("GET", "/clients/{id:int}", tag=TAG, scope="read:clients", summary="One client", path_params=ID,
           response=ClientShape, answer="the client", errors=("NotFound",))  # fmt: skip
def show_client(call: Call) -> Response:
    return JSONResponse(_clients_json(call, [own_in_workspace(call, Client)])[0])


@operation("POST", "/clients", tag=TAG, scope="write:clients", summary="Create a client", request=ClientCreate,
           request_description="the new client", response=ClientShape, status=201,
           answer="the new client", errors=BODY_ERRORS, write=True)  # fmt: skip
def create_client(call: Call) -> Response:
    client = Client(workspace_id=call.caller.workspace_id, active=True)
    return _save(call, client, ClientCreate, 201)


@operation("PATCH", "/clients/{id:int}", tag=TAG, path_params=ID,
           scope="write:clients", summary="Rename, archive (`active=false`) or change a client", request=ClientInput,
           request_description="the fields to change (`metadata` merges)", request_required=False,
           response=ClientShape, answer="the changed client", errors=("NotFound", *BODY_ERRORS),
           write=True)  # fmt: skip
def update_client(call: Call) -> Response:
    return _save(call, own_in_workspace(call, Client), ClientInput, 200)


@operation("DELETE", "/clients/{id:int}", tag=TAG, path_params=ID, scope="write:clients",
           summary="Archive a client (`active=false`)",
           description="Nothing is deleted: entries keep their client. Archiving an archived "
                       "client again is 204 too.",
           status=204, answer="archived; no body", errors=("NotFound",), write=True)  # fmt: skip
def delete_client(call: Call) -> Response:
    archive(call.session, own_in_workspace(call, Client))
    return Response(status_code=204)


def _save(call: Call, client: Client, fields: type[ClientInput], status: int) -> Response:
    errors = call.errors()
    apply_fields(client, call.read(fields), errors)
    errors.raise_if_any()
    store(call.session, client)
    if status == 200:
        bump_workspace_catalog(call.session, call.caller.workspace_id)  # the catalog shows clients
    return JSONResponse(_clients_json(call, [client])[0], status)
