"""The caller's aliases: add, remove, replace; one alias names one thing.

``POST /projects/{id}/aliases.json`` (field ``alias``) and
``DELETE /projects/{id}/aliases/{alias}.json``, the same under ``/services``.
An alias the same user already gives to another project or service is
refused with 422, naming it.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from nlentry.api.credentials import Caller
from nlentry.api.errors import Invalid, not_found
from nlentry.api.json_shapes import project_json, service_json
from nlentry.api.lookups import path_id, workspace_object
from nlentry.api.pipeline import Call, authenticated
from nlentry.api.request.fields import FieldErrors, read_name_list, read_text
from nlentry.parsing.words import phrase_words
from nlentry.storage.catalog_source import bump_user_catalog
from nlentry.storage.models import Alias, Project, Service

_TARGETS = {"project": Project, "service": Service}


def normalize_alias(name: str) -> str:
    return " ".join(phrase_words(name))


def aliases_of(session: Session, caller: Caller, kind: str, target_id: int) -> list[str]:
    column = Alias.project_id if kind == "project" else Alias.service_id
    return list(
        session.scalars(
            select(Alias.name)
            .where(Alias.user_id == caller.user_id, column == target_id)
            .order_by(Alias.id)
        )
    )


def replace_aliases(
    session: Session, caller: Caller, kind: str, target_id: int, names: list[str],
    errors: FieldErrors, field: str = "aliases",
) -> None:
    """Make ``names`` the caller's aliases for this target (422 on a conflict)."""
    column = Alias.project_id if kind == "project" else Alias.service_id
    session.execute(delete(Alias).where(Alias.user_id == caller.user_id, column == target_id))
    session.flush()
    seen: set[str] = set()
    for name in names:
        normalized = normalize_alias(name)
        if not normalized:
            errors.add(field, "invalid", prefix=name)
            continue
        if normalized in seen:
            continue
        seen.add(normalized)
        _add(session, caller, kind, target_id, name, normalized, errors, field)
    errors.raise_if_any()
    _flush(session, caller, field)


def add_alias(
    session: Session, caller: Caller, kind: str, target_id: int, name: str,
    errors: FieldErrors, field: str = "alias",
) -> None:
    normalized = normalize_alias(name)
    if not normalized:
        errors.add(field, "invalid")
        errors.raise_if_any()
    _add(session, caller, kind, target_id, name, normalized, errors, field)
    errors.raise_if_any()
    _flush(session, caller, field)


def _add(session, caller, kind, target_id, name, normalized, errors, field) -> None:
    existing = session.scalar(
        select(Alias).where(Alias.user_id == caller.user_id, Alias.normalized == normalized)
    )
    if existing is not None:
        same = (existing.project_id if kind == "project" else existing.service_id) == target_id
        if not same:
            errors.add(field, "taken", prefix=name)
        return
    alias = Alias(user_id=caller.user_id, name=name.strip(), normalized=normalized)
    if kind == "project":
        alias.project_id = target_id
    else:
        alias.service_id = target_id
    session.add(alias)


def _flush(session: Session, caller: Caller, field: str) -> None:
    try:
        session.flush()
    except IntegrityError:  # a concurrent request took the same alias
        session.rollback()
        errors = FieldErrors(caller.locale)
        errors.add(field, "taken")
        raise Invalid(errors.errors) from None
    bump_user_catalog(session, caller.user_id)


def _target_json(call: Call, kind: str, target) -> dict:
    names = aliases_of(call.session, call.caller, kind, target.id)
    return project_json(target, names) if kind == "project" else service_json(target, names)


def _create(kind: str):
    def create_alias(call: Call) -> Response:
        target = workspace_object(
            call.session, _TARGETS[kind], call.caller, path_id(call.path_params["id"])
        )
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
            add_alias(call.session, call.caller, kind, target.id, name, call.errors())
        return JSONResponse(_target_json(call, kind, target), 201)

    create_alias.__name__ = f"create_{kind}_alias"
    return authenticated(create_alias, write=True)


def _delete(kind: str):
    def delete_alias(call: Call) -> Response:
        target = workspace_object(
            call.session, _TARGETS[kind], call.caller, path_id(call.path_params["id"])
        )
        column = Alias.project_id if kind == "project" else Alias.service_id
        normalized = normalize_alias(str(call.path_params["alias"]))
        result = call.session.execute(
            delete(Alias).where(
                Alias.user_id == call.caller.user_id,
                column == target.id,
                Alias.normalized == normalized,
            )
        )
        if not normalized or result.rowcount == 0:
            raise not_found()
        bump_user_catalog(call.session, call.caller.user_id)
        return Response(status_code=204)

    delete_alias.__name__ = f"delete_{kind}_alias"
    return authenticated(delete_alias, write=True)


create_project_alias = _create("project")
delete_project_alias = _delete("project")
create_service_alias = _create("service")
delete_service_alias = _delete("service")
