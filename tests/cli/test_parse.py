"""``nlentry parse``: the command line, as a user runs it (a real subprocess).

The contract: ``nlentry parse TEXT [--catalog FILE.json] [--today
YYYY-MM-DD] [--locale auto|nl|en]`` prints the entry as one JSON object;
``nlentry parse --jsonl`` reads JSON Lines from standard input (each line a
JSON string or an object with ``"text"`` and optionally ``"today"``) and
writes one JSON result per line, in order, streaming. A line that cannot be
read gives a JSON error object on its own line and the others are still
answered.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SPEC_CATALOG = HERE.parent / "corpus" / "catalog.json"
NLENTRY = Path(sys.executable).with_name("nlentry")
TODAY = "2026-03-18"  # a Wednesday, as in docs/parsing.md


def run(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    assert NLENTRY.exists(), f"console script missing: {NLENTRY} (pip install -e .)"
    return subprocess.run(
        [str(NLENTRY), "parse", *args],
        check=False,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def parse_one(*args: str) -> dict:
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, f"expected one JSON line, got {proc.stdout!r}"
    out = json.loads(lines[0])
    assert isinstance(out, dict)
    return out


def jsonl(lines: list[str], *args: str) -> list[dict]:
    proc = run("--jsonl", *args, stdin="".join(line + "\n" for line in lines))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(lines), proc.stdout
    return out


def is_error_object(obj: dict) -> bool:
    """A result that reports a line it could not read, rather than an entry."""
    return isinstance(obj, dict) and bool(obj.get("error")) and obj.get("duration") is None


@pytest.fixture
def custom_catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(
        json.dumps(
            {
                "projects": [
                    {
                        "id": 77,
                        "name": "Zeppelin",
                        "aliases": ["zep", "luchtschip"],
                        "client": {"id": 9, "name": "Air BV"},
                    },
                    {"id": 78, "name": "Intern", "aliases": [], "client": None},
                ],
                "services": [{"id": 5, "name": "Support", "aliases": ["helpdesk"]}],
            }
        ),
        encoding="utf-8",
    )
    return path


# --- one sentence ---------------------------------------------------------------


def test_spec_example_with_catalog_and_today():
    out = parse_one(
        "2,5 uur met Rowan aan Timi gewerkt", "--catalog", str(SPEC_CATALOG), "--today", TODAY
    )
    assert out["duration"] == 9000
    assert out["date"] == TODAY
    assert out["project_id"] == 2
    assert out["service_id"] is None
    assert out["locale"] == "nl"
    assert out["errors"] == {}


def test_range_day_and_service_from_catalog():
    out = parse_one(
        "gisteren van half 9 tot 12 coden voor Website",
        "--catalog",
        str(SPEC_CATALOG),
        "--today",
        TODAY,
    )
    assert (out["duration"], out["date"]) == (12600, "2026-03-17")
    assert (out["start_time"], out["end_time"]) == ("08:30", "12:00")
    assert (out["project_id"], out["service_id"]) == (3327, 1)


def test_today_option_anchors_relative_days():
    a = parse_one("gisteren 1 uur", "--today", TODAY)
    b = parse_one("gisteren 1 uur", "--today", "2026-01-01")
    assert (a["date"], a["duration"]) == ("2026-03-17", 3600)
    assert (b["date"], b["duration"]) == ("2025-12-31", 3600)


def test_no_catalog_means_no_project():
    out = parse_one("2,5 uur aan Timi gewerkt", "--today", TODAY)
    assert out["duration"] == 9000
    assert out["project_id"] is None and out["service_id"] is None


def test_custom_catalog_file(custom_catalog: Path):
    out = parse_one("3 uur helpdesk voor zep", "--catalog", str(custom_catalog), "--today", TODAY)
    assert out["duration"] == 10800
    assert out["project_id"] == 77
    assert out["service_id"] == 5
    # the corpus catalog's names mean nothing with this catalog
    out = parse_one("3 uur aan Timi", "--catalog", str(custom_catalog), "--today", TODAY)
    assert out["project_id"] is None


def test_locale_option_is_obeyed():
    en = parse_one("2 hours on Timi", "--catalog", str(SPEC_CATALOG), "--locale", "en")
    assert (en["locale"], en["duration"], en["project_id"]) == ("en", 7200, 2)
    auto = parse_one("2 hours on Timi", "--catalog", str(SPEC_CATALOG), "--locale", "auto")
    assert auto["locale"] == "en"
    nl = parse_one("2 uur aan Timi", "--catalog", str(SPEC_CATALOG), "--locale", "nl")
    assert (nl["locale"], nl["duration"]) == ("nl", 7200)


def test_missing_duration_error_follows_locale():
    nl = parse_one("lunch", "--locale", "nl", "--today", TODAY)
    en = parse_one("lunch", "--locale", "en", "--today", TODAY)
    assert nl["duration"] is None and en["duration"] is None
    assert nl["locale"] == "nl" and en["locale"] == "en"
    assert nl["errors"]["duration"] and en["errors"]["duration"]
    assert nl["errors"]["duration"] != en["errors"]["duration"]
    assert nl["date"] == TODAY


def test_output_is_utf8_json_with_plain_types():
    out = parse_one(
        "maandag anderhalf uur mockups voor Café Noord 🎉",
        "--catalog",
        str(SPEC_CATALOG),
        "--today",
        TODAY,
    )
    assert (out["duration"], out["date"], out["project_id"], out["service_id"]) == (
        5400,
        "2026-03-16",
        13,
        2,
    )
    assert isinstance(out["date"], str)


# --- JSON Lines ------------------------------------------------------------------


def test_jsonl_strings_and_objects_in_order():
    lines = [
        json.dumps("2,5 uur met Rowan aan Timi gewerkt"),
        json.dumps({"text": "1h30 meeting about the redesign yesterday"}),
        json.dumps({"text": "gisteren 2 uur", "today": "2026-01-01"}),
        json.dumps("lunch"),
        json.dumps({"text": "45 min Timi"}),
    ]
    out = jsonl(lines, "--catalog", str(SPEC_CATALOG), "--today", TODAY)
    assert out[0]["duration"] == 9000 and out[0]["project_id"] == 2
    assert out[0]["date"] == TODAY
    assert (out[1]["duration"], out[1]["project_id"], out[1]["service_id"]) == (5400, 10, 3)
    assert out[1]["date"] == "2026-03-17"
    # a line's own "today" wins over --today
    assert (out[2]["duration"], out[2]["date"]) == (7200, "2025-12-31")
    assert out[3]["duration"] is None and out[3]["errors"]["duration"]
    assert (out[4]["duration"], out[4]["project_id"]) == (2700, 2)


def test_jsonl_bad_lines_answer_errors_and_the_rest_goes_on():
    lines = [
        json.dumps("1 uur aan Timi"),
        "{this is not json",
        json.dumps({"no_text_here": 1}),
        "42",
        json.dumps("2 uur aan Timi"),
    ]
    out = jsonl(lines, "--catalog", str(SPEC_CATALOG), "--today", TODAY)
    assert (out[0]["duration"], out[0]["project_id"]) == (3600, 2)
    for bad in out[1:4]:
        assert is_error_object(bad), bad
    assert (out[4]["duration"], out[4]["project_id"]) == (7200, 2)


def test_jsonl_many_lines_keep_their_order():
    minutes = [(i * 7) % 1400 + 1 for i in range(2000)]  # all under 24 h
    lines = [json.dumps(f"{m} min") for m in minutes]
    out = jsonl(lines, "--today", TODAY)
    assert [o["duration"] for o in out] == [m * 60 for m in minutes]
    assert {o["date"] for o in out} == {TODAY}


def test_jsonl_streams_answers_before_input_ends():
    """A line is answered while standard input is still open (bulk import streams)."""
    proc = subprocess.Popen(
        [str(NLENTRY), "parse", "--jsonl", "--today", TODAY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    answers: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: answers.put(proc.stdout.readline()), daemon=True)
    try:
        reader.start()
        proc.stdin.write(json.dumps("3 uur") + "\n")
        proc.stdin.flush()
        try:
            first = answers.get(timeout=30)
        except queue.Empty:
            pytest.fail("no answer to the first line while stdin stays open")
        assert json.loads(first)["duration"] == 10800
        proc.stdin.write(json.dumps("4 uur") + "\n")
        proc.stdin.close()
        rest = proc.stdout.read()
        assert [json.loads(x)["duration"] for x in rest.splitlines()] == [14400]
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_parse_command_does_not_load_the_service_stack():
    """``nlentry parse`` starts fast: the web and database layers stay unloaded."""
    code = (
        "import sys, contextlib, io\n"
        "from nlentry.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['parse', '2 uur aan Timi'])\n"
        "assert '\"duration\":7200' in out.getvalue().replace(' ', ''), out.getvalue()\n"
        "loaded = sorted(m for m in ('sqlalchemy', 'alembic', 'starlette', 'uvicorn')"
        " if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_jsonl_answers_a_blank_line_too_so_output_lines_up_with_input():
    out = jsonl(['"2 uur"', "", "   ", '"3 uur"'], "--today", TODAY)
    assert [o.get("duration") for o in out] == [7200, None, None, 10800]
    assert out[1] == out[2] == {"error": 'a blank line: expected a JSON string or an object with "text"'}
