"""The benchmark's code, shared by bench/run and bench/hostile (its entry points, which put
bench/ on sys.path and import from here). One module per concern, each importing only those
listed before it:

    harness             paths, PostgreSQL's address, running commands and logging
    harness.scenarios   what is measured: sizes, concurrencies, legs, the read and write scenarios
    harness.machine     the tools (bench/setup installs them), PostgreSQL up and psql, the
                        machine's facts, how busy it is, the CPU each process spends
    harness.build       the release builds: the working tree's, and the service at --against
    harness.servers     the server processes (the service, the bare handler), tokens, requests
    harness.data        the catalogues (PostgreSQL, SQLite) and the SQL the service runs, from
                        PostgreSQL's statement log
    harness.load        the load generators (wrk, pgbench) in legs, one catalogue size's scenarios,
                        the read shapes (--shapes)
    harness.profiling   the perf profile (--profile)
    harness.importing   the import of a generated CSV file into each database (--import)
    harness.tags        the tag search at two catalogue sizes on each database (--tags)
    harness.pipeline    a role of 10,000 candidates against one of 100, bulk moves (--pipeline)
    harness.photos      uploads of a 24-megapixel photo, their peak memory, thumbnails against
                        nginx and from S3 (--photos)
    harness.live        the memory of 1,000 open event streams, an event across two
                        instances, the autofill of 200 slots (--live)
    harness.report      targets, tables, the plot, the results section of BENCHMARKS.md
    harness.benchmark   a whole run of bench/run, from its parsed options
    harness.hostile     the measurements of bench/hostile
"""

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
TMP = RESULTS / "tmp"
TARGET = ROOT / os.environ.get("CARGO_TARGET_DIR", "target")
SERVICE = TARGET / "release" / "movie-manager"
BARE = TARGET / "release" / "bench-bare"

PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
# Every client of the benchmark's PostgreSQL (the services, the bare handler, pgbench, psql)
# talks plain TCP on loopback. By default they would each negotiate TLS with a server that
# offers it (Debian's does), and the build at --against predates TLS support: the comparison
# would then measure encryption, not the service.
PG_SSLMODE = "disable"
os.environ["PGSSLMODE"] = PG_SSLMODE


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(command, **kwargs)


def output(command, **kwargs):
    return run(command, capture_output=True, text=True, **kwargs).stdout


def ratio(numerator, denominator):
    return round(numerator / denominator, 3) if denominator else 0.0
