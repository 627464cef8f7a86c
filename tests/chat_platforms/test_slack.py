"""Slack (``POST /chat/slack``): the signature (``v0=`` HMAC of ``v0:{timestamp}:{body}``,
5 minutes of skew) is checked before anything is read, and a refused delivery stores
nothing, not even a link code; no secret configured is 404; a retried delivery
(``X-Slack-Retry-Num``, the same ``trigger_id``) stores once and is answered as the
first; the answer is ``{"response_type": "ephemeral", "text", "blocks"}`` with the
buttons as Block Kit actions; a button click (``block_actions``) replies at its
``response_url``; a reply later than the deadline goes to the ``response_url``."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from nlentry.api.chat import respond
from tests.chat_platforms.support import (
    FORM,
    NOTHING,
    SLACK,
    SLACK_SECRET,
    SlackUser,
    chat_rows,
    code_in,
    entries,
    slack_click_body,
    slack_command_body,
    slack_headers,
    slack_signature,
    unique,
)

ROWAN = "2,5 uur met Rowan aan Timi gewerkt"
#: Past Slack's 5 minutes, with room for a slow machine either side.
STALE = 5 * 60 + 30
FRESH = 5 * 60 - 30


@pytest.fixture
def slack_linked(app, slack_user, example_catalog) -> SlackUser:
    """Slack user U1 of team T1, linked to Alice (nl, the example catalog), who is its
    ``account``."""
    slack_user.link(app, example_catalog)
    slack_user.account = example_catalog
    return slack_user


def _without(headers: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in names}


def refused_headers(case: str, body: bytes, altered: bytes | None = None,
                    ) -> tuple[bytes, dict[str, str]]:  # fmt: skip
    """What is sent for ``case``: the body on the wire and its headers (``altered``: the
    body sent instead of the one signed, default a command's text changed)."""
    now = int(time.time())
    good = slack_headers(body, timestamp=now)
    if case == "wrong secret":
        return body, slack_headers(body, secret=SLACK_SECRET[:-1] + "6")
    if case == "stale, in the past":
        return body, slack_headers(body, timestamp=now - STALE)
    if case == "stale, in the future":
        return body, slack_headers(body, timestamp=now + STALE)
    if case == "signed at another time than the header says":
        return body, {**good, "X-Slack-Signature": slack_signature(SLACK_SECRET, now - 1, body)}
    if case == "no signature":
        return body, _without(good, "X-Slack-Signature")
    if case == "no timestamp":
        return body, _without(good, "X-Slack-Request-Timestamp")
    if case == "no signature headers":
        return body, dict(FORM)
    if case == "a timestamp that is no number":
        return body, {**good, "X-Slack-Request-Timestamp": "soon"}
    if case == "the signature without v0=":
        return body, {**good, "X-Slack-Signature": good["X-Slack-Signature"][3:]}
    if case == "the body altered after signing":
        altered = body.replace(b"2%2C5+uur", b"25+uur") if altered is None else altered
        assert altered != body
        return altered, good
    if case == "a field added after signing":
        return body + b"&user_id=U1", good
    raise AssertionError(case)


REFUSED = ("wrong secret", "stale, in the past", "stale, in the future",
           "signed at another time than the header says", "no signature", "no timestamp",
           "no signature headers", "a timestamp that is no number", "the signature without v0=",
           "the body altered after signing", "a field added after signing")  # fmt: skip


@pytest.mark.parametrize("case", REFUSED)
def test_a_delivery_not_signed_right_is_401_and_stores_nothing(app, served, receiver, case):
    body = slack_command_body("T1", "U9", ROWAN, response_url=receiver.url("/hook"))
    sent, headers = refused_headers(case, body)
    answer = served.post(SLACK, content=sent, headers=headers)
    assert answer.status_code == 401, (case, answer.text)
    assert answer.json()["message"] == "unauthorized"
    assert chat_rows(app) == NOTHING  # no link code for the unlinked user, no delivery
    assert receiver.all() == []


@pytest.mark.parametrize("case", ["wrong secret", "stale, in the past", "no signature headers",
                                  "the body altered after signing"])  # fmt: skip
def test_a_linked_users_command_not_signed_right_stores_nothing(app, client, served,
                                                                slack_linked, case):  # fmt: skip
    body = slack_command_body("T1", "U1", ROWAN)
    sent, headers = refused_headers(case, body)
    assert served.post(SLACK, content=sent, headers=headers).status_code == 401
    assert chat_rows(app) == {**NOTHING, "links": 1}
    assert entries(client, slack_linked.account) == []
    # the same command signed right is stored: the refusal was the signature's doing
    assert served.post(SLACK, content=body, headers=slack_headers(body)).status_code == 200
    assert chat_rows(app)["entries"] == 1


@pytest.mark.parametrize("offset", [-FRESH, FRESH])
def test_a_timestamp_within_5_minutes_is_accepted(app, served, offset):
    body = slack_command_body("T1", "U9", ROWAN)
    stamp = int(time.time()) + offset
    answer = served.post(SLACK, content=body, headers=slack_headers(body, timestamp=stamp))
    assert answer.status_code == 200, answer.text
    code_in(answer.json()["text"])
    assert chat_rows(app) == {**NOTHING, "codes": 1, "deliveries": 1}


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_slack_not_configured_is_404(app, served, monkeypatch, secret):
    if secret is None:
        monkeypatch.delenv("NLENTRY_SLACK_SIGNING_SECRET")
    else:
        monkeypatch.setenv("NLENTRY_SLACK_SIGNING_SECRET", secret)
    body = slack_command_body("T1", "U9", ROWAN)
    for signed_with in (SLACK_SECRET, secret or "x"):
        answer = served.post(SLACK, content=body, headers=slack_headers(body, secret=signed_with))
        assert answer.status_code == 404, answer.text
    assert chat_rows(app) == NOTHING


def test_a_retried_command_stores_once_and_is_answered_as_the_first(app, client, served,
                                                                    slack_linked):  # fmt: skip
    body = slack_command_body("T1", "U1", ROWAN, trigger_id="13345224609.738474920.8088930838d")
    first = served.post(SLACK, content=body, headers=slack_headers(body))
    assert first.status_code == 200 and first.json()["text"].startswith("Geboekt:")
    for number in ("1", "2"):  # Slack signs each retry anew
        again = served.post(SLACK, content=body, headers=slack_headers(
            body, **{"X-Slack-Retry-Num": number, "X-Slack-Retry-Reason": "http_timeout"}))
        assert again.status_code == 200
        assert again.json() == first.json()
    [entry] = entries(client, slack_linked.account)
    assert entry["body"] == ROWAN
    assert chat_rows(app)["deliveries"] == 1
    # another command (another trigger_id) with the same text is stored on its own
    assert slack_linked.send(ROWAN).text.startswith("Geboekt:")
    assert len(entries(client, slack_linked.account)) == 2


def test_a_retried_command_of_an_unlinked_user_offers_the_same_code(app, served):
    body = slack_command_body("T1", "U9", ROWAN)
    first = served.post(SLACK, content=body, headers=slack_headers(body))
    again = served.post(SLACK, content=body, headers=slack_headers(body,
                                                                   **{"X-Slack-Retry-Num": "1"}))
    assert code_in(again.json()["text"]) == code_in(first.json()["text"])
    assert chat_rows(app) == {**NOTHING, "codes": 1, "deliveries": 1}


def test_the_answer_is_ephemeral_with_text_and_blocks(served, slack_linked):
    body = slack_command_body("T1", "U1", "2 uur Timi voor Website")
    answer = served.post(SLACK, content=body, headers=slack_headers(body))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["x-slack-no-retry"] == "1"
    message = answer.json()
    assert set(message) == {"response_type", "text", "blocks"}
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith("Geboekt:") and "Welk project bedoel je?" in message["text"]
    section, actions = message["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": message["text"]}}
    assert actions["type"] == "actions"
    buttons = actions["elements"]
    assert [b["type"] for b in buttons] == ["button"] * 3
    assert [b["text"] for b in buttons] == [
        {"type": "plain_text", "text": label, "emoji": True}
        for label in ("Timi", "Website", "Ongedaan maken")]  # fmt: skip
    assert len({b["action_id"] for b in buttons}) == 3  # Slack wants them unique
    entry_id = int(buttons[2]["value"].removeprefix("undo:"))
    assert [b["value"] for b in buttons] == [f"project:{entry_id}:2",
                                             f"project:{entry_id}:3327", f"undo:{entry_id}"]
    assert buttons[2]["style"] == "danger" and "style" not in buttons[0]


