"""Mattermost (``POST /chat/mattermost``): the command token (one of
``NLENTRY_MATTERMOST_TOKENS``) in ``Authorization: Token ...`` or the ``token`` field,
else 401 and nothing stored, not even a link code; none configured is 404; the
answer is ``{"response_type": "ephemeral", "text"}`` with each button a line saying
what to type; the delivery is the ``trigger_id`` (Mattermost sends one with each
command and does not retry): the same one again stores nothing more, and a command
without one is handled each time; a reply later than the deadline goes to the
``response_url``."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from nlentry.api.chat import respond
from tests.chat_platforms.support import (
    FORM,
    MATTERMOST,
    NOTHING,
    MattermostUser,
    chat_rows,
    code_in,
    entries,
    mattermost_said,
    unique,
)

ROWAN = "2,5 uur met Rowan aan Timi gewerkt"
ONE, TWO = "mm-token-one", "mm-token-two"


@pytest.fixture
def mm_linked(app, mattermost_user, example_catalog) -> MattermostUser:
    """Mattermost user mm-user-1 of mm-team-1, linked to Alice, who is its ``account``."""
    mattermost_user.link(app, example_catalog)
    mattermost_user.account = example_catalog
    return mattermost_user


#: (the ``token`` field, the ``Authorization`` header), ``None``: not sent.
REFUSED = {
    "a wrong token in the header": (None, "Token mm-token-three"),
    "a wrong token in the field": ("mm-token-three", None),
    "no token at all": (None, None),
    "an empty token in the header": (None, "Token "),
    "an empty token field": ("", None),
    "a wrong header beside a right field": (ONE, "Token nope"),
    "a right token under another scheme": (None, f"Bearer {ONE}"),
    "a right token with more after it": (f"{ONE}x", None),
    "a right token cut short": (None, f"Token {ONE[:-1]}"),
    "the configured list itself": (f"{ONE} , {TWO}", None),
}
ACCEPTED = {
    "the first token in the header": (None, f"Token {ONE}"),
    "the second token in the header": (None, f"Token {TWO}"),
    "the scheme in lower case": (None, f"token {ONE}"),
    "the token in the field": (TWO, None),
    "the field beside another scheme": (ONE, "Bearer something-else"),
}


def _send(user: MattermostUser, text: str, token: str | None, authorization: str | None):
    fields = user.fields(text)
    if token is not None:
        fields["token"] = token
    headers = dict(FORM)
    if authorization is not None:
        headers["Authorization"] = authorization
    return user.post(fields, headers)


@pytest.mark.parametrize("case", REFUSED)
def test_a_command_without_a_right_token_is_401_and_stores_nothing(app, mattermost_user, case):
    answer = _send(mattermost_user, ROWAN, *REFUSED[case])
    assert answer.status_code == 401, (case, answer.text)
    assert answer.json()["message"] == "unauthorized"
    assert chat_rows(app) == NOTHING  # no link code for the unlinked user, no delivery


@pytest.mark.parametrize("case", ACCEPTED)
def test_a_command_with_a_configured_token_is_handled(app, mattermost_user, case):
    answer = _send(mattermost_user, ROWAN, *ACCEPTED[case])
    assert answer.status_code == 200, (case, answer.text)
    code_in(mattermost_said(answer.json()).text)
    assert chat_rows(app) == {**NOTHING, "codes": 1, "deliveries": 1}


def test_a_linked_users_command_without_a_right_token_stores_nothing(app, client, mm_linked):
    for token, authorization in (REFUSED["a wrong token in the header"],
                                 REFUSED["a wrong token in the field"],
                                 REFUSED["no token at all"]):  # fmt: skip
        assert _send(mm_linked, ROWAN, token, authorization).status_code == 401
    assert entries(client, mm_linked.account) == []
    assert chat_rows(app) == {**NOTHING, "links": 1}
    assert mm_linked.send(ROWAN).text.startswith("Geboekt:")
    assert len(entries(client, mm_linked.account)) == 1


@pytest.mark.parametrize("tokens", [None, "", " , ,"])
def test_mattermost_not_configured_is_404(app, mattermost_user, monkeypatch, tokens):
    if tokens is None:
        monkeypatch.delenv("NLENTRY_MATTERMOST_TOKENS")
    else:
        monkeypatch.setenv("NLENTRY_MATTERMOST_TOKENS", tokens)
    for token, authorization in ((None, f"Token {ONE}"), (ONE, None), (None, None)):
        answer = _send(mattermost_user, ROWAN, token, authorization)
        assert answer.status_code == 404, answer.text
    assert chat_rows(app) == NOTHING


def test_the_same_trigger_id_again_stores_nothing_more(app, client, mm_linked):
    fields = mm_linked.fields(ROWAN, trigger_id="mm-trigger-fixed")
    first = mm_linked.post(fields)
    again = mm_linked.post(fields)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["text"].startswith("Geboekt:")
    assert len(entries(client, mm_linked.account)) == 1
    assert chat_rows(app)["deliveries"] == 1


def test_a_command_without_a_trigger_id_is_handled_each_time(app, client, mm_linked):
    """Mattermost does not retry a slash command: with no id to tell two apart, two
    alike commands are two entries (each delivery gets an id of its own)."""
    fields = {k: v for k, v in mm_linked.fields(ROWAN).items() if k != "trigger_id"}
    for _ in range(2):
        assert mm_linked.post(fields).json()["text"].startswith("Geboekt:")
    assert len(entries(client, mm_linked.account)) == 2
    assert chat_rows(app)["deliveries"] == 2


def test_the_answer_is_ephemeral_text_with_the_buttons_as_lines(client, mm_linked):
    answer = mm_linked.post(mm_linked.fields("2 uur Timi voor Website", command="/hours"))
    assert answer.status_code == 200
    message = answer.json()
    assert set(message) == {"response_type", "text"}
    assert message["response_type"] == "ephemeral"
    [entry] = entries(client, mm_linked.account)
    lines = message["text"].splitlines()
    assert lines[0] == "Geboekt:" and "Welk project bedoel je? Kies er een:" in lines
    assert lines[-3:] == [f"Timi: `/hours project {entry['id']} 2`",
                          f"Website: `/hours project {entry['id']} 3327`",
                          f"Ongedaan maken: `/hours ongedaan {entry['id']}`"]  # fmt: skip
    typed = mm_linked.post(mm_linked.fields(f"project {entry['id']} 3327", command="/hours"))
    assert typed.json()["text"].startswith("Gewijzigd:")
    assert entries(client, mm_linked.account)[0]["project"]["id"] == 3327


def test_a_body_that_is_no_slash_command_is_400_and_stores_nothing(app, mattermost_user):
    body = urlencode({"team_id": "mm-team-1", "text": ROWAN}).encode()
    answer = mattermost_user.client.post(MATTERMOST, content=body,
                                         headers={**FORM, "Authorization": f"Token {ONE}"})
    assert answer.status_code == 400 and "user_id missing" in answer.json()["message"]
    assert chat_rows(app) == NOTHING


def test_a_reply_later_than_the_deadline_goes_to_the_response_url(client, receiver, mm_linked,
                                                                  monkeypatch):  # fmt: skip
    monkeypatch.setattr(respond, "DEADLINE_SECONDS", 0)  # no reply is ever ready in no time
    hook = unique("/mm-late-")
    answer = mm_linked.post(mm_linked.fields(ROWAN, response_url=receiver.url(hook)))
    assert answer.status_code == 200
    assert answer.json() == {"response_type": "ephemeral", "text": "…"}
    [late] = receiver.wait_for(hook)
    said = mattermost_said(late.json)
    assert said.text.startswith("Geboekt:") and [c.kind for c in said.choices] == ["undo"]
    assert len(entries(client, mm_linked.account)) == 1
