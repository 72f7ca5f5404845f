"""The load: wrk and pgbench, the servers' alternating legs, one catalogue size's scenarios on
PostgreSQL and on SQLite, and the read shapes at the database (--shapes)."""

import json
import os
import re
import sys
import time
from pathlib import Path

from . import BENCH, PG, TMP, log, ratio, run
from .data import bare_queries, extract_sql, load_postgres, load_sqlite, pgbench_script
from .machine import CpuMeter, drop_database, wait_quiet
from .scenarios import GZIP, MIXED_READS, READS, SQLITE_READS, WRITES, fmt_size
from .servers import (SERVICE_SESSION, body_sizes, check_bare_etags, prepare_server, start_bare,
                      start_service)

# Each server's pool, caches and prepared statements are warmed by this much load on all read
# scenarios in turn before anything is timed.
WARMUP_SECONDS = 2


def wrk_arguments(name, server, size):
    """wrk's operands for scenario `name` on `server`, and the movie path prefix (the bare
    handler's routes are named after the scenario)."""
    movies = max(size // 10, 1)
    bare = server.bare
    if name == "movie_get":
        return ["movie", movies], "/movie_get/" if bare else None
    if name == "movie_get_304":
        return ["conditional", server.etags], "/movie_get_304/" if bare else None
    if name == "list_first_gzip":
        return ["get", "/list_first_gzip" if bare else server.paths["list_100"], GZIP], None
    if name == "post_actor":
        return ["post"], None
    if name == "patch_actor":
        return ["patch", size], None
    if name == "mixed":
        return ["mixed", size, movies, *[server.paths[read] for read in MIXED_READS]], None
    return ["get", f"/{name}" if bare else server.paths[name]], None


def wrk(server, concurrency, seconds, arguments, movie_prefix=None):
    env = dict(os.environ, BENCH_TOKEN=server.bearer)
    if movie_prefix:
        env["BENCH_MOVIE_PREFIX"] = movie_prefix
    meter = CpuMeter(server.database, server.process.pid)
    result = run(["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s",
                  "-s", str(BENCH / "lua" / "scenario.lua"), server.base, "--",
                  *map(str, arguments)], env=env, capture_output=True, text=True)
    try:
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        sys.exit(f"wrk {' '.join(map(str, arguments))}: {result.stdout}{result.stderr}")
    return {
        "rps": round(figures["rps"], 1),
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "requests": figures["requests"],
        "errors": figures["errors"],
        "bytes_per_response": round(figures["bytes"] / max(figures["requests"], 1), 1),
        "not_modified": figures["not_modified"],
        "encoded": figures["encoded"],
        "cpu": meter.per_request(figures["requests"]),
    }


def wrk_legs(sides, concurrency, legs):
    """Runs wrk on each side (label, server, arguments, movie_prefix) in turn, once per leg,
    and combines each one's legs: requests/s over all legs, p50 the mean of the legs' p50, p99
    and max the largest, counts summed, CPU averaged by requests."""
    by_label = {label: [] for label, _, _, _ in sides}
    for seconds in legs:
        for label, server, arguments, prefix in sides:
            by_label[label].append(wrk(server, concurrency, seconds, arguments, prefix))
    combined = {}
    for label, runs in by_label.items():
        requests = sum(run_["requests"] for run_ in runs)
        seconds = sum(run_["requests"] / run_["rps"] for run_ in runs if run_["rps"])
        cpu = {}
        for key in runs[0]["cpu"]:
            cpu[key] = round(sum(run_["cpu"].get(key, 0) * run_["requests"] for run_ in runs)
                             / max(requests, 1), 1)
        combined[label] = {
            "rps": round(requests / seconds, 1) if seconds else 0.0,
            "p50_ms": round(sum(run_["p50_ms"] for run_ in runs) / len(runs), 3),
            "p99_ms": max(run_["p99_ms"] for run_ in runs),
            "max_ms": max(run_["max_ms"] for run_ in runs),
            "requests": requests,
            "errors": sum(run_["errors"] for run_ in runs),
            "bytes_per_response": round(sum(run_["bytes_per_response"] * run_["requests"]
                                            for run_ in runs) / max(requests, 1), 1),
            "not_modified": sum(run_["not_modified"] for run_ in runs),
            "encoded": sum(run_["encoded"] for run_ in runs),
            "cpu": cpu,
            "legs": len(runs),
        }
    return combined


def percentile(sorted_values, fraction):
    if not sorted_values:
        return 0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def pgbench(script, defines, concurrency, seconds, database):
    prefix = TMP / "pgbench-log"
    for stale in TMP.glob("pgbench-log.*"):
        stale.unlink()
    command = ["pgbench", "-n", "-M", "prepared", "-h", PG["host"], "-p", PG["port"],
               "-U", PG["user"], "-c", str(concurrency), "-j", "1", "-T", str(seconds),
               "-f", str(script), "-l", f"--log-prefix={prefix}"]
    for define in defines:
        command += ["-D", define]
    meter = CpuMeter(database)
    result = run([*command, database], capture_output=True, text=True, check=False,
                 env=dict(os.environ, **SERVICE_SESSION))
    cpu = meter.per_request(1)
    text = result.stdout + result.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    latencies = []
    for logfile in TMP.glob("pgbench-log.*"):
        for line in logfile.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 6:
                latencies.append(int(fields[2]))
        logfile.unlink()
    latencies.sort()
    errors = (int(failed.group(1)) if failed else 0) + (0 if result.returncode == 0 else 1)
    if tps is None:
        sys.exit(f"pgbench failed:\n{text}")
    return {
        "rps": round(float(tps.group(1)), 1),
        "p50_ms": percentile(latencies, 0.50) / 1000,
        "p99_ms": percentile(latencies, 0.99) / 1000,
        "max_ms": (latencies[-1] if latencies else 0) / 1000,
        "requests": len(latencies),
        "errors": errors,
        "cpu": {"load_generator_us": round(cpu["load_generator_us"] / max(len(latencies), 1), 1)},
    }


# ---------------------------------------------------------------------------------------------
# One catalogue size
# ---------------------------------------------------------------------------------------------


def warm_up(server, size):
    """Untimed load on all read scenarios in turn, enough to open every pooled connection and
    prepare every statement: the first timed run would otherwise pay for them."""
    movies = max(size // 10, 1)
    if server.bare:
        paths = [f"/{name}" for name, _, kind in READS if kind == "actor_page"]
        wrk(server, 64, WARMUP_SECONDS, ["reads", movies, *paths], "/movie_get/")
    else:
        wrk(server, 64, WARMUP_SECONDS, ["reads", movies, *server.paths.values()])


def log_row(size, row):
    parts = [f"{fmt_size(size)} {row['scenario']} c={row['concurrency']}:"]
    for side in ("service", "bare", "old", "pgbench"):
        if side in row:
            parts.append(f"{side} {row[side]['rps']:.0f}/s p50 {row[side]['p50_ms']:.2f} ms,")
    for key in ("service_over_bare", "service_over_pgbench", "new_over_old"):
        if key in row:
            parts.append(f"{key} {row[key]:.2f}")
    log(" ".join(parts))


def run_postgres(size, plan, builds):
    new, old = builds[0], (builds[1] if len(builds) > 1 else None)
    movies = max(size // 10, 1)
    figures = {"load_seconds": round(load_postgres(new, size), 1)}
    log(f"{size:,} actors: PostgreSQL loaded in {figures['load_seconds']} s")
    if old:
        same = old.schema_digest() == new.schema_digest()
        figures["against_load_seconds"] = round(
            load_postgres(old, size, template=new if same else None), 1)
        figures["against_database"] = "copy" if same else "own load"
        log(f"{size:,} actors: the database of {old.commit} "
            f"{'copied from' if same else 'loaded apart from'} this build's in "
            f"{figures['against_load_seconds']} s")
    service = start_service(new, new.url, f"service-{size}")
    servers = [service]
    try:
        previous = None
        if old:
            previous = start_service(old, old.url, f"against-{size}")
            servers.append(previous)
        time.sleep(1)
        figures["rss_idle_mib"] = round(service.memory_mib("VmRSS"), 1)
        figures["deep_rows"] = prepare_server(service, size)
        statements = extract_sql(new, service, size)
        figures["sql"] = statements
        figures["compression"] = {"service": body_sizes(service)}
        if previous:
            prepare_server(previous, size)
            figures["sql_against"] = extract_sql(old, previous, size)
            figures["compression"]["old"] = body_sizes(previous)
        queries = TMP / "bare-queries.json"
        bare_queries(statements, queries)
        bare = start_bare(new, queries)
        servers.append(bare)
        check_bare_etags(service, bare, size)
        scripts = {name: pgbench_script(name, statements[name], movies) for name, _, _ in READS}
        for server in servers:
            warm_up(server, size)
        runs = []
        pgbench_done = {}
        for name, _, _ in READS:
            if name not in plan["reads"]:
                continue
            for concurrency in plan["concurrency"]:
                row = {"scenario": name, "concurrency": concurrency, "busy_before": wait_quiet()}
                sides = [("service", service, *wrk_arguments(name, service, size)),
                         ("bare", bare, *wrk_arguments(name, bare, size))]
                if previous:
                    sides.append(("old", previous, *wrk_arguments(name, previous, size)))
                row.update(wrk_legs(sides, concurrency, plan["legs"][concurrency]))
                script, defines = scripts[name]
                # Scenarios that run the same statements share one pgbench run.
                key = (script.read_text(), tuple(defines), concurrency)
                if key not in pgbench_done:
                    pgbench_done[key] = pgbench(script, defines, concurrency,
                                                plan["seconds"][concurrency], new.database)
                row["pgbench"] = pgbench_done[key]
                row["service_over_bare"] = ratio(row["service"]["rps"], row["bare"]["rps"])
                row["service_over_pgbench"] = ratio(row["service"]["rps"], row["pgbench"]["rps"])
                if previous:
                    row["new_over_old"] = ratio(row["service"]["rps"], row["old"]["rps"])
                runs.append(row)
                log_row(size, row)
        servers.remove(bare)
        bare.stop()
        for name, _ in WRITES:
            if name not in plan["writes"]:
                continue
            for concurrency in plan["concurrency"]:
                row = {"scenario": name, "concurrency": concurrency, "busy_before": wait_quiet()}
                sides = [("service", service, *wrk_arguments(name, service, size))]
                if previous:
                    sides.append(("old", previous, *wrk_arguments(name, previous, size)))
                row.update(wrk_legs(sides, concurrency, plan["legs"][concurrency]))
                if previous:
                    row["new_over_old"] = ratio(row["service"]["rps"], row["old"]["rps"])
                runs.append(row)
                log_row(size, row)
        figures["runs"] = runs
        figures["rss_peak_mib"] = round(service.memory_mib("VmHWM"), 1)
        if previous:
            figures["against_rss_peak_mib"] = round(previous.memory_mib("VmHWM"), 1)
    finally:
        for server in servers:
            server.stop()
    return figures


def run_sqlite(size, plan, build):
    path, seconds_loading = load_sqlite(build, size)
    figures = {"load_seconds": round(seconds_loading, 1)}
    log(f"{size:,} actors: SQLite loaded in {figures['load_seconds']} s")
    service = start_service(build, f"sqlite://{path}", f"sqlite-{size}", database="-")
    try:
        time.sleep(1)
        figures["rss_idle_mib"] = round(service.memory_mib("VmRSS"), 1)
        figures["deep_rows"] = prepare_server(service, size)
        warm_up(service, size)
        runs = []
        for name in [read for read in SQLITE_READS if read in plan["reads"]]:
            for concurrency in plan["sqlite_concurrency"]:
                row = {"scenario": name, "concurrency": concurrency, "busy_before": wait_quiet()}
                arguments, prefix = wrk_arguments(name, service, size)
                row["service"] = wrk(service, concurrency, plan["seconds"][concurrency],
                                     arguments, prefix)
                runs.append(row)
                log(f"{fmt_size(size)} sqlite {name} c={concurrency}: "
                    f"{row['service']['rps']:.0f}/s p50 {row['service']['p50_ms']:.2f} ms")
        figures["runs"] = runs
        figures["rss_peak_mib"] = round(service.memory_mib("VmHWM"), 1)
    finally:
        service.stop()
        for suffix in ["", "-wal", "-shm"]:
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return figures


# ---------------------------------------------------------------------------------------------
# The read shapes at the database
# ---------------------------------------------------------------------------------------------


SHAPES = BENCH / "sql" / "shapes"
SHAPE_ROUNDS = 4
SHAPE_SECONDS = 3


def shapes(build, size):
    """The ways a read could be written, side by side at the database: each script of
    bench/sql/shapes through pgbench at concurrency 16, in alternating rounds (so a drift of the
    machine weighs on all alike), on a catalogue of `size` actors. Per read, transactions per
    second and the ratio to its first shape (the starting build's two statements)."""
    load_postgres(build, size)
    movies = max(size // 10, 1)
    scripts = sorted(SHAPES.glob("*.sql"))
    totals = {script.name: 0.0 for script in scripts}
    for round_ in range(SHAPE_ROUNDS):
        for script in scripts:
            wait_quiet()
            figures = pgbench(script, [f"movies={movies}"], 16, SHAPE_SECONDS, build.database)
            totals[script.name] += figures["rps"] / SHAPE_ROUNDS
            log(f"round {round_ + 1}: {script.stem} {figures['rps']:,.0f} tx/s")
    drop_database(build.database)
    lines = [f"Read shapes at the database, {size:,} actors, pgbench -M prepared -c 16, "
             f"{SHAPE_ROUNDS} alternating rounds of {SHAPE_SECONDS} s each:", "",
             "| shape | what | tx/s | / first |", "|---|---|---:|---:|"]
    for read in sorted({name.split("-")[0] for name in totals}):
        group = [script for script in scripts if script.name.startswith(f"{read}-")]
        baseline = totals[group[0].name]
        for script in group:
            what = script.read_text().splitlines()[0].removeprefix("-- ")
            tps = totals[script.name]
            lines.append(f"| {script.stem} | {what} | {tps:,.0f} | {ratio(tps, baseline)} |")
    table = "\n".join(lines) + "\n"
    (TMP / "shapes.md").write_text(table)
    print(table)