def test_an_unlinked_users_answer_has_the_code_and_no_buttons(served):
    body = slack_command_body("T1", "U9", ROWAN)
    message = served.post(SLACK, content=body, headers=slack_headers(body)).json()
    assert message["response_type"] == "ephemeral"
    code_in(message["text"])
    assert message["blocks"] == [{"type": "section",
                                  "text": {"type": "mrkdwn", "text": message["text"]}}]


def test_a_button_click_replies_at_the_response_url(client, served, receiver, slack_linked):
    said = slack_linked.send(ROWAN)
    undo = said.choice("undo")
    hook = unique("/click-")
    body = slack_click_body("T1", "U1", undo.value, response_url=receiver.url(hook))
    answer = served.post(SLACK, content=body, headers=slack_headers(body))
    assert answer.status_code == 200 and answer.headers["x-slack-no-retry"] == "1"
    [posted] = receiver.wait_for(hook)
    assert posted.method == "POST" and posted.headers["content-type"] == "application/json"
    message = posted.json
    assert message["response_type"] == "ephemeral"
    assert message["text"] == "Ongedaan: 1 boeking verwijderd."
    assert message["blocks"][0]["text"]["text"] == message["text"]
    assert entries(client, slack_linked.account) == []


def test_a_click_not_signed_right_is_401_and_does_nothing(app, client, served, receiver,
                                                         slack_linked):  # fmt: skip
    said = slack_linked.send(ROWAN)
    deliveries = chat_rows(app)["deliveries"]
    hook = unique("/click-")
    body = slack_click_body("T1", "U1", said.choice("undo").value, response_url=receiver.url(hook))
    for case in ("wrong secret", "stale, in the future", "no signature",
                 "the body altered after signing"):  # fmt: skip
        sent, headers = refused_headers(case, body, body.replace(b"undo", b"UNDO"))
        assert served.post(SLACK, content=sent, headers=headers).status_code == 401, case
    assert receiver.at(hook) == []
    assert len(entries(client, slack_linked.account)) == 1
    assert chat_rows(app)["deliveries"] == deliveries


