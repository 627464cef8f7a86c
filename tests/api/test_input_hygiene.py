"""Text that cannot be stored never reaches the database (issue 10, findings 6 and 13).

A NUL is refused wherever a string enters: as a credential it is no
credential (401), in any other field it is 422 naming the field. PostgreSQL
refuses a NUL in text (a 500 before); SQLite would take it, so the tests here
also watch every statement the app sends and find no NUL in any parameter.
"""

from __future__ import annotations

import base64
import re
from contextlib import contextmanager

import anyio
import httpx
import pytest
from sqlalchemy import event, func, select

from nlentry import message
from nlentry.api.request.body import NUL_TEXT
from nlentry.api.request.fields import DATE_FORMATS, DateText
from nlentry.limits import MAX_IDEMPOTENCY_KEY_LENGTH, MAX_NAME_LENGTH
from nlentry.parsing import normalize_name
from nlentry.storage.models import Alias, IdempotencyKey, TimeEntry

ENTRIES = "/api/v1/time_entries.json"


@contextmanager
def statements(app):
    """Every parameter of every statement the app sends meanwhile, as a flat list."""
    sent: list[object] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        rows = parameters if executemany else [parameters]
        for row in rows:
            sent.extend(row.values() if isinstance(row, dict) else row or ())

    engine = app.state.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def no_nul_reached(sent: list[object]) -> bool:
    return not any(isinstance(value, str) and "\x00" in value for value in sent)


def count(app, model) -> int:
    with app.state.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(user.encode()).decode()}


# --- finding 6: a NUL in a credential is no credential ------------------------------------------


def test_a_nul_in_a_token_or_email_is_401_and_never_reaches_the_database(app, client, alice):
    public_id, _, secret = alice.token.partition(".")
    nul_token = f"{public_id[:4]}\x00{public_id[4:]}.{secret}"
    with statements(app) as sent:
        answers = [
            client.get(ENTRIES + "?token=ab%00cd.ef"),
            client.get(ENTRIES, params={"token": nul_token}),
            client.get(ENTRIES, params={"token": alice.token, "email": "alice\x00@acme.nl"}),
            client.get(ENTRIES, headers=basic(f"alice@acme.nl:{nul_token}")),
            client.get(ENTRIES, headers=basic(f"{nul_token}:")),
            client.get(ENTRIES, headers=basic(f"alice\x00@acme.nl:{alice.token}")),
            client.post(ENTRIES, data={"token": nul_token, "body": "2 uur"}),
            client.post(ENTRIES, json={"token": nul_token, "body": "2 uur"}),
            client.post(ENTRIES, json={"token": alice.token, "email": "a\x00", "body": "2 uur"}),
            client.post(ENTRIES, content=b'{"token": "ab\\ud800cd.ef", "body": "2 uur"}',
                        headers={"Content-Type": "application/json"}),
        ]
    assert no_nul_reached(sent), [v for v in sent if isinstance(v, str) and "\x00" in v]
    assert [a.status_code for a in answers] == [401] * len(answers), [a.text for a in answers]
    assert all(a.json()["message"] == "unauthorized" for a in answers)
    assert count(app, TimeEntry) == 0
    # the same token without the NUL still works
    assert client.get(ENTRIES, params={"token": alice.token}).status_code == 200


# --- finding 6: a NUL anywhere else is 422 naming the field ---------------------------------------


