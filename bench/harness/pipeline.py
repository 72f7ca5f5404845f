"""The pipeline (--pipeline), on PostgreSQL at 1,000,000 actors, through the service: a role
with 10,000 candidates against a role with 100, for the board's reads (the first page of
candidates, the page that starts at the 5,000th, and the role with its counts), each a p50 at
concurrency 16, and their ratio; then bulk moves of 500 candidates with their history, one at a
time, as a p50 of their latencies."""

import http.client
import json
import statistics
import time
import urllib.parse

from . import RESULTS, ROOT, log
from .data import load_postgres
from .load import wrk
from .machine import drop_database, psql, wait_quiet
from .servers import get_json, start_service

ACTORS = 1_000_000
SMALL, LARGE = 100, 10_000
DEPTH = 5_000
CONCURRENCY = 16
SECONDS = 5
WARM_UP_SECONDS = 2
BULK_SIZE = 500
BULK_WARM_UPS = 5
BULK_TIMES = 40
TARGET_RATIO = 1.5
TARGET_BULK_MS = 250


def make_roles(build):
    """A movie with two roles: one with SMALL candidates, one with LARGE, in every status but
    booked, graded or not (the first actors by id, straight into the tables)."""
    psql("-f", str(build.sql / "pipeline_postgres.sql"), "-v", f"small={SMALL}",
         "-v", f"large={LARGE}", database=build.database)


def reads(server, roles):
    """The board's reads of each role: their paths."""
    paths = {}
    for name, role_id in roles.items():
        base = f"/roles/{role_id}/candidates"
        paths[f"{name}_first_page"] = base
        cursor = None
        depth = min(DEPTH, (SMALL if name == "small" else LARGE) // 2)
        step = min(100, depth)
        for _ in range(depth // step):
            query = {"limit": step} | ({"cursor": cursor} if cursor else {})
            cursor = get_json(server, f"{base}?{urllib.parse.urlencode(query)}")["next_cursor"]
        paths[f"{name}_deep_page"] = f"{base}?{urllib.parse.urlencode({'cursor': cursor})}"
        paths[f"{name}_counts"] = f"/roles/{role_id}"
    return paths


def measure_reads(server, paths):
    figures = {}
    for name, path in paths.items():
        wrk(server, CONCURRENCY, WARM_UP_SECONDS, ["get", path])
        wait_quiet()
        result = wrk(server, CONCURRENCY, SECONDS, ["get", path])
        if result["errors"]:
            raise SystemExit(f"{path}: {result['errors']} errors")
        figures[name] = {"p50_ms": round(result["p50_ms"], 3), "rps": result["rps"]}
        log(f"    {name}: p50 {result['p50_ms']:.2f} ms, {result['rps']:.0f} req/s")
    return figures


def measure_bulk(server, role_id, actor_ids):
    """Moves the same BULK_SIZE candidates back and forth between two statuses, one request at a
    time on one connection; each move changes all of them, with 1,000 history rows."""
    host, port = server.base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": f"Bearer {server.bearer}", "Content-Type": "application/json"}
    timings = []
    for attempt in range(BULK_WARM_UPS + BULK_TIMES):
        status = "audition" if attempt % 2 == 0 else "callback"
        body = json.dumps({"actor_ids": actor_ids, "status": status})
        started = time.perf_counter()
        connection.request("POST", f"/roles/{role_id}/candidates/bulk", body, headers)
        response = connection.getresponse()
        answer = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"bulk move: {response.status} {answer[:300]!r}")
        if attempt >= BULK_WARM_UPS:
            # Past the first move, every one changes them all.
            assert json.loads(answer)["changed"] == len(actor_ids), answer[:300]
            timings.append(elapsed)
    connection.close()
    return {"p50_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1), "moves": len(timings)}


def pipeline(build):
    """Writes bench/results/pipeline.*"""
    started = time.monotonic()
    log(f"postgres, {ACTORS:,} actors")
    load_postgres(build, ACTORS)
    make_roles(build)
    server = start_service(build, build.url, "service")
    try:
        roles = {"small": 1, "large": 2}
        paths = reads(server, roles)
        figures = measure_reads(server, paths)
        ids = list(range(SMALL + 1, SMALL + 1 + BULK_SIZE))
        log(f"    bulk moves of {len(ids)}")
        bulk = measure_bulk(server, roles["large"], ids)
        log(f"    bulk: p50 {bulk['p50_ms']} ms")
    finally:
        server.stop()
        drop_database(build.database)
    ratios = {what: round(figures[f"large_{what}"]["p50_ms"] / figures[f"small_{what}"]["p50_ms"], 2)
              for what in ["first_page", "deep_page", "counts"]}
    results = {"command": "bench/run --pipeline", "commit": build.commit, "actors": ACTORS,
               "candidates": {"small": SMALL, "large": LARGE}, "concurrency": CONCURRENCY,
               "seconds": SECONDS, "paths": paths, "p50": figures,
               "ratio_large_over_small": ratios, "bulk": bulk}
    (RESULTS / "pipeline.json").write_text(json.dumps(results, indent=2) + "\n")
    met = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    rows = "".join(
        f"| {what.replace('_', ' ')} | {figures['small_' + what]['p50_ms']} | "
        f"{figures['large_' + what]['p50_ms']} | {ratios[what]} | "
        f"{met(ratios[what] <= TARGET_RATIO)} |\n"
        for what in ["first_page", "deep_page", "counts"])
    table = (f"# The pipeline\n\n`{results['command']}` at {build.commit}, PostgreSQL, "
             f"{ACTORS:,} actors, through the service. Reads: p50 at concurrency {CONCURRENCY}, "
             f"{SECONDS} s each after a warm-up; the deep page starts at candidate "
             f"{DEPTH:,} of the large role (at {SMALL // 2} of the small one).\n\n"
             f"| read | p50 ms, role of {SMALL} | p50 ms, role of {LARGE:,} | ratio | "
             f"target ≤ {TARGET_RATIO} |\n|---|---:|---:|---:|---|\n" + rows
             + f"\nBulk move of {BULK_SIZE} candidates with their history, one request at a "
               f"time, {bulk['moves']} moves: p50 **{bulk['p50_ms']} ms** (max "
               f"{bulk['max_ms']} ms); target < {TARGET_BULK_MS} ms: "
               f"{met(bulk['p50_ms'] < TARGET_BULK_MS)}.\n")
    (RESULTS / "pipeline.md").write_text(table)
    print(table)
    log(f"done in {time.monotonic() - started:.0f} s: "
        f"{(RESULTS / 'pipeline.md').relative_to(ROOT)}")
