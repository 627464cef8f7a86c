"""``/users/me``: the caller's profile; ``PATCH`` changes their display name, locale and zone.

A change of the profile bumps the user's catalog version
(``nlentry.storage.accounts.update_profile``): every worker's remembered caller of
this user (``CallerCache``) is then stale, and is read again before it serves
(the entry writer compares the versions; the other operations look the token up
in their own transaction anyway). This worker forgets them at once.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.account_shapes import Me, me_json
from nlentry.api.errors import or_404
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.account_models import NoQuery, UserUpdate
from nlentry.api.request.fields import read_query
from nlentry.storage.accounts import get_user, update_profile

TAG = "Users"


def refuse_query(call: Call) -> None:
    """422 naming each query parameter (an operation without any)."""
    errors = call.errors()
    read_query(NoQuery, call.query, errors)
    errors.raise_if_any()


@operation("GET", "/users/me", name="show_me", tag=TAG, scope="read:users",
           summary="The caller's profile",
           description="`timezone` is the caller's own zone, or the server's default "
                       "(`NLENTRY_TIMEZONE`, else the server's zone) when they have none.",
           response=Me, answer="the caller", errors=("Invalid",))  # fmt: skip
def show_me(call: Call) -> Response:
    refuse_query(call)
    return JSONResponse(me_json(or_404(get_user(call.session, call.caller.user_id))))


@operation("PATCH", "/users/me", name="update_me", tag=TAG, scope="admin:all",
           summary="Change the caller's display name, locale or time zone",
           description="`timezone` null or `\"\"` goes back to the server's default. The "
                       "new locale and zone apply from the next request on: \"today\" for the "
                       "parser, the dates of new entries and the offsets of timestamps. An "
                       "unknown field is refused, 422 naming it.",
           request=UserUpdate, request_description="the fields to change",
           request_required=False, response=Me, answer="the changed profile",
           errors=BODY_ERRORS, write=True)  # fmt: skip
def update_me(call: Call) -> Response:
    refuse_query(call)
    values = call.read(UserUpdate)
    user = or_404(get_user(call.session, call.caller.user_id))
    if update_profile(call.session, user, **values):
        call.state.callers.forget_user(user.id)
    return JSONResponse(me_json(user))