def test_a_nul_in_any_other_field_is_422_naming_it_and_never_reaches_the_database(
    app, client, alice
):
    project = client.post("/api/v1/projects.json", json={"name": "Timi"},
                          headers=alice.headers).json()
    aliases = f"/api/v1/projects/{project['id']}/aliases.json"
    with statements(app) as sent:
        cases = [
            (client.get(ENTRIES, params={"date": "\x00"}, headers=alice.headers), "date"),
            (client.get(ENTRIES, params={"page": "1\x00"}, headers=alice.headers), "page"),
            (client.post(ENTRIES, data={"body": "2 uur\x00"}, headers=alice.headers), "body"),
            (client.post(ENTRIES, json={"body": "2 uur", "date": "\x00"}, headers=alice.headers),
             "date"),
            (client.post(ENTRIES, files={"f": ("a.txt", b"x")},
                         data={"body": "2 uur", "duration": "6\x000"}, headers=alice.headers),
             "duration"),
            (client.post("/api/v1/projects.json", json={"name": "P", "aliases": ["ok", "x\x00"]},
                         headers=alice.headers), "aliases"),
            (client.post(aliases, data={"alias": "Ro\x00wan"}, headers=alice.headers), "alias"),
            (client.post(aliases, json={"alias": ["ok", ["deep\x00"]]},
                         headers=alice.headers), "alias"),
        ]
        removed = client.delete(f"/api/v1/projects/{project['id']}/aliases/a%00b.json",
                                headers=alice.headers)
    for answer, field in cases:
        assert answer.status_code == 422, (field, answer.text)
        assert answer.json()["errors"] == {field: [NUL_TEXT]}, answer.text
    assert removed.status_code == 422
    assert removed.json()["errors"] == {"alias": [message("nl", "invalid")]}
    assert no_nul_reached(sent)
    assert count(app, TimeEntry) == 0 and count(app, Alias) == 0


def test_a_nul_in_a_field_name_is_400(client, alice):
    answer = client.post(ENTRIES, json={"bo\x00dy": "2 uur", "body": "2 uur"},
                         headers=alice.headers)
    assert answer.status_code == 400 and "NUL" in answer.json()["message"]


# --- finding 6: an alias whose normalised form outgrows the column -------------------------------


