"""``/webhooks``: the caller's webhook subscriptions, their delivery log, redelivery, ping.

A subscription is its owner's alone: anyone else's (an admin of the same
workspace included) is 404. Every operation needs the ``webhooks`` scope.
The secret is in the create answer only. A URL must be ``http``/``https`` to
a public address (``nlentry.api.webhook_urls``: checked here after resolving
the name, and again by the delivery worker at each connection). Only an
admin may ask for ``all_users`` (the whole workspace's events); a member's
subscription carries their own. Deliveries happen outside requests
(``nlentry.api.webhook_delivery``); redeliver and ping only queue one.
See docs/webhooks.md.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry import message
from nlentry.api.errors import APIError, not_found
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pagination import page_of
from nlentry.api.pipeline import Call
from nlentry.api.request.fields import path_id, read_query
from nlentry.api.request.webhook_models import DeliveryQuery, NoBody, WebhookCreate, WebhookInput
from nlentry.api.resources.users import refuse_query
from nlentry.api.response_models import Error
from nlentry.api.webhook_shapes import (
    NewWebhook,
    Webhook,
    WebhookDelivery,
    delivery_json,
    new_webhook_json,
    webhook_json,
)
from nlentry.api.webhook_urls import UrlRefused, check_url
from nlentry.limits import MAX_WEBHOOKS_PER_USER, WEBHOOK_LOG_DAYS
from nlentry.storage.models import utcnow
from nlentry.storage.queries import webhooks as store
from nlentry.storage.webhook_outbox import PING, emit_to_subscription, notify_after_commit

TAG = "Webhooks"
SCOPE = "webhooks"
PATH = "/webhooks"
ONE = PATH + "/{id:int}"
ID = {"id": "the subscription's id"}
DELIVERY_ID = {**ID, "delivery_id": "the delivery's id (as listed)"}
NOT_ACTIVE = {409: ("the subscription is not active: make it active first (`PATCH`)", Error)}


def _subscription(call: Call):
    """The caller's subscription of the path's ``id``; else 404."""
    found = store.find_subscription(call.session, call.caller.user_id,
                                    path_id(call.path_params["id"]))  # fmt: skip
    if found is None:
        raise not_found()
    return found


def _check(call: Call, values: dict) -> dict:
    """422 for a URL a webhook may not reach, and for ``all_users`` asked by a member."""
    errors = call.errors()
    if "url" in values:
        try:
            values["url"] = check_url(values["url"])
        except UrlRefused as refused:
            errors.add("url", refused.key)
    if values.get("all_users") and not call.caller.is_admin:
        errors.add("all_users", "admins_only")
    errors.raise_if_any()
    return values


def _refuse_body(call: Call) -> None:
    call.read(NoBody)


def _refuse_inactive(call: Call, subscription) -> None:
    if not subscription.active:
        raise APIError(409, {"message": message(call.locale, "webhook_inactive")})


@operation("GET", PATH, name="list_webhooks", tag=TAG, scope=SCOPE,
           summary="The caller's webhook subscriptions",
           description="Oldest first; never a secret.",
           response=list[Webhook], answer="the caller's subscriptions", errors=("Invalid",))  # fmt: skip
def list_webhooks(call: Call) -> Response:
    refuse_query(call)
    rows = store.subscriptions_of(call.session, call.caller.user_id)
    return JSONResponse([webhook_json(row, call.caller) for row in rows])


@operation("POST", PATH, name="create_webhook", tag=TAG, scope=SCOPE,
           summary="Subscribe a URL to events; the signing secret is shown in this answer only",
           description="`events` default to `*` (every type). A member's subscription carries "
                       "the member's own events; an admin may ask for `all_users`. A URL that "
                       "is not `http`/`https`, or whose host is (or resolves to) a loopback, "
                       "private or link-local address is 422 naming `url`. At most "
                       f"{MAX_WEBHOOKS_PER_USER} subscriptions per user.",
           request=WebhookCreate, request_description="the new subscription",
           response=NewWebhook, status=201, answer="the new subscription, with its `secret`",
           errors=BODY_ERRORS, write=True)  # fmt: skip
def create_webhook(call: Call) -> Response:
    values = _check(call, call.read(WebhookCreate))
    if store.count_of(call.session, call.caller.user_id) >= MAX_WEBHOOKS_PER_USER:
        errors = call.errors()
        errors.add("url", "too_many_webhooks")
        errors.raise_if_any()
    row = store.create_subscription(call.session, call.caller.user_id,
                                    call.caller.workspace_id, values)  # fmt: skip
    return JSONResponse(new_webhook_json(row, call.caller), 201)


@operation("GET", ONE, name="show_webhook", tag=TAG, scope=SCOPE, path_params=ID,
           summary="One of the caller's subscriptions", response=Webhook,
           answer="the subscription (never its secret)", errors=("NotFound", "Invalid"))  # fmt: skip
def show_webhook(call: Call) -> Response:
    refuse_query(call)
    return JSONResponse(webhook_json(_subscription(call), call.caller))


@operation("PATCH", ONE, name="update_webhook", tag=TAG, scope=SCOPE, path_params=ID,
           summary="Change a subscription",
           description="The fields given change. `active: true` resumes a paused or disabled "
                       "subscription: `disabled_reason` and `consecutive_failures` are "
                       "cleared and its pending deliveries go out at once.",
           request=WebhookInput, request_description="the fields to change",
           response=Webhook, answer="the subscription",
           errors=(*BODY_ERRORS, "NotFound"), write=True)  # fmt: skip
def update_webhook(call: Call) -> Response:
    row = _subscription(call)
    values = _check(call, call.read(WebhookInput))
    store.update_subscription(call.session, row, values)
    return JSONResponse(webhook_json(row, call.caller))


@operation("DELETE", ONE, name="delete_webhook", tag=TAG, scope=SCOPE, path_params=ID,
           summary="Delete a subscription",
           description="Nothing more is sent to it, pending deliveries included.",
           status=204, answer="deleted; no body", errors=("NotFound",), write=True)  # fmt: skip
def delete_webhook(call: Call) -> Response:
    store.delete_subscription(call.session, _subscription(call))
    return Response(status_code=204)


@operation("GET", ONE + "/deliveries", name="list_webhook_deliveries", tag=TAG, scope=SCOPE,
           path_params=ID, query=DeliveryQuery,
           summary=f"The subscription's deliveries of the last {WEBHOOK_LOG_DAYS} days",
           description="Newest first, a page at a time: each event sent (or to send) to the "
                       "subscription, with its `status`, `attempts`, the last "
                       "`response_status` and `last_error`, and `next_attempt_at` while "
                       f"pending. Older ones are pruned after {WEBHOOK_LOG_DAYS} days.",
           response=list[WebhookDelivery], answer="the deliveries",
           errors=("NotFound", "Invalid"))  # fmt: skip
def list_webhook_deliveries(call: Call) -> Response:
    row = _subscription(call)
    errors = call.errors()
    page = page_of(read_query(DeliveryQuery, call.query, errors))
    errors.raise_if_any()
    found = store.recent_deliveries(call.session, row.id, page.offset, page.per_page)
    return JSONResponse([delivery_json(delivery, event, call.caller)
                         for delivery, event in found])  # fmt: skip


@operation("POST", ONE + "/deliveries/{delivery_id:int}/redeliver",
           name="redeliver_webhook_delivery", tag=TAG, scope=SCOPE, path_params=DELIVERY_ID,
           summary="Send a delivery again",
           description="The delivery is pending again and due at once, with the same event "
                       "(the same `webhook-id`) and a fresh round of attempts; one being sent "
                       "right now is left to finish. No body.",
           response=WebhookDelivery, status=202, answer="the delivery, queued",
           more=NOT_ACTIVE, errors=(*BODY_ERRORS, "NotFound"), write=True)  # fmt: skip
def redeliver_webhook_delivery(call: Call) -> Response:
    row = _subscription(call)
    _refuse_body(call)
    found = store.find_delivery(call.session, row.id, path_id(call.path_params["delivery_id"]))
    if found is None:
        raise not_found()
    _refuse_inactive(call, row)
    delivery, event = found
    store.redeliver(call.session, delivery, utcnow())
    notify_after_commit(call.session)
    return JSONResponse(delivery_json(delivery, event, call.caller), 202)


@operation("POST", ONE + "/ping", name="ping_webhook", tag=TAG, scope=SCOPE, path_params=ID,
           summary="Send a `ping` event to this subscription",
           description="A `ping` event (`data`: the subscription's `id`, `url` and `events`) "
                       "to this subscription only, whatever its `events`, signed and retried "
                       "like any other. No body.",
           response=WebhookDelivery, status=202, answer="the ping's delivery, queued",
           more=NOT_ACTIVE, errors=(*BODY_ERRORS, "NotFound"), write=True)  # fmt: skip
def ping_webhook(call: Call) -> Response:
    row = _subscription(call)
    _refuse_body(call)
    _refuse_inactive(call, row)
    data = {"webhook_id": row.id, "url": row.url, "events": list(row.events or ())}
    delivery_id = emit_to_subscription(call.session, row.id, row.workspace_id,
                                       user_id=call.caller.user_id, type=PING, data=data)  # fmt: skip
    delivery, event = store.delivery_with_event(call.session, delivery_id)
    return JSONResponse(delivery_json(delivery, event, call.caller), 202)
