"""The profile (--profile): where the time of a list request goes, from perf."""

import json
import os
import re
import subprocess
import time

from . import BENCH, RESULTS, TMP, log, run
from .data import load_postgres
from .load import warm_up
from .servers import prepare_server, start_service

# What each symbol of the service's own process does, by the crate that holds its code (after
# inlining: code inlined into a caller counts as the caller's). The first match wins.
COMPONENTS = [
    ("kernel (sockets, syscalls, scheduling)", ["[k]"]),
    ("token (auth cache: SHA-256 of the token)", ["aws_lc", "jsonwebtoken", "movie_manager::auth"]),
    ("JSON and dates", ["serde", "movie_manager::storage::json", "chrono", "itoa", "ryu"]),
    ("driver (sqlx)", ["sqlx"]),
    ("logging (tracing)", ["tracing", "sharded_slab"]),
    ("framework (hyper, axum, tower)", ["hyper", "axum", "tower", "http", "matchit", "bytes",
                                        "form_urlencoded", "uuid", "percent_encoding"]),
    ("async runtime (tokio)", ["tokio", "mio", "futures", "std", "__send", "__recv", "__libc",
                               "epoll", "syscall", "pthread", "__lll", "__futex"]),
    ("memory (mimalloc, memcpy)", ["mi_", "_mi_", "__mem", "mem", "alloc", "hashbrown"]),
    ("handlers and SQL text (movie_manager)", ["movie_manager", "base64"]),
    ("core (formatting, strings)", ["core"]),
]


def crate_of(symbol):
    """`sqlx_core` for `<sqlx_core::x::Y<T> as futures_core::Stream>::poll_next`, `axum` for
    `<F as axum::handler::Handler<..>>::call` (a generic type: its trait's crate), and the
    symbol itself when it has no path (C and the kernel)."""
    text = symbol.lstrip("<&* ").removeprefix("mut ").removeprefix("dyn ")
    if " as " in text:
        own, trait = text.split(" as ", 1)
        text = own if "::" in own.split("<")[0] else trait
    for prefix in ("movie_manager::auth", "movie_manager::storage::json"):
        if text.startswith(prefix):
            return prefix
    return text.split("<")[0].split("::")[0] if "::" in text else text


def component(symbol):
    if symbol.startswith("[k]"):
        return COMPONENTS[0][0]
    crate = crate_of(symbol)
    for name, prefixes in COMPONENTS[1:]:
        if any(crate.startswith(prefix) for prefix in prefixes):
            return name
    return "other"


def perf_table(perf_data, *options):
    text = run(["perf", "report", "-i", str(perf_data), "--stdio", "--no-children",
                "--percent-limit", "0", *options], stdout=subprocess.PIPE,
               stderr=subprocess.DEVNULL, text=True).stdout
    rows = []
    for line in text.splitlines():
        match = re.match(r"\s*([\d.]+)%\s+(.*)$", line)
        if match and not line.lstrip().startswith("#"):
            rows.append((float(match.group(1)), match.group(2).strip()))
    return rows


def profile(build, size):
    """Samples every CPU (perf, cpu-clock) while wrk drives the first page of `GET /actors` at
    concurrency 16, and tells where the time goes: by process, then, inside the service, by
    component (self time of each symbol, classified by its crate)."""
    load_postgres(build, size)
    service = start_service(build, build.url, f"profile-{size}")
    perf_data = TMP / "perf.data"
    try:
        prepare_server(service, size)
        warm_up(service, size)
        generator = subprocess.Popen(
            ["wrk", "-t1", "-c16", "-d8s", "-s", str(BENCH / "lua" / "scenario.lua"),
             service.base, "--", "get", service.paths["list_first"]],
            env=dict(os.environ, BENCH_TOKEN=service.bearer), stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        run(["perf", "record", "-a", "-e", "cpu-clock", "-F", "2000", "-o", str(perf_data),
             "--", "sleep", "5"], capture_output=True)
        figures = json.loads(generator.communicate()[0].strip().splitlines()[-1])
        by_process = {}
        for share, comm in perf_table(perf_data, "--sort", "comm"):
            name = ("service" if comm.startswith("tokio-r") or comm == "movie-manager"
                    else "PostgreSQL" if comm.startswith("postgres")
                    else "wrk" if comm.startswith("wrk") else "idle" if comm == "swapper"
                    else "other")
            by_process[name] = round(by_process.get(name, 0) + share, 1)
        inside = {}
        symbols = perf_table(perf_data, f"--pid={service.process.pid}", "--sort", "sym")
        for share, symbol in symbols:
            name = component(symbol if symbol.startswith("[k]")
                             else symbol.removeprefix("[.] ").strip())
            inside[name] = inside.get(name, 0) + share
        total = sum(inside.values()) or 1
        inside = {name: round(100 * share / total, 1)
                  for name, share in sorted(inside.items(), key=lambda item: -item[1])}
    finally:
        service.stop()
    result = {"actors": size, "scenario": "list_first", "concurrency": 16, "wrk": figures,
              "cpu_share_by_process_percent": by_process,
              "service_cpu_by_component_percent": inside,
              "top_service_symbols": [{"percent": share, "symbol": symbol}
                                      for share, symbol in symbols[:25]]}
    (RESULTS / "profile.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["| where (all CPUs) | share of CPU time |", "|---|---:|"]
    lines += [f"| {name} | {share} % |" for name, share in by_process.items()]
    lines += ["", "| inside the service | share of its CPU time |", "|---|---:|"]
    lines += [f"| {name} | {share} % |" for name, share in inside.items()]
    (RESULTS / "profile.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    log("profile: bench/results/profile.json, bench/results/profile.md")
