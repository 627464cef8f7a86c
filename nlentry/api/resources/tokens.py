"""``/tokens``: the caller's own API tokens; list, create (the secret shown once), revoke.

Every operation here needs ``admin:all``: a token narrowed to some scopes can
neither mint tokens (with its own scopes or any other) nor revoke them, so a
leaked narrow token cannot make itself a lasting one. A new token never holds a
scope the creating token lacks (``scopes.not_grantable``; with ``admin:all``
required that is every scope, but the rule stands on its own).
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import JSONResponse, Response

from nlentry.api.account_shapes import NewToken, Token, new_token_json, token_json
from nlentry.api.errors import not_found
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.account_models import MAX_EXPIRES_IN_DAYS, TokenCreate
from nlentry.api.request.fields import path_id
from nlentry.api.resources.users import refuse_query
from nlentry.api.scopes import not_grantable
from nlentry.storage.api_tokens import issue_token, live_tokens, revoke_own_token
from nlentry.storage.models import ApiToken

TAG = "Tokens"
ID = {"id": "the token's id (as listed; not the token itself)"}
_ADMIN = "admin:all"


@operation("GET", "/tokens", name="list_tokens", tag=TAG, scope=_ADMIN,
           summary="The caller's tokens",
           description="Every token of the caller that is not revoked (an expired one too, "
                       "with its `expires_at`), oldest first; never a secret.",
           response=list[Token], answer="the caller's tokens", errors=("Invalid",))  # fmt: skip
def list_tokens(call: Call) -> Response:
    refuse_query(call)
    rows = live_tokens(call.session, call.caller.user_id)
    return JSONResponse([token_json(row, call.caller) for row in rows])


@operation("POST", "/tokens", name="create_token", tag=TAG, scope=_ADMIN,
           summary="Create a token; its secret is shown in this answer only",
           description="`scopes` default to the scopes of the token that makes the call; a "
                       "scope that token lacks is refused (422 naming `scopes`), and so is an "
                       f"unknown one. `expires_in_days`: 1 to {MAX_EXPIRES_IN_DAYS}; left out, "
                       "the token lives until it is revoked.",
           request=TokenCreate, request_description="the new token", response=NewToken,
           status=201, answer="the new token, with its secret as `token`",
           errors=BODY_ERRORS, write=True)  # fmt: skip
def create_token(call: Call) -> Response:
    values = call.read(TokenCreate)
    held = call.caller.scopes
    scopes = values.get("scopes") or sorted(held)
    if not_grantable(scopes, held):
        errors = call.errors()
        errors.add("scopes", "scope_not_granted")
        errors.raise_if_any()
    days = values.get("expires_in_days")
    issued = issue_token(call.session, call.caller.user_id, name=values["name"],
                         scopes=tuple(scopes),
                         expires_in=dt.timedelta(days=days) if days else None)  # fmt: skip
    row = call.session.get(ApiToken, issued.id)
    return JSONResponse(new_token_json(row, issued.value, call.caller), 201)


@operation("DELETE", "/tokens/{id:int}", name="delete_token", tag=TAG, scope=_ADMIN,
           path_params=ID, summary="Revoke one of the caller's tokens",
           description="The token is refused (401) from the next request on, in every worker. "
                       "The token making the call may revoke itself.",
           status=204, answer="revoked; no body", errors=("NotFound",), write=True)  # fmt: skip
def delete_token(call: Call) -> Response:
    token_id = path_id(call.path_params["id"])
    if not revoke_own_token(call.session, call.caller.user_id, token_id):
        raise not_found()
    call.state.callers.forget_token(token_id)
    return Response(status_code=204)
