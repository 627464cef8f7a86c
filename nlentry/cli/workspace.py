"""``nlentry client add``, ``nlentry project add``, ``nlentry service add``, ``nlentry alias add``:
set up a workspace from the shell.

Each acts as the user ``--email`` names: in that user's workspace, and an alias is that
user's own (as through the API). Each prints the new object's id alone on standard output
(``--json``: the object as the API answers it) and exits 0; a problem (an unknown e-mail,
client or project, an alias that is taken or a word for time, an invalid name) is one line
on standard error and exit status 2, and nothing is stored. The fields are read by the
API's own request models and stored by the storage functions the API uses.
"""

from __future__ import annotations

import argparse
from typing import Any

from nlentry.cli.acting import Refused, acting_options, group, run_as_user

# The storage layer (SQLAlchemy) and the API's models are imported inside each command, so
# that ``nlentry parse`` starts without them.

#: The locale of the messages printed (the command line speaks English).
LOCALE = "en"


def add_workspace_commands(commands) -> None:
    client = group(commands, "client", "manage the workspace's clients")
    add = client.add_parser("add", help="create a client and print its id")
    add.add_argument("name")
    acting_options(add)
    add.set_defaults(run=run_client_add)

    project = group(commands, "project", "manage the workspace's projects")
    add = project.add_parser("add", help="create a project and print its id")
    add.add_argument("name")
    acting_options(add)
    add.add_argument("--client", metavar="NAME", help="the project's client, by name")
    add.add_argument("--alias", metavar="A", action="extend", nargs="+", default=[],
                     help="the user's aliases for it (repeat, or give several)")
    add.add_argument("--not-billable", action="store_true",
                     help="its entries are not billable (default: billable)")
    add.set_defaults(run=run_project_add)

    service = group(commands, "service", "manage the workspace's services")
    add = service.add_parser("add", help="create a service and print its id")
    add.add_argument("name")
    acting_options(add)
    add.add_argument("--alias", metavar="A", action="extend", nargs="+", default=[],
                     help="the user's aliases for it (repeat, or give several)")
    add.set_defaults(run=run_service_add)

    alias = group(commands, "alias", "manage a user's aliases")
    add = alias.add_parser("add", help="give a project or service one of the user's aliases "
                                       "and print the alias's id")
    add.add_argument("alias")
    acting_options(add)
    target = add.add_mutually_exclusive_group(required=True)
    target.add_argument("--project", metavar="NAME", help="the project, by name")
    target.add_argument("--service", metavar="NAME", help="the service, by name")
    add.set_defaults(run=run_alias_add)


# --- the commands -----------------------------------------------------------------------------


def run_client_add(args: argparse.Namespace) -> int:
    def add(session, user) -> tuple[int, dict[str, Any]]:
        from nlentry.api.json_shapes import client_json
        from nlentry.api.request.catalog_models import ClientCreate
        from nlentry.storage.models import Client
        from nlentry.storage.queries.workspace_objects import store

        values = _read(ClientCreate, {"name": args.name})
        client = store(session, Client(workspace_id=user.workspace_id, name=values["name"],
                                       active=True))  # fmt: skip
        return client.id, client_json(client, [])

    return run_as_user(args, add)


def run_project_add(args: argparse.Namespace) -> int:
    def add(session, user) -> tuple[int, dict[str, Any]]:
        from nlentry.api.json_shapes import project_json
        from nlentry.api.request.catalog_models import ProjectCreate
        from nlentry.storage.models import Client, Project

        values = _read(ProjectCreate, {"name": args.name, "aliases": args.alias,
                                       "billable": not args.not_billable})  # fmt: skip
        client_id = None
        if args.client is not None:
            client_id = _named(session, Client, user, args.client, "client").id
        project = Project(workspace_id=user.workspace_id, name=values["name"], active=True,
                          billable=values["billable"], client_id=client_id)  # fmt: skip
        names = _save_target(session, user, "project", project, values["aliases"])
        return project.id, _with_warnings(project_json(project, names))

    return run_as_user(args, add)


