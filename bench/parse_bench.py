"""Parser benchmark: nlentry against dateparser's search_dates, one run.

    .venv/bin/python bench/parse_bench.py            # print the figures
    .venv/bin/python bench/parse_bench.py --check    # exit 1 when a target is missed

Sentences come from the test corpus (``tests/corpus/*.jsonl``; a small built-in
list when it is absent). Every sentence is parsed with a catalog of at least
200 aliases: the example catalog (``tests/corpus/catalog.json``, or the line's own
``catalog`` file) plus generated projects and services. Reported:

* nlentry: median and p99 microseconds per sentence, after a warm-up round,
  over several timed rounds (each parse timed on its own);
* dateparser ``search_dates(text, languages=["nl", "en"])`` on the same
  sentences (one timed round after a warm-up), and how many times slower it is;
* ``import nlentry`` plus the first parse in a fresh interpreter (median of 5).

* ``parse_many`` on 5-entry messages (median);
* the hard cases of issue 9: a catalog of 1,000 projects with one name and a
  sentence naming it 99 times, and a 10,000-character text (median of 20).

Targets: median <= 50 us, >= 25x faster than search_dates, parse_many of 5
entries < 300 us, import + first parse < 0.5 s, the same-named catalog
< 5 ms, the 10,000-character text < 50 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
DEFAULT_TODAY = dt.date(2026, 3, 18)

TARGET_MEDIAN_US = 50.0
TARGET_RATIO = 25.0
TARGET_MANY_US = 300.0
TARGET_SAME_NAME_MS = 5.0
TARGET_LONG_TEXT_MS = 50.0
TARGET_COLD_S = 0.5

FALLBACK_SENTENCES = [
    "2,5 uur met Rowan aan Timi gewerkt",
    "8 uur voor Timi gewerkt vanuit huis",
    "gisteren van half 9 tot 12 coden voor Website",
    "1h30 meeting about the redesign yesterday",
    "maandag anderhalf uur mockups voor cafe noord",
    "om 14:00 een uur overleg met Erik",
    "from 1 to 3 html for p2k last friday",
    "lunch",
    "2 uur aan Project 2000",
    "vorige week dinsdag 3 uur vergadering",
    "45 min css voor de homepage",
    "half an hour call with Wilco",
    "16-03 van 9:00-12:30 rails",
    "tien over half negen tot kwart voor 10 ontwerp",
    "3 days ago 2 hours and 10 minutes coding for Tango",
]

SYLLABLES = ["ka", "lo", "mi", "ra", "ven", "dor", "tis", "bel", "nu"]
SYLLABLES += ["sar", "pek", "fin", "gor", "lum", "wex", "zan", "hol", "tri"]


def _pseudo_word(rng: random.Random, used: set[str]) -> str:
    while True:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        if word.lower() not in used:
            used.add(word.lower())
            return word


def big_catalog_dict(base: dict, min_aliases: int, seed: int = 42) -> dict:
    """``base`` plus generated projects and services up to ``min_aliases`` aliases."""
    rng = random.Random(seed)
    used = {
        word.lower()
        for item in base["projects"] + base["services"]
        for name in [item["name"], *item.get("aliases", [])]
        for word in name.split()
    }
    projects = [dict(p) for p in base["projects"]]
    services = [dict(s) for s in base["services"]]

    def count() -> int:
        return sum(1 + len(i.get("aliases", [])) for i in projects + services)

    next_id = 100_000
    clients = [{"id": 90_000 + i, "name": f"{_pseudo_word(rng, used)} BV"} for i in range(20)]
    while count() < min_aliases:
        next_id += 1
        aliases = [_pseudo_word(rng, used) for _ in range(rng.randint(2, 4))]
        if next_id % 10 == 0:
            services.append({"id": next_id, "name": _pseudo_word(rng, used), "aliases": aliases})
        else:
            name = " ".join(_pseudo_word(rng, used) for _ in range(rng.randint(1, 2)))
            projects.append(
                {"id": next_id, "name": name, "aliases": aliases, "client": rng.choice(clients)}
            )
    return {"projects": projects, "services": services}


def load_cases() -> tuple[list[dict], str]:
    files = sorted(CORPUS.glob("*.jsonl"))
    cases = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    if cases:
        return cases, f"{len(cases)} sentences from {', '.join(p.name for p in files)}"
    cases = [{"text": t} for t in FALLBACK_SENTENCES]
    return cases, f"{len(cases)} built-in sentences (no tests/corpus/*.jsonl)"


def prepare(cases: list[dict], min_aliases: int):
    from nlentry import Catalog

    catalogs: dict[str, object] = {}
    alias_count = 0

    def catalog_for(name: str):
        nonlocal alias_count
        if name not in catalogs:
            path = CORPUS / name
            base = (
                json.loads(path.read_text(encoding="utf-8"))
                if path.exists()
                else {"projects": [], "services": []}
            )
            d = big_catalog_dict(base, min_aliases)
            n = sum(1 + len(i.get("aliases", [])) for i in d["projects"] + d["services"])
            alias_count = max(alias_count, n)
            catalogs[name] = Catalog.from_dict(d)
        return catalogs[name]

    calls = []
    for case in cases:
        kwargs = {
            "catalog": catalog_for(case.get("catalog", "catalog.json")),
            "today": dt.date.fromisoformat(case["today"]) if case.get("today") else DEFAULT_TODAY,
        }
        if case.get("locale"):
            kwargs["locale"] = case["locale"]
        if case.get("default_locale"):
            kwargs["default_locale"] = case["default_locale"]
        calls.append((case["text"], kwargs))
    return calls, alias_count


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def time_nlentry(calls, rounds: int) -> tuple[list[float], list[tuple[str, str]]]:
    """Sorted microseconds per parse, and the sentences on which parse raised."""
    from nlentry import parse

    raised: list[tuple[str, str]] = []
    good = []
    for text, kwargs in calls:  # warm-up round; parse must never raise, but say so if it does
        try:
            parse(text, **kwargs)
        except Exception as exc:  # noqa: BLE001
            raised.append((text, f"{type(exc).__name__}: {exc}"))
        else:
            good.append((text, kwargs))
    samples = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for text, kwargs in good:
            t0 = clock()
            parse(text, **kwargs)
            samples.append((clock() - t0) / 1000.0)
    samples.sort()
    return samples, raised


def time_dateparser(texts: list[str], limit: int) -> list[float]:
    from dateparser.search import search_dates

    texts = texts[:limit]
    for text in texts[:20]:  # warm-up: language data and caches
        search_dates(text, languages=["nl", "en"])
    samples = []
    clock = time.perf_counter_ns
    for text in texts:
        t0 = clock()
        with contextlib.suppress(Exception):  # dateparser trips on odd input; time it anyway
            search_dates(text, languages=["nl", "en"])
        samples.append((clock() - t0) / 1000.0)
    samples.sort()
    return samples


COLD_CODE = """
import time
t0 = time.perf_counter()
import nlentry
t1 = time.perf_counter()
entry = nlentry.parse("2,5 uur met Rowan aan Timi gewerkt", today="2026-03-18")
t2 = time.perf_counter()
assert entry.duration == 9000, entry
print(t1 - t0, t2 - t1)
"""


def time_cold_start(runs: int = 5) -> tuple[float, float, float]:
    """Median import and first-parse seconds, and median wall time of the whole process."""
    imports, firsts, walls = [], [], []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", COLD_CODE],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env=env,
        ).stdout.split()
        walls.append(time.perf_counter() - t0)
        imports.append(float(out[0]))
        firsts.append(float(out[1]))
    return statistics.median(imports), statistics.median(firsts), statistics.median(walls)


# Five entries in one message, in the ways people join them.
MANY_MESSAGES = [
    "9-12 coden voor Timi, 13-17 overleg bij Website\n1 uur Banners; 2 uur mockups en 30 min call",
    "gisteren 2 uur coden; 1 uur overleg; 30 min mail; 1,5 uur Website en 2 uur Banners",
    "2 hours coding for Timi\n1 hour meeting\n30 min email\n2 hours design then 1 hour call",
    "maandag 9-12 coden\n13-15 overleg\n15-16 mail\n16-17 Website\nalles voor Timi\n1 uur p2k",
]


def time_many(catalog, rounds: int = 200) -> float:
    """Median microseconds of ``parse_many`` over ``MANY_MESSAGES``."""
    from nlentry import parse_many

    times = []
    for _ in range(rounds):
        for text in MANY_MESSAGES:
            t0 = time.perf_counter()
            parse_many(text, catalog=catalog, today=DEFAULT_TODAY)
            times.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(times)


def time_hard_cases(runs: int = 20) -> tuple[float, float]:
    """Median milliseconds of the same-named catalog case and of a
    10,000-character text."""
    from nlentry import Catalog, parse

    same = Catalog.from_dict({"projects": [{"id": i, "name": "Same"} for i in range(1000)]})
    sentence = ("2 uur " + " ".join(["same"] * 99))[:600]
    words = ["2", "uur", "aan", "Website", "gisteren", "van", "9", "tot", "11", "overleg", "met", "Rowan", "#bugfix", "16-3"]
    rng = random.Random(7)
    long_text = ""
    while len(long_text) < 10_000:
        long_text += rng.choice(words) + " "
    long_text = long_text[:10_000]

    def median_ms(text, catalog) -> float:
        found = []
        for _ in range(runs):
            t0 = time.perf_counter()
            parse(text, catalog=catalog, today=DEFAULT_TODAY)
            found.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(found)

    return median_ms(sentence, same), median_ms(long_text, same)


def mark(ok: bool) -> str:
    return "ok  " if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="timed nlentry rounds (default 5)")
    ap.add_argument("--aliases", type=int, default=250, help="catalog size in names+aliases")
    ap.add_argument(
        "--dateparser-limit", type=int, default=10_000, help="at most this many search_dates calls"
    )
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)

    cases, source = load_cases()
    calls, alias_count = prepare(cases, args.aliases)
    texts = [text for text, _ in calls]
    print(f"corpus:   {source}")
    print(f"catalog:  {alias_count} names and aliases (example catalog + generated)")
    print(f"python:   {sys.version.split()[0]} on {os.cpu_count()} cores")

    ours, raised = time_nlentry(calls, args.rounds)
    med, p99 = statistics.median(ours), percentile(ours, 0.99)
    print(
        f"\nnlentry.parse           median {med:8.1f} us   p99 {p99:8.1f} us   "
        f"({len(ours)} parses, {args.rounds} rounds)"
    )

    if raised:
        print(f"  BUG: parse raised on {len(raised)} sentences (left out of the timing), e.g.")
        for text, err in raised[:3]:
            print(f"    {text!r}: {err}")
    big_calls, big_count = prepare(cases, 1000)
    big, _ = time_nlentry(big_calls, 2)
    big_med = statistics.median(big)
    print(
        f"  with {big_count} aliases  median {big_med:8.1f} us   "
        f"p99 {percentile(big, 0.99):8.1f} us"
    )

    theirs = time_dateparser(texts, args.dateparser_limit)
    dp_med, dp_p99 = statistics.median(theirs), percentile(theirs, 0.99)
    ratio = dp_med / med if med else float("inf")
    print(
        f"dateparser.search_dates median {dp_med:8.1f} us   p99 {dp_p99:8.1f} us   "
        f"({len(theirs)} calls)"
    )
    mean_ratio = statistics.mean(theirs) / statistics.mean(ours)
    print(
        f"search_dates / nlentry:  {ratio:.1f}x by median, {mean_ratio:.1f}x by mean "
        f"({statistics.mean(theirs):.0f} us vs {statistics.mean(ours):.0f} us)"
    )

    many_med = time_many(calls[0][1]["catalog"])
    print(f"parse_many, 5 entries    median {many_med:8.1f} us")
    same_ms, long_ms = time_hard_cases()
    print(f"1,000 same-named projects x 99 mentions: {same_ms:.2f} ms; "
          f"a 10,000-character text: {long_ms:.2f} ms (medians)")

    imp, first, wall = time_cold_start()
    cold = imp + first
    print(
        f"cold start: import nlentry {imp * 1000:.0f} ms + first parse {first * 1000:.0f} ms "
        f"= {cold * 1000:.0f} ms (whole interpreter {wall * 1000:.0f} ms)"
    )

    checks = [
        (f"median {med:.1f} us <= {TARGET_MEDIAN_US:.0f} us", med <= TARGET_MEDIAN_US),
        (
            f"{ratio:.1f}x faster than search_dates (median) >= {TARGET_RATIO:.0f}x",
            ratio >= TARGET_RATIO,
        ),
        (f"parse_many of 5 entries {many_med:.0f} us < {TARGET_MANY_US:.0f} us",
         many_med < TARGET_MANY_US),
        (f"import + first parse {cold:.3f} s < {TARGET_COLD_S} s", cold < TARGET_COLD_S),
        (f"same-named catalog {same_ms:.2f} ms < {TARGET_SAME_NAME_MS:.0f} ms",
         same_ms < TARGET_SAME_NAME_MS),
        (f"10,000 characters {long_ms:.2f} ms < {TARGET_LONG_TEXT_MS:.0f} ms",
         long_ms < TARGET_LONG_TEXT_MS),
        (f"parse raised on {len(raised)} sentences (must be 0)", not raised),
    ]
    print("\ntargets:")
    for text, ok in checks:
        print(f"  {mark(ok)} {text}")

    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "sentences": len(calls),
                    "aliases": alias_count,
                    "median_us": med,
                    "p99_us": p99,
                    "median_us_1000_aliases": big_med,
                    "dateparser_median_us": dp_med,
                    "dateparser_p99_us": dp_p99,
                    "ratio": ratio,
                    "mean_ratio": mean_ratio,
                    "parse_many_5_median_us": many_med,
                    "same_name_catalog_ms": same_ms,
                    "long_text_ms": long_ms,
                    "import_s": imp,
                    "first_parse_s": first,
                    "targets_met": all(ok for _, ok in checks),
                },
                indent=2,
            )
            + "\n"
        )
    if args.check and not all(ok for _, ok in checks):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
