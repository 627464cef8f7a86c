"""``/services``: the workspace's services (activities) with the caller's aliases."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.errors import or_404
from nlentry.api.json_shapes import service_json
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.fields import apply_name_and_active, path_id, read_name_list
from nlentry.api.resources.aliases import aliases_of, replace_aliases
from nlentry.storage.catalog_versions import bump_workspace_catalog
from nlentry.storage.models import Service
from nlentry.storage.queries.aliases import aliases_by_target
from nlentry.storage.queries.workspace_objects import find_in_workspace, list_in_workspace, store


def _own_service(call: Call) -> Service:
    id = path_id(call.path_params["id"])
    return or_404(find_in_workspace(call.session, Service, call.caller.workspace_id, id))


@authenticated
def list_services(call: Call) -> Response:
    aliases = aliases_by_target(call.session, call.caller.user_id)
    services = list_in_workspace(call.session, Service, call.caller.workspace_id)
    return JSONResponse([service_json(s, aliases.get(("service", s.id), [])) for s in services])


@authenticated
def show_service(call: Call) -> Response:
    service = _own_service(call)
    return JSONResponse(service_json(service, aliases_of(call, "service", service.id)))


@authenticated(write=True)
def create_service(call: Call) -> Response:
    return _save(call, Service(workspace_id=call.caller.workspace_id, active=True), creating=True)


@authenticated(write=True)
def update_service(call: Call) -> Response:
    return _save(call, _own_service(call), creating=False)


def _save(call: Call, service: Service, *, creating: bool) -> Response:
    errors = call.errors()
    apply_name_and_active(call.fields, service, errors, creating=creating)
    aliases = None
    if "aliases" in call.fields:
        aliases = read_name_list(call.fields["aliases"], "aliases", errors)
    errors.raise_if_any()
    store(call.session, service)
    if aliases is not None:
        replace_aliases(call, "service", service.id, aliases, errors)
    bump_workspace_catalog(call.session, call.caller.workspace_id)
    names = aliases_of(call, "service", service.id)
    return JSONResponse(service_json(service, names), 201 if creating else 200)