def run_service_add(args: argparse.Namespace) -> int:
    def add(session, user) -> tuple[int, dict[str, Any]]:
        from nlentry.api.json_shapes import service_json
        from nlentry.api.request.catalog_models import ServiceCreate
        from nlentry.storage.models import Service

        values = _read(ServiceCreate, {"name": args.name, "aliases": args.alias})
        service = Service(workspace_id=user.workspace_id, name=values["name"], active=True)
        names = _save_target(session, user, "service", service, values["aliases"])
        return service.id, _with_warnings(service_json(service, names))

    return run_as_user(args, add)


def run_alias_add(args: argparse.Namespace) -> int:
    def add(session, user) -> tuple[int, dict[str, Any]]:
        from nlentry.api.json_shapes import project_json, service_json
        from nlentry.api.request.catalog_models import AliasInput
        from nlentry.storage.models import Project, Service
        from nlentry.storage.queries import aliases as stored

        name = _read(AliasInput, {"alias": args.alias})["alias"][0]
        kind = "project" if args.project is not None else "service"
        model, shape = (Project, project_json) if kind == "project" else (Service, service_json)
        target = _named(session, model, user, args.project or args.service, kind)
        _alias_problems(session, [(name, stored.add_alias(session, user.id, kind, target.id,
                                                          name))])  # fmt: skip
        alias = stored.find_alias(session, user.id, name)
        return alias.id, shape(target, stored.aliases_of(session, user.id, kind, target.id))

    return run_as_user(args, add)


# --- their parts --------------------------------------------------------------------------------


def _read(model, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` read by the API's request ``model``; a refused one is ``Refused``."""
    from nlentry.api.request.fields import FieldErrors, read_model

    errors = FieldErrors(LOCALE)
    values = read_model(model, fields, errors)
    if errors:
        raise Refused("; ".join(f"{_label(field)} {' and '.join(texts)}"
                                for field, texts in errors.errors.items()))  # fmt: skip
    return values


def _label(field: str) -> str:
    return {"name": "the name", "aliases": "an alias", "alias": "the alias"}.get(field, field)


def _named(session, model, user, name: str, kind: str):
    """The user's workspace's ``kind`` called ``name`` (case aside), else ``Refused``."""
    from nlentry.storage.queries.workspace_objects import find_by_name

    found = find_by_name(session, model, user.workspace_id, name)
    if found is None:
        raise Refused(f"no {kind} called {name.strip()!r} in the workspace of {user.email} "
                      f"(add one with: nlentry {kind} add NAME --email {user.email})")
    return found


def _save_target(session, user, kind: str, target, aliases: list[str]) -> list[str]:
    """Store a new project or service with the user's ``aliases``: the aliases as stored."""
    from nlentry.storage.catalog_versions import bump_workspace_catalog
    from nlentry.storage.queries import aliases as stored
    from nlentry.storage.queries.workspace_objects import store

    store(session, target)
    if aliases:
        _alias_problems(session, stored.replace_aliases(session, user.id, kind, target.id,
                                                        aliases))  # fmt: skip
    bump_workspace_catalog(session, user.workspace_id)
    store(session, target)
    return stored.aliases_of(session, user.id, kind, target.id)


def _with_warnings(answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` with the API's ``warnings`` when its name is a word for time."""
    from nlentry.api.json_shapes import name_warnings

    warnings = name_warnings(answer["name"], LOCALE)
    return {**answer, "warnings": warnings} if warnings else answer


def _alias_problems(session, problems: list[tuple[str, str | None]]) -> None:
    """``Refused`` for the first ``(alias, problem key)`` with a problem."""
    from nlentry.parsing import message

    for name, key in problems:
        if key is not None:
            raise Refused(f"alias {name!r} {message(LOCALE, key)}")
