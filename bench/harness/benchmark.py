"""A whole run of bench/run, from its parsed options: the plan, the builds, each catalogue size,
and the results written."""

import datetime
import json
import time

from . import RESULTS, ROOT, SERVICE, TMP, log
from .build import build, build_against
from .importing import importing
from .load import run_postgres, run_sqlite, shapes
from .machine import drop_database, ensure_tools, machine
from .profiling import profile
from .report import markdown, plot, scale_table, targets, update_note
from .scenarios import (FULL_CONCURRENCY, FULL_LEGS, FULL_SECONDS, FULL_SIZES,
                        FULL_SQLITE_CONCURRENCY, QUICK_CONCURRENCY, QUICK_LEGS, QUICK_SECONDS,
                        QUICK_SIZE, READS, WRITES)
from .live import live
from .photos import photos
from .pipeline import pipeline
from .tags import tag_search


def main(args):
    """Runs what bench/run's options `args` ask for (their scenarios already checked)."""
    started = time.monotonic()
    mode = "quick" if args.quick else "full"
    if args.sizes:
        sizes = [int(size) for size in args.sizes.split(",")]
    else:
        sizes = [QUICK_SIZE] if args.quick or args.profile or args.shapes else FULL_SIZES
    plan = {
        "concurrency": QUICK_CONCURRENCY if args.quick else FULL_CONCURRENCY,
        "sqlite_concurrency": QUICK_CONCURRENCY if args.quick else FULL_SQLITE_CONCURRENCY,
        "legs": QUICK_LEGS if args.quick else FULL_LEGS,
        "seconds": QUICK_SECONDS if args.quick else FULL_SECONDS,
        "reads": [name for name, _, _ in READS],
        "writes": [name for name, _ in WRITES],
    }
    if args.scenarios:
        chosen = args.scenarios.split(",")
        plan["reads"] = [name for name in plan["reads"] if name in chosen]
        plan["writes"] = [name for name in plan["writes"] if name in chosen]
    TMP.mkdir(parents=True, exist_ok=True)
    if args.replot:
        results = json.loads((RESULTS / "full.json").read_text())
        plot(results)
        update_note(markdown(results))
        return
    ensure_tools(perf=args.profile)
    new, seconds_build = build()
    builds = [new]
    if args.against:
        old, seconds_against = build_against(args.against)
        seconds_build += seconds_against
        builds.append(old)
    if args.profile:
        profile(new, sizes[0])
        drop_database(new.database)
        return
    if args.shapes:
        shapes(new, sizes[0])
        return
    if args.import_rows:
        importing(new, args.import_rows)
        return
    if args.tags:
        tag_search(new)
        return
    if args.pipeline:
        pipeline(new)
        return
    if args.photos:
        photos(new)
        return
    if args.live:
        live(new)
        return
    command = ("bench/run" + (" --quick" if args.quick else "")
               + (f" --sizes {args.sizes}" if args.sizes else "")
               + (f" --scenarios {args.scenarios}" if args.scenarios else "")
               + (f" --against {args.against}" if args.against else ""))
    results = {
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "mode": mode,
        "commit": new.commit,
        "machine": machine(),
        "binary_bytes": SERVICE.stat().st_size,
        "plan": plan,
        "scenarios": {name: what for name, what, _ in READS} | dict(WRITES),
        "sizes": [],
    }
    if args.against:
        results["against"] = {"revision": args.against, "commit": builds[1].commit,
                              "binary_bytes": builds[1].binary.stat().st_size}
    try:
        for size in sizes:
            entry = {"actors": size, "movies": max(size // 10, 1)}
            entry["postgres"] = run_postgres(size, plan, builds)
            entry["sqlite"] = run_sqlite(size, plan, new)
            results["sizes"].append(entry)
    finally:
        for build_ in builds:
            drop_database(build_.database)
    results["scale"] = scale_table(results)
    results["targets"] = targets(results)
    results["seconds_build"] = round(seconds_build, 1)
    results["seconds_total"] = round(time.monotonic() - started, 1)
    # A full run of chosen sizes or scenarios leaves the committed results of the last full
    # run alone.
    partial = args.sizes or args.scenarios
    stem = TMP / "full-partial" if mode == "full" and partial else RESULTS / mode
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    stem.with_suffix(".md").write_text(table)
    drawn = mode == "full" and not partial
    if drawn:
        plot(results)
        update_note(table)
    print(table)
    log(f"done in {results['seconds_total']:.0f} s: {stem.relative_to(ROOT)}.json, "
        f"{stem.relative_to(ROOT)}.md" + (", docs/benchmark-latency.png" if drawn else ""))
    missed = [check["target"] for check in results["targets"] if not check["met"]]
    if missed:
        log(f"{len(missed)} target(s) missed")
