"""``/services``: the workspace's services (activities) with the caller's aliases."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import service_json
from nlentry.api.lookups import path_id, workspace_object
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.fields import FieldErrors, apply_name_and_active, read_name_list
from nlentry.api.resources.aliases import aliases_of, replace_aliases
from nlentry.storage.catalog_source import aliases_by_target, bump_workspace_catalog
from nlentry.storage.models import Service


@authenticated
def list_services(call: Call) -> Response:
    aliases = aliases_by_target(call.session, call.caller.user_id)
    services = call.session.scalars(
        select(Service).where(Service.workspace_id == call.caller.workspace_id).order_by(Service.id)
    )
    return JSONResponse([service_json(s, aliases.get(("service", s.id), [])) for s in services])


@authenticated
def show_service(call: Call) -> Response:
    service = workspace_object(call.session, Service, call.caller, path_id(call.path_params["id"]))
    names = aliases_of(call.session, call.caller, "service", service.id)
    return JSONResponse(service_json(service, names))


@authenticated(write=True)
def create_service(call: Call) -> Response:
    service = Service(workspace_id=call.caller.workspace_id, active=True)
    errors = call.errors()
    aliases = _apply_fields(call, service, errors, creating=True)
    errors.raise_if_any()
    call.session.add(service)
    call.session.flush()
    if aliases is not None:
        replace_aliases(call.session, call.caller, "service", service.id, aliases, errors)
    bump_workspace_catalog(call.session, call.caller.workspace_id)
    names = aliases_of(call.session, call.caller, "service", service.id)
    return JSONResponse(service_json(service, names), 201)


@authenticated(write=True)
def update_service(call: Call) -> Response:
    service = workspace_object(call.session, Service, call.caller, path_id(call.path_params["id"]))
    errors = call.errors()
    aliases = _apply_fields(call, service, errors, creating=False)
    errors.raise_if_any()
    if aliases is not None:
        replace_aliases(call.session, call.caller, "service", service.id, aliases, errors)
    bump_workspace_catalog(call.session, call.caller.workspace_id)
    names = aliases_of(call.session, call.caller, "service", service.id)
    return JSONResponse(service_json(service, names))


def _apply_fields(call: Call, service: Service, errors: FieldErrors, *, creating: bool):
    fields = call.fields
    apply_name_and_active(fields, service, errors, creating=creating)
    if "aliases" in fields:
        return read_name_list(fields["aliases"], "aliases", errors)
    return None