def test_an_alias_that_normalizes_past_the_column_is_422_too_long(app, client, alice):
    long = "\ufdfa" * 15  # "ﷺ": one character that NFKD writes as eighteen
    assert len(long) <= MAX_NAME_LENGTH < len(normalize_name(long))
    project = client.post("/api/v1/projects.json", json={"name": "Timi"},
                          headers=alice.headers).json()
    answer = client.post(f"/api/v1/projects/{project['id']}/aliases.json", json={"alias": long},
                         headers=alice.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == {"alias": [message("nl", "too_long")]}
    replaced = client.patch(f"/api/v1/projects/{project['id']}.json", json={"aliases": [long]},
                            headers=alice.headers)
    assert replaced.status_code == 422, replaced.text
    assert list(replaced.json()["errors"]) == ["aliases"]
    assert replaced.json()["errors"]["aliases"][0].endswith(message("nl", "too_long"))
    created = client.post("/api/v1/services.json", json={"name": "Dev", "aliases": [long]},
                          headers=alice.headers)
    assert created.status_code == 422, created.text
    assert count(app, Alias) == 0
    # one fewer fits the column: stored, and its key is as long as the column allows
    fits = "\ufdfa" * 14
    answer = client.post(f"/api/v1/projects/{project['id']}/aliases.json", json={"alias": fits},
                         headers=alice.headers)
    assert answer.status_code == 201, answer.text
    with app.state.db.read() as session:
        assert [len(key) for key in session.scalars(select(Alias.normalized))] == [252]


# --- finding 13 (a): multipart fields are UTF-8, as urlencoded ones are ----------------------------


def multipart(fields: list[tuple[bytes, bytes]], charset: str = "") -> tuple[bytes, str]:
    boundary = "hygieneboundary"
    parts = b"".join(
        b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"" + name
        + b"\"\r\n\r\n" + value + b"\r\n"
        for name, value in fields
    )
    media = f"multipart/form-data; boundary={boundary}" + (f"; charset={charset}" if charset
                                                             else "")
    return parts + b"--" + boundary.encode() + b"--\r\n", media


@pytest.mark.parametrize("fields", [
    [(b"body", b"2 uur caf\xe9"), (b"duration", b"60")],  # Latin-1, not UTF-8
    [(b"body", b"2 uur \xff\xfe"), (b"duration", b"60")],
    [(b"body", b"2 uur"), (b"dura\xfftion", b"60")],  # the field name
])
def test_multipart_fields_that_are_not_utf8_are_400_like_a_form(app, client, alice, fields):
    body, media = multipart(fields)
    answer = client.post(ENTRIES, content=body, headers={**alice.headers, "Content-Type": media})
    assert answer.status_code == 400, answer.text
    assert "message" in answer.json()
    urlencoded = client.post(ENTRIES, content=b"body=2+uur+caf%E9&duration=60",
                             headers={**alice.headers,
                                      "Content-Type": "application/x-www-form-urlencoded"})
    assert urlencoded.status_code == 400
    assert count(app, TimeEntry) == 0


def test_multipart_utf8_fields_are_stored_as_sent(client, alice):
    body, media = multipart([(b"body", "2 uur café ✓".encode()), (b"duration", b"60")])
    answer = client.post(ENTRIES, content=body, headers={**alice.headers, "Content-Type": media})
    assert answer.status_code == 201, answer.text
    assert answer.json()["body"] == "2 uur café ✓"
    # a charset the request names is the one its fields are read in
    body, media = multipart([(b"body", "2 uur café".encode("latin-1")), (b"duration", b"60")],
                            charset="latin-1")
    answer = client.post(ENTRIES, content=body, headers={**alice.headers, "Content-Type": media})
    assert answer.status_code == 201 and answer.json()["body"] == "2 uur café"


# --- finding 13 (b): Idempotency-Key is counted in characters --------------------------------------


def keyed(client, account, key: bytes, body: str = "2 uur werk"):
    headers = [(b"authorization", f"Bearer {account.token}".encode()),
               (b"idempotency-key", key)]
    return client.post(ENTRIES, data={"body": body}, headers=headers)


def test_an_idempotency_key_of_128_characters_is_taken_however_many_bytes(app, client, alice):
    key = "é" * MAX_IDEMPOTENCY_KEY_LENGTH  # 256 bytes in UTF-8
    first = keyed(client, alice, key.encode())
    assert first.status_code == 201, first.text
    again = keyed(client, alice, key.encode())
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == first.content
    with app.state.db.read() as session:
        assert list(session.scalars(select(IdempotencyKey.key))) == [key]
    assert count(app, TimeEntry) == 1
    too_long = keyed(client, alice, ("é" * (MAX_IDEMPOTENCY_KEY_LENGTH + 1)).encode())
    assert too_long.status_code == 422
    assert too_long.json()["errors"] == {"Idempotency-Key": [message("nl", "too_long")]}


def test_an_idempotency_key_that_is_not_utf8_is_422_invalid(app, alice):
    async def send() -> httpx.Response:  # TestClient would re-encode the header's bytes
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.post(ENTRIES, data={"body": "2 uur werk"}, headers=[
                (b"authorization", f"Bearer {alice.token}".encode()),
                (b"idempotency-key", b"key-\xff\xfe"),
            ])

    answer = anyio.run(send)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == {"Idempotency-Key": [message("nl", "invalid")]}
    assert count(app, TimeEntry) == 0


# --- finding 13 (c): an alias with a "/" is removed by its name -------------------------------------


@pytest.mark.parametrize("written", ["a%2Fb", "a/b", "A%2fB"])
def test_an_alias_with_a_slash_can_be_deleted_by_name(client, alice, written):
    project = client.post("/api/v1/projects.json", json={"name": "Timi"},
                          headers=alice.headers).json()
    base = f"/api/v1/projects/{project['id']}/aliases"
    assert client.post(f"{base}.json", json={"alias": "a/b"}, headers=alice.headers).status_code == 201
    for suffix in (".json", ""):
        answer = client.delete(f"{base}/{written}{suffix}", headers=alice.headers)
        if suffix == ".json":
            assert answer.status_code == 204, answer.text
        else:
            assert answer.status_code == 404  # gone already
    shown = client.get(f"/api/v1/projects/{project['id']}.json", headers=alice.headers).json()
    assert shown["aliases"] == []


def test_a_service_alias_with_slashes_is_deleted_without_the_suffix(client, alice):
    service = client.post("/api/v1/services.json", json={"name": "Dev", "aliases": ["ci/cd/ops"]},
                          headers=alice.headers).json()
    answer = client.delete(f"/api/v1/services/{service['id']}/aliases/ci%2Fcd%2Fops",
                           headers=alice.headers)
    assert answer.status_code == 204, answer.text


# --- finding 13 (d): a format character makes no look-alike second alias ----------------------------


@pytest.mark.parametrize("look_alike", ["Ro\u200bwan", "Row\u200dan", "\ufeffRowan", "R\u00adowan",
                                        "Rowan\u2060"])
def test_a_zero_width_character_makes_no_second_alias(app, client, alice, look_alike):
    timi = client.post("/api/v1/projects.json", json={"name": "Timi", "aliases": ["Rowan"]},
                       headers=alice.headers).json()
    site = client.post("/api/v1/projects.json", json={"name": "Site"}, headers=alice.headers).json()
    taken = client.post(f"/api/v1/projects/{site['id']}/aliases.json", json={"alias": look_alike},
                        headers=alice.headers)
    assert taken.status_code == 422, taken.text
    assert list(taken.json()["errors"]) == ["alias"]
    same = client.post(f"/api/v1/projects/{timi['id']}/aliases.json", json={"alias": look_alike},
                       headers=alice.headers)
    assert same.status_code == 201 and same.json()["aliases"] == ["Rowan"]
    assert count(app, Alias) == 1
    # and it is removed by its look-alike, as by its name
    encoded = look_alike.encode().hex()
    path = "".join(f"%{encoded[i:i + 2]}" for i in range(0, len(encoded), 2))
    gone = client.delete(f"/api/v1/projects/{timi['id']}/aliases/{path}.json",
                         headers=alice.headers)
    assert gone.status_code == 204 and count(app, Alias) == 0


def test_an_alias_with_a_format_character_is_kept_as_given_under_the_plain_key(app, client,
                                                                              alice):
    project = client.post("/api/v1/projects.json", json={"name": "Timi"},
                          headers=alice.headers).json()
    answer = client.post(f"/api/v1/projects/{project['id']}/aliases.json",
                         json={"alias": "Jan\u200bkees"}, headers=alice.headers)
    assert answer.status_code == 201 and answer.json()["aliases"] == ["Jan\u200bkees"]
    with app.state.db.read() as session:
        assert list(session.scalars(select(Alias.normalized))) == ["jankees"]
    other = client.post("/api/v1/services.json", json={"name": "Dev", "aliases": ["JANKEES"]},
                        headers=alice.headers)
    assert other.status_code == 422 and list(other.json()["errors"]) == ["aliases"]


# --- finding 13 (e): the OpenAPI date pattern is the shape of a real date --------------------------


def _date_patterns(document) -> set[str]:
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and "pattern" in node and "examples" in node \
                    and any(example == DATE_FORMATS[0][1] for example in node["examples"]):
                found.add(node["pattern"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(document)
    return found


NOT_DATES = ["0-0-0000", "00-00-0000", "0-1-2026", "1-0-2026", "32-01-2026", "27-13-2026",
             "27-03-0000", "0000-01-01", "2026-00-10", "2026-01-00", "2026-13-01", "2026-01-32",
             "99-99-9999", "9999-99-99", "2026-1-1", "1-1-26"]
DATES = ["27-03-2016", "7-3-2016", "07-03-2016", "31-12-9999", "1-1-0001", "2016-03-27",
         "0001-01-01", "9999-12-31", "29-02-2024"]


def test_the_openapi_date_pattern_admits_real_dates_only(client):
    patterns = _date_patterns(client.get("/openapi.json").json())
    assert len(patterns) == 1, patterns
    (pattern,) = patterns
    assert [text for text in NOT_DATES if re.search(pattern, text)] == []
    assert [text for text in DATES if not re.search(pattern, text)] == []
    assert all(re.search(pattern, example) for _, example, _ in DATE_FORMATS)


def test_every_date_the_api_reads_matches_its_pattern():
    from pydantic import TypeAdapter

    reader = TypeAdapter(DateText)
    pattern = reader.json_schema()["pattern"]
    for year in ("0000", "0001", "1899", "2026", "9999"):
        for month in range(14):
            for day in range(33):
                for text in (f"{day}-{month}-{year}", f"{day:02}-{month:02}-{year}",
                             f"{year}-{month:02}-{day:02}"):
                    try:
                        reader.validate_python(text)
                        read = True
                    except ValueError:
                        read = False
                    if read:
                        assert re.search(pattern, text), text
                    elif re.search(pattern, text):  # the shape of a date: an impossible day
                        assert day in (29, 30, 31), text