def test_a_retried_click_acts_once(client, served, receiver, slack_linked):
    first = slack_linked.send("2 uur Timi voor Website")
    chosen = first.choice("project", "Website")
    body = slack_click_body("T1", "U1", chosen.value, trigger_id="click-trigger-1",
                            response_url=receiver.url("/click-1"))  # fmt: skip
    answers = [served.post(SLACK, content=body, headers=slack_headers(
        body, **({"X-Slack-Retry-Num": "1"} if again else {}))) for again in (False, True)]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["text"].startswith("Gewijzigd:")
    assert entries(client, slack_linked.account)[0]["project"]["id"] == 3327


def test_a_payload_that_is_no_button_click_is_400_and_stores_nothing(app, served):
    for payload in ("not json", json.dumps({"type": "block_actions", "actions": []}),
                    json.dumps({"type": "view_submission", "team": {"id": "T1"},
                                "user": {"id": "U9"}})):  # fmt: skip
        body = urlencode({"payload": payload}).encode()
        answer = served.post(SLACK, content=body, headers=slack_headers(body))
        assert answer.status_code == 400, payload
        assert answer.json()["message"] == "not a block_actions payload"
    body = urlencode({"team_id": "T1", "text": ROWAN, "trigger_id": "t1"}).encode()
    answer = served.post(SLACK, content=body, headers=slack_headers(body))
    assert answer.status_code == 400 and "user_id missing" in answer.json()["message"]
    assert chat_rows(app) == NOTHING


def test_a_reply_later_than_the_deadline_goes_to_the_response_url(app, client, served, receiver,
                                                                  slack_linked, monkeypatch):  # fmt: skip
    monkeypatch.setattr(respond, "DEADLINE_SECONDS", 0)  # no reply is ever ready in no time
    hook = unique("/late-")
    body = slack_command_body("T1", "U1", ROWAN, response_url=receiver.url(hook))
    answer = served.post(SLACK, content=body, headers=slack_headers(body))
    assert answer.status_code == 200
    assert answer.json()["text"] == "…" and answer.json()["response_type"] == "ephemeral"
    [late] = receiver.wait_for(hook)
    assert late.json["response_type"] == "ephemeral"
    assert late.json["text"].startswith("Geboekt:")
    [entry] = entries(client, slack_linked.account)
    assert entry["body"] == ROWAN
    # a retry gets the reply kept for the first (late too, at a deadline of 0), no entry
    again = served.post(SLACK, content=body, headers=slack_headers(body,
                                                                   **{"X-Slack-Retry-Num": "1"}))
    assert again.status_code == 200 and again.json()["text"] == "…"
    first, second = receiver.wait_for(hook, 2)
    assert second.json == first.json
    assert len(entries(client, slack_linked.account)) == 1
