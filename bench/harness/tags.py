"""The tag search (--tags): `GET /actors?skill=` on a skill that 0.1 % of actors hold, at
10,000 and at 1,000,000 actors, on PostgreSQL and on SQLite, through the service: p50 at the
large catalogue over p50 at the small one. The same sorted by name, with a common skill (a
third of the actors) besides, and the common skill alone are measured beside it."""

import json
import sqlite3
import subprocess
import time

from . import RESULTS, ROOT, log
from .data import load_postgres, load_sqlite
from .load import wrk
from .machine import drop_database, psql, wait_quiet
from .servers import start_service

SIZES = [10_000, 1_000_000]
CONCURRENCY = 16
SECONDS = 5
WARM_UP_SECONDS = 2
QUERIES = [
    ("rare", "/actors?skill=skill%20007", "a skill 0.1 % of actors hold"),
    ("rare_by_name", "/actors?skill=skill%20007&sort=name", "the same, sorted by name"),
    ("rare_and_common", "/actors?skill=skill%20007&skill=singing",
     "the same and a skill a third of actors hold"),
    ("common", "/actors?skill=singing", "a skill a third of actors hold"),
    ("common_by_name", "/actors?skill=singing&sort=name", "the same, sorted by name"),
]


def measure(server):
    """p50 and requests/s of each query on `server`, after a warm-up."""
    figures = {}
    for name, path, _ in QUERIES:
        wrk(server, CONCURRENCY, WARM_UP_SECONDS, ["get", path])
        wait_quiet()
        result = wrk(server, CONCURRENCY, SECONDS, ["get", path])
        if result["errors"]:
            raise SystemExit(f"{path}: {result['errors']} errors")
        figures[name] = {"p50_ms": round(result["p50_ms"], 3), "rps": result["rps"]}
        log(f"    {name}: p50 {result['p50_ms']:.2f} ms, {result['rps']:.0f} req/s")
    return figures


def on_postgres(build, size):
    load_postgres(build, size)
    psql("-f", str(build.sql / "tags_postgres.sql"), database=build.database,
         stdout=subprocess.DEVNULL)
    server = start_service(build, build.url, "service")
    try:
        return measure(server)
    finally:
        server.stop()
        drop_database(build.database)


def on_sqlite(build, size):
    path, _ = load_sqlite(build, size)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript((build.sql / "tags_sqlite.sql").read_text())
    db.close()
    server = start_service(build, f"sqlite://{path}", "service")
    try:
        return measure(server)
    finally:
        server.stop()


def tag_search(build):
    """Runs the queries on each database at each size; writes bench/results/tags.*"""
    started = time.monotonic()
    results = {"command": "bench/run --tags", "commit": build.commit,
               "concurrency": CONCURRENCY, "seconds": SECONDS,
               "queries": {name: f"GET {path}: {what}" for name, path, what in QUERIES},
               "p50_ms": {}}
    for database, runner in [("postgres", on_postgres), ("sqlite", on_sqlite)]:
        for size in SIZES:
            log(f"{database}, {size:,} actors")
            results["p50_ms"].setdefault(database, {})[str(size)] = runner(build, size)
    small, large = (str(size) for size in SIZES)
    ratios = {database: {name: round(by_size[large][name]["p50_ms"]
                                     / by_size[small][name]["p50_ms"], 2)
                         for name, _, _ in QUERIES}
              for database, by_size in results["p50_ms"].items()}
    results["ratio_large_over_small"] = ratios
    (RESULTS / "tags.json").write_text(json.dumps(results, indent=2) + "\n")
    rows = "".join(
        f"| {database} | `{name}` | {by_size[small][name]['p50_ms']} | "
        f"{by_size[large][name]['p50_ms']} | {ratios[database][name]} |\n"
        for database, by_size in results["p50_ms"].items() for name, _, _ in QUERIES)
    table = (f"# Tag search\n\n`{results['command']}` at {build.commit}: p50 at concurrency "
             f"{CONCURRENCY}, {SECONDS} s per query after a warm-up, through the service.\n\n"
             + "".join(f"- `{name}`: GET {path}: {what}\n" for name, path, what in QUERIES)
             + f"\n| database | query | p50 ms at {SIZES[0]:,} | p50 ms at {SIZES[1]:,} | "
               "ratio |\n|---|---|---:|---:|---:|\n" + rows)
    (RESULTS / "tags.md").write_text(table)
    print(table)
    log(f"done in {time.monotonic() - started:.0f} s: {(RESULTS / 'tags.md').relative_to(ROOT)}")
