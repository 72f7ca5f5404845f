"""The machine: the tools the benchmark runs (bench/setup installs them), PostgreSQL up and
psql, the machine's facts, and while it runs, how busy other work keeps it and the CPU each
process spends."""

import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from . import BENCH, PG, log, run

# The commands of the benchmark that a fresh machine lacks; bench/setup installs their packages.
TOOLS = ["wrk", "gnuplot", "pgbench", "psql", "pg_ctlcluster"]
# Before each scenario, wait while other work keeps the machine busier than this.
QUIET_BUSY = 0.25
QUIET_PATIENCE = 30


def ensure_tools(perf=False):
    """Has bench/setup install what the benchmark needs and the machine lacks (it installs
    nothing that is there; with `perf`, for --profile, perf too), checks that every tool is
    there, and starts PostgreSQL if it is down."""
    options = ["--profile"] if perf else []
    run([BENCH / "setup", *options], check=False)
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if perf and (shutil.which("perf") is None
                 or run(["perf", "stat", "-e", "cpu-clock", "true"], capture_output=True,
                        check=False).returncode != 0):
        missing.append("perf")
    if missing:
        sys.exit(f"missing {', '.join(missing)}: run {' '.join(['bench/setup', *options])} "
                 "as root")
    if run(["pg_isready", "-q", "-h", PG["host"], "-p", PG["port"]], check=False).returncode != 0:
        log("starting PostgreSQL")
        for version in sorted(os.listdir("/etc/postgresql")):
            run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
        for _ in range(50):
            if run(["pg_isready", "-q", "-h", PG["host"], "-p", PG["port"]], check=False).returncode == 0:
                break
            time.sleep(0.2)
        else:
            sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")


def machine():
    def first_line(command):
        try:
            return run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       check=False).stdout.strip().splitlines()[0]
        except (OSError, subprocess.CalledProcessError, IndexError):
            return "unknown"

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "postgresql": psql_value("SHOW server_version"),
        "postgresql_settings": {
            name: psql_value(f"SHOW {name}")
            for name in ["shared_buffers", "work_mem", "max_connections", "jit"]
        },
        "sqlite": sqlite3.sqlite_version,
        "rustc": first_line(["rustc", "--version"]),
        "wrk": first_line(["wrk", "--version"]).split(" [")[0],
        "pgbench": first_line(["pgbench", "--version"]),
    }


def psql(*args, database="postgres", **kwargs):
    return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", PG["host"], "-p", PG["port"],
                "-U", PG["user"], "-d", database, *args], **kwargs)


def psql_value(sql, database="postgres"):
    return psql("-Atc", sql, database=database, capture_output=True, text=True).stdout.strip()


def drop_database(name):
    psql("-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# ---------------------------------------------------------------------------------------------
# The machine while it runs: other work on it, and the CPU each process spends
# ---------------------------------------------------------------------------------------------


def machine_busy(seconds=0.2):
    """The fraction of all cores busy over `seconds` (between runs, ours are idle)."""
    def snapshot():
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
        return sum(fields), fields[3] + fields[4]

    total, idle = snapshot()
    time.sleep(seconds)
    total2, idle2 = snapshot()
    return 1 - (idle2 - idle) / max(total2 - total, 1)


def wait_quiet():
    """Waits (up to QUIET_PATIENCE seconds) until other work on the machine leaves it idle
    enough, and returns how busy it still was: a shared machine makes noisy figures, and the
    results say so."""
    deadline = time.monotonic() + QUIET_PATIENCE
    busy = machine_busy()
    while busy > QUIET_BUSY and time.monotonic() < deadline:
        log(f"the machine is {busy:.0%} busy with other work: waiting")
        busy = machine_busy(2)
    return round(busy, 3)


CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def database_backends_cpu(database):
    """CPU seconds spent so far by each PostgreSQL backend connected to `database` (their
    process title names it), by pid."""
    backends = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres:") and f" {database} ".encode() in title:
            backends[entry.name] = cpu_seconds(entry.name)
    return backends


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU time per request of the server, the database backends (those alive at the end: the
    server's pool) and the load generator, from /proc and the children's rusage."""

    def __init__(self, database, server_pid=None):
        self.database_name = database
        self.server_pid = server_pid
        self.server = cpu_seconds(server_pid) if server_pid else 0.0
        self.database = database_backends_cpu(database)
        self.generator = children_cpu()

    def per_request(self, requests):
        if not requests:
            return {}
        scale = 1e6 / requests
        database = sum(seconds - self.database.get(pid, 0.0)
                       for pid, seconds in database_backends_cpu(self.database_name).items())
        figures = {"database_us": round(database * scale, 1),
                   "load_generator_us": round((children_cpu() - self.generator) * scale, 1)}
        if self.server_pid:
            figures["server_us"] = round((cpu_seconds(self.server_pid) - self.server) * scale, 1)
        return figures
