"""``POST /time_entries/import.json``: a CSV of entries, stored all or none."""

from __future__ import annotations

import pytest

from nlentry.api.request import csv_rows
from nlentry.limits import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, MAX_REQUEST_BYTES
from nlentry.storage.demo import seed_example_catalog

IMPORT = "/api/v1/time_entries/import.json"
ENTRIES = "/api/v1/time_entries"
EXPORT = "/api/v1/time_entries.csv"


def send(client, account, csv: str, key: str | None = None, params=None, **fields):
    headers = dict(account.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(IMPORT, json={"csv": csv, **fields}, headers=headers, params=params)


def entries(client, account) -> list[dict]:
    page = client.get(ENTRIES, params={"per_page": 100, "sort": "created_at"},
                      headers=account.headers).json()  # fmt: skip
    return sorted(page["time_entries"], key=lambda e: e["id"])


def total(client, account) -> int:
    return client.get(ENTRIES, headers=account.headers).json()["total_entries"]


def test_structured_rows_are_stored(client, example_catalog):
    alice = example_catalog
    csv = ("Date,Duration_Seconds,Project,Service,Description,Billable,Tags\n"
           "2026-03-01,3600,Timi,Development,bugs,,\"a, #b\"\n"
           "02-03-2026,1800,rowan,ontwerp,schetsen,false,\n"
           "2026-03-03,900,,,,yes,x\n")
    answer = send(client, alice, csv)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["created"] == 3
    assert [row["row"] for row in result["rows"]] == [2, 3, 4]
    stored = entries(client, alice)
    assert [e["id"] for e in stored] == [row["id"] for row in result["rows"]]
    assert [(e["date"], e["duration"]) for e in stored] == [
        ("2026-03-01", 3600), ("2026-03-02", 1800), ("2026-03-03", 900)]
    assert [e["project"] and e["project"]["name"] for e in stored] == ["Timi", "Timi", None]
    assert [e["service"] and e["service"]["name"] for e in stored] == [
        "Development", "Design", None]
    assert [e["billable"] for e in stored] == [True, False, True]
    assert [e["tags"] for e in stored] == [["a", "b"], [], ["x"]]
    assert [(e["body"], e["description"]) for e in stored] == [
        ("bugs", "bugs"), ("schetsen", "schetsen"), ("", "")]


def test_body_rows_are_parsed_as_a_create_parses_them(client, example_catalog):
    alice = example_catalog
    csv = "body,date\n2,5 uur met Rowan aan Timi gewerkt #review,2016-03-27\nvan 9 tot 11 css,\n"
    answer = send(client, alice, csv.replace("2,5 uur met", '"2,5 uur met').replace(
        "#review,", '#review",'))
    assert answer.status_code == 201, answer.text
    first, second = entries(client, alice)
    created = client.post("/api/v1/time_entries.json", json={
        "body": "2,5 uur met Rowan aan Timi gewerkt #review", "date": "2016-03-27"},
        headers=alice.headers).json()
    volatile = {"id", "created_at", "updated_at", "warnings", "candidates"}
    assert {k: v for k, v in first.items() if k not in volatile} == {
        k: v for k, v in created.items() if k not in volatile}
    assert (second["start_time"], second["end_time"], second["duration"]) == ("09:00", "11:00",
                                                                              7200)
    assert second["service"]["name"] == "Development"


def test_hours_and_times_make_the_duration(client, alice):
    csv = ("date,hours,start_time,end_time,duration_seconds\n"
           "2026-03-01,1.5,,,\n2026-03-01,\"0,25\",,,\n2026-03-01,,22:00,02:00,\n"
           "2026-03-01,9.99,09:00,10:00,600\n")
    assert send(client, alice, csv).status_code == 201
    assert [(e["duration"], e["start_time"]) for e in entries(client, alice)] == [
        (5400, None), (900, None), (14400, "22:00"), (600, "09:00")]


def test_one_row_that_cannot_be_stored_stores_none(client, example_catalog):
    alice = example_catalog
    csv = ("date,duration_seconds,project,start_time,end_time\n"
           "2026-03-01,3600,Timi,,\n31-02-2026,abc,Nergens,,\n,60,,,\n2026-03-01,,,10:00,10:00\n")
    answer = send(client, alice, csv)
    assert answer.status_code == 422
    refusal = answer.json()
    assert refusal["param"] == "rows"
    assert refusal["rows"] == [
        {"row": 3, "errors": {"date": ["is geen geldige datum"],
                              "duration_seconds": ["is geen getal"],
                              "project": ["bestaat niet"]}},
        {"row": 4, "errors": {"date": ["moet opgegeven zijn"]}},
        {"row": 5, "errors": {"end_time": ["is gelijk aan de begintijd"]}},
    ]
    assert refusal["errors"]["rows"][1] == "rij 4: date moet opgegeven zijn"
    assert total(client, alice) == 0


def test_partial_stores_the_valid_rows_and_reports_the_others(client, alice):
    csv = "body\n2 uur werk\nlunch\n1 uur mail\n"
    for params, fields in (({"partial": "true"}, {}), ({}, {"partial": True}),
                           ({"partial": "false"}, {"partial": "yes"})):
        answer = send(client, alice, csv, params=params, **fields)
        assert answer.status_code == 201, answer.text
        rows = answer.json()["rows"]
        assert answer.json()["created"] == 2
        assert [set(row) for row in rows] == [{"row", "id"}, {"row", "errors"}, {"row", "id"}]
        assert rows[1] == {"row": 3, "errors": {"duration": ["geen duur gevonden"]}}
    assert total(client, alice) == 6
    nothing = send(client, alice, "body\nlunch\n", params={"partial": "true"})
    assert nothing.status_code == 422 and total(client, alice) == 6


def test_a_stored_row_says_what_the_parser_guessed(client, alice):
    rows = send(client, alice, "body\n3 uur mandag\n2 uur werk\n").json()["rows"]
    assert [set(row) for row in rows] == [{"row", "id", "warnings"}, {"row", "id"}]
    assert [(w["code"], w["suggestion"]) for w in rows[0]["warnings"]] == [
        ("did_you_mean", "maandag")]


@pytest.mark.parametrize(("csv", "message"), [
    ("body,kleur\n1 uur,rood\n", "noemt een onbekende kolom: kleur"),
    ("body,Body\n1 uur,1 uur\n", "noemt een kolom twee keer: body"),
    ("date,project\n2026-03-01,Timi\n",
     "heeft een kolom body nodig, of date met duration_seconds, hours of start_time en end_time"),
    ("body\n", "heeft geen rijen na de kopregel"),
    ("body\n\n,\n", "heeft geen rijen na de kopregel"),
    ('body\n"1 uur\n', "rij 2: is geen leesbare CSV"),
    ("\n", "moet opgegeven zijn"),
])
def test_a_file_that_cannot_be_read_is_422_naming_it(client, alice, csv, message):
    answer = send(client, alice, csv)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == {"csv": [message]}
    assert "rows" not in answer.json()


def test_a_row_with_more_cells_than_columns_is_refused(client, alice):
    answer = send(client, alice, "body\n1 uur,extra\n1 uur,\n")
    assert answer.status_code == 422
    assert answer.json()["rows"] == [
        {"row": 2, "errors": {"row": ["heeft meer cellen dan de kopregel kolommen"]}}]


def test_rows_are_limited(client, alice, monkeypatch):
    monkeypatch.setattr(csv_rows, "MAX_IMPORT_ROWS", 3)
    assert send(client, alice, "body\n" + "1 uur\n" * 3).status_code == 201
    answer = send(client, alice, "body\n" + "1 uur\n" * 4)
    assert answer.json()["errors"] == {"csv": ["heeft meer rijen dan toegestaan: 3"]}


def test_an_import_may_be_larger_than_other_bodies_but_is_limited(client, alice):
    """An export of 10,000 entries is over the 1 MiB of other bodies: the import takes
    up to ``MAX_IMPORT_BYTES``; a create stays at ``MAX_REQUEST_BYTES``."""
    rows = "".join(f"2026-03-01,60,{'x' * 140} {i}\n" for i in range(MAX_IMPORT_ROWS))
    csv = "date,duration_seconds,description\n" + rows
    assert MAX_REQUEST_BYTES < len(csv.encode()) < MAX_IMPORT_BYTES
    answer = client.post(IMPORT, content=csv.encode(),
                         headers={**alice.headers, "Content-Type": "text/csv"})
    assert answer.status_code == 201, answer.text[:300]
    assert total(client, alice) == MAX_IMPORT_ROWS
    big = client.post(ENTRIES + ".json", content=b"body=" + b"x" * MAX_REQUEST_BYTES,
                      headers=alice.headers)
    assert big.status_code == 413
    over = client.post(IMPORT, content=b"body\n" + b"1 uur werk aan iets\n" * (
        MAX_IMPORT_BYTES // 20 + 10), headers={**alice.headers, "Content-Type": "text/csv"})
    assert over.status_code == 413 and total(client, alice) == MAX_IMPORT_ROWS


@pytest.mark.parametrize("how", ["text/csv", "multipart", "form", "json"])
def test_the_csv_comes_in_every_way(client, alice, how):
    csv = "\ufeffdate;duration_seconds;description\r\n2026-03-01;60;één\r\n"
    headers = alice.headers
    if how == "text/csv":
        answer = client.post(IMPORT, content=csv.encode("utf-8"),
                             headers={**headers, "Content-Type": "text/csv; charset=utf-8"})
    elif how == "multipart":
        answer = client.post(IMPORT, files={"file": ("uren.csv", csv.encode(), "text/csv")},
                             data={"partial": "false"}, headers=headers)
    elif how == "form":
        answer = client.post(IMPORT, data={"csv": csv}, headers=headers)
    else:
        answer = send(client, alice, csv)
    assert answer.status_code == 201, answer.text
    assert [(e["description"], e["duration"]) for e in entries(client, alice)] == [("één", 60)]


def test_the_charset_a_request_names_is_read(client, alice):
    csv = "date,duration_seconds,description\n2026-03-01,60,café\n"
    answer = client.post(IMPORT, content=csv.encode("latin-1"),
                         headers={**alice.headers, "Content-Type": "text/csv; charset=latin-1"})
    assert answer.status_code == 201
    assert entries(client, alice)[0]["description"] == "café"
    wrong = client.post(IMPORT, content=csv.encode("latin-1"),
                        headers={**alice.headers, "Content-Type": "text/csv"})
    assert wrong.status_code == 400


def test_unreadable_input_is_refused(client, alice):
    assert send(client, alice, "body\n1 uur \x00\n").json()["errors"] == {
        "csv": ["is not valid text (it has a NUL character)"]}
    both = client.post(IMPORT, data={"csv": "body\n1 uur\n", "file": "body\n1 uur\n"},
                       headers=alice.headers)
    assert both.status_code == 422 and "file" in both.json()["errors"]
    assert client.post(IMPORT, json={}, headers=alice.headers).json()["errors"] == {
        "csv": ["moet opgegeven zijn"]}
    unknown = client.post(IMPORT, json={"csv": "body\n1 uur\n", "rows": 3}, params={"x": "1"},
                          headers=alice.headers)
    assert unknown.json()["errors"] == {"x": ["is geen bekende parameter"],
                                        "rows": ["is geen bekend veld"]}
    # text/csv stays 415 on any other route
    other = client.post("/api/v1/time_entries", content=b"body\n1 uur\n",
                        headers={**alice.headers, "Content-Type": "text/csv"})
    assert other.status_code == 415
    assert total(client, alice) == 0


def test_formula_defusing_is_undone(client, alice):
    csv = ("date,duration_seconds,description,tags\n"
           "2026-03-01,60,'=SUM(A1),'-x\n2026-03-01,60,'gewoon,\n2026-03-01,60,'@here,\n")
    assert send(client, alice, csv).status_code == 201
    assert [(e["description"], e["tags"]) for e in entries(client, alice)] == [
        ("=SUM(A1)", ["-x"]), ("'gewoon", []), ("@here", [])]


def test_names_are_found_by_name_alias_and_client(client, alice):
    headers = alice.headers
    one = client.post("/api/v1/clients", json={"name": "Een"}, headers=headers).json()
    two = client.post("/api/v1/clients", json={"name": "Twee"}, headers=headers).json()
    first = client.post("/api/v1/projects", json={"name": "Site", "client_id": one["id"]},
                        headers=headers).json()
    second = client.post("/api/v1/projects", json={"name": "Site", "client_id": two["id"]},
                         headers=headers).json()
    client.post("/api/v1/projects", json={"name": "Kiwi", "aliases": ["site twee"]},
                headers=headers)
    csv = ("date,duration_seconds,project,client\n"
           "2026-03-01,60,site,twee\n2026-03-01,60,SITE,Een\n2026-03-01,60,Kiwi,\n")
    assert send(client, alice, csv).status_code == 201
    assert [e["project"]["id"] for e in entries(client, alice)[:2]] == [second["id"], first["id"]]
    ambiguous = send(client, alice, "date,duration_seconds,project\n2026-03-01,60,Site\n")
    assert ambiguous.json()["rows"] == [
        {"row": 2, "errors": {"project": ["past bij meer dan één project of dienst"]}}]


def test_messages_are_in_the_callers_locale(client, carol):
    answer = send(client, carol, "body\nlunch\n")
    assert answer.json()["errors"] == {"rows": ["row 2: duration no duration found"]}


def test_without_a_token_401_and_without_the_scope_403(client, alice, narrow):
    assert client.post(IMPORT, json={"csv": "body\n1 uur\n"}).status_code == 401
    answer = send(client, narrow, "body\n1 uur\n")
    assert answer.status_code == 403
    assert answer.json()["required_scope"] == "write:time_entries"
    assert total(client, alice) == 0


# --- Idempotency-Key --------------------------------------------------------------------


def test_a_replay_returns_the_first_answer_byte_for_byte(client, alice):
    csv = "body\n2 uur a\n1 uur b\n"
    first = send(client, alice, csv, key="i-1")
    again = send(client, alice, csv, key="i-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
    as_text = client.post(IMPORT, content=csv.encode(), headers={
        **alice.headers, "Content-Type": "text/csv", "Idempotency-Key": "i-1"})
    assert as_text.content == first.content  # the same fields: {"csv": ...}
    assert total(client, alice) == 2


def test_the_same_key_with_another_file_or_query_is_422(client, alice):
    send(client, alice, "body\n2 uur a\nlunch\n", key="i-2", params={"partial": "true"})
    for csv, params in (("body\n2 uur a\n", {"partial": "true"}),
                        ("body\n2 uur a\nlunch\n", None)):
        answer = send(client, alice, csv, key="i-2", params=params)
        assert answer.status_code == 422
        assert answer.json()["errors"] == {"Idempotency-Key": [
            "is al gebruikt voor een ander verzoek"]}
    assert total(client, alice) == 1


def test_a_refused_file_is_kept_for_its_key(client, alice):
    first = send(client, alice, "body\nlunch\n", key="i-3")
    again = send(client, alice, "body\nlunch\n", key="i-3")
    assert first.status_code == again.status_code == 422 and again.content == first.content


# --- the export, imported -------------------------------------------------------------------


def test_a_file_of_the_export_shape_imports_as_it_is(client, example_catalog):
    alice = example_catalog
    csv = ("id,date,start_time,end_time,duration_seconds,hours,project,client,service,"
           "description,body,billable,tags,created_at,updated_at,rounded_hours,user_id,user\r\n"
           "41,2026-03-01,09:00,11:30,9000,2.50,Timi,Timi BV,Development,'=1+1,"
           "'-2 uur aan Timi,false,\"a, b\",2026-03-01T09:00:00+01:00,"
           "2026-03-01T09:00:00+01:00,2.50,7,alice\r\n")
    answer = send(client, alice, csv)
    assert answer.status_code == 201, answer.text
    (entry,) = entries(client, alice)
    assert (entry["date"], entry["start_time"], entry["end_time"], entry["duration"]) == (
        "2026-03-01", "09:00", "11:30", 9000)
    assert (entry["project"]["name"], entry["service"]["name"]) == ("Timi", "Development")
    assert (entry["description"], entry["body"]) == ("=1+1", "-2 uur aan Timi")
    assert (entry["billable"], entry["tags"]) == (False, ["a", "b"])
    assert entry["id"] != 41


def _export_rows(client, account) -> list[tuple]:
    """The export's rows without what a new workspace changes: ids and timestamps."""
    import csv
    import io

    answer = client.get(EXPORT, headers=account.headers)
    assert answer.status_code == 200, answer.text
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    return sorted(tuple((k, v) for k, v in row.items()
                        if k not in ("id", "created_at", "updated_at")) for row in rows)  # fmt: skip


def test_export_then_import_into_a_fresh_workspace_then_export_gives_the_same_rows(
    app, client, example_catalog, make_account
):
    alice = example_catalog
    h = alice.headers

    def post(**fields):
        return client.post("/api/v1/time_entries.json", json=fields, headers=h)

    post(body="2,5 uur met Rowan aan Timi gewerkt #review")
    post(body="van 9 tot 11:30 css voor Website", date="2026-03-02", billable=False)
    post(body="=1+1 1 uur", description="=SUM(A1)", tags=["+plus", "@at"])
    changed = post(body="1 uur Timi #weg").json()
    client.patch(f"{ENTRIES}/{changed['id']}", json={"project_id": None, "tags": ["ander"],
                                                     "duration": 60}, headers=h)  # fmt: skip
    client.post("/api/v1/time_entries/batch.json", json={
        "body": "2 uur Banners; gisteren 1 uur overleg met Erik, 3 uur Café Noord"}, headers=h)
    before = _export_rows(client, alice)
    assert len(before) == 7
    exported = client.get(EXPORT, headers=h).content

    fresh = make_account(app, "dana@fresh.example", workspace="Fresh")
    with app.state.db.write() as session:
        seed_example_catalog(session, fresh.workspace_id, fresh.id)
        session.commit()
    answer = client.post(IMPORT, files={"file": ("time_entries.csv", exported, "text/csv")},
                         headers=fresh.headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["created"] == 7
    assert _export_rows(client, fresh) == before


def test_ten_thousand_rows_are_one_transaction(app, client, alice):
    csv = "date,duration_seconds,description\n" + "".join(
        f"2026-03-{i % 28 + 1:02d},{i % 100 + 1},row {i}\n" for i in range(10_000))
    writer = app.state.db.entry_writer
    send(client, alice, "body\n1 uur\n")  # the writer's thread and the caller ready
    before = writer.batches
    answer = client.post(IMPORT, content=csv.encode(),
                         headers={**alice.headers, "Content-Type": "text/csv"})
    assert answer.status_code == 201
    assert answer.json()["created"] == 10_000 and writer.batches == before + 1
    ids = [row["id"] for row in answer.json()["rows"]]
    assert len(set(ids)) == 10_000 and ids == sorted(ids)
    assert total(client, alice) == 10_001
