"""The measurements of bench/hostile (its docstring tells what they are): made-up methods, slow
bodies and a mixed hostile load, on each build under test."""

import asyncio
import datetime
import http.client
import json
import logging
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from . import BENCH, PG, PG_SSLMODE, RESULTS, TMP, log, output
from .build import build, build_against
from .machine import (children_cpu, cpu_seconds, drop_database, ensure_tools, machine, psql,
                      wait_quiet)
from .servers import Server, free_port, get_json, service_env, token

SCENARIO = BENCH / "lua" / "scenario.lua"

HOST = "127.0.0.1"
MAX_IN_FLIGHT = 64
# 1. Made-up methods.
METHOD_REQUESTS = 1_000
METHOD_BYTES = 60 * 1024
# 2. Slow bodies.
SLOW_CONNECTIONS = MAX_IN_FLIGHT
SLOW_LENGTH = 1_000
SLOW_ENDPOINTS = ["/app/sign-out", "/oidc/token", "/oidc/authorize"]
# Browser forms: these two check the Origin of a POST.
ORIGIN_CHECKED = {"/app/sign-out", "/oidc/authorize"}
PROBE_AFTER = 2.0
STILL_OPEN_MARK = 35.0
SLOW_CAP = 40.0
# 3. Mixed hostile load.
WRK_THREADS = 2
WRK_CONNECTIONS = 16
WARMUP_SECONDS = 2
HOSTILE_CONNECTIONS = 64
HOSTILE_SLOW_ENDPOINTS = SLOW_ENDPOINTS + ["/actors"]
HOSTILE_KINDS = ["made-up method", "slow body", "huge headers"]
# Seconds of hostile load before wrk starts, so that the slow senders are all in place.
HOSTILE_RAMP = 3.0
# Each hostile client spends at least this long per connection, and opens at most this many.
HOSTILE_FLOOR = 0.1
HOSTILE_MAX_PER_CLIENT = 5_000
HUGE_HEADER_COUNT = 50
HUGE_HEADER_BYTES = 8 * 1024
ONE_HUGE_HEADER_BYTES = 300 * 1024
TARGET_RATIO = 0.8

FORM = "application/x-www-form-urlencoded"
TO_LETTERS = bytes(ord("A") + value % 26 for value in range(256))


def letters(count):
    """`count` random capital letters (cheap: no Python loop)."""
    return os.urandom(count).translate(TO_LETTERS)


def status_of(buffer):
    """The status code at the start of `buffer`, if it holds a whole status line."""
    if buffer.startswith(b"HTTP/") and b"\r\n" in buffer:
        try:
            return int(buffer.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return "garbled"
    return None


def made_up_request(host_header):
    """A request line with a made-up method of METHOD_BYTES (\"X\" and random letters) and a
    made-up path, nothing in its body."""
    method = b"X" + letters(METHOD_BYTES - 1)
    path = b"/" + letters(24).lower()
    return (method + b" " + path + b" HTTP/1.1\r\nHost: " + host_header.encode()
            + b"\r\nContent-Length: 0\r\n\r\n")


def slow_head(port, path, bearer):
    """The head of a POST whose body of SLOW_LENGTH bytes will come one byte at a time."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{port}", f"Content-Length: {SLOW_LENGTH}"]
    if path == "/actors":
        lines += ["Content-Type: application/json", f"Authorization: Bearer {bearer}"]
    else:
        lines.append(f"Content-Type: {FORM}")
        if path in ORIGIN_CHECKED:
            lines.append(f"Origin: http://{HOST}:{port}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def slow_byte(path):
    # Whitespace is a valid start of a JSON body; a letter of a form's.
    return b" " if path == "/actors" else b"a"


# ---------------------------------------------------------------------------------------------
# The builds under test
# ---------------------------------------------------------------------------------------------


def build_new(patience):
    """The benchmark's build of the working tree, retried once a minute for up to `patience`
    seconds while it does not compile (someone may be half-way through an edit). The binary is
    copied aside, so that a later build of the tree cannot change it under the measurements."""
    deadline = time.monotonic() + patience
    while True:
        try:
            new, seconds = build()
            break
        except subprocess.CalledProcessError as error:
            if time.monotonic() + 60 > deadline:
                log(f"the working tree does not build ({error}); giving up on it")
                return None, 0.0
            log("the working tree does not build; trying again in a minute")
            time.sleep(60)
    aside = TMP / "hostile-new" / "movie-manager"
    aside.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(new.binary, aside)
    new.binary = aside
    return new, seconds


class Target:
    """A build under test with its own seeded catalogue; `start` runs it afresh."""

    def __init__(self, build, database):
        self.build = build
        self.label = build.label
        self.pg_database = None
        if database == "sqlite":
            path = TMP / f"hostile-{self.label}.db"
            for suffix in ["", "-wal", "-shm"]:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self.url = f"sqlite://{path}"
        else:
            self.pg_database = "movie_manager_hostile" + ("" if self.label == "new" else "_against")
            drop_database(self.pg_database)
            psql("-c", f"CREATE DATABASE {self.pg_database}")
            self.url = (f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{self.pg_database}"
                        f"?sslmode={PG_SSLMODE}")
        said = output([build.binary, "seed", "--demo"],
                      env=service_env(build, self.url)).strip().splitlines()
        self.seeded = said[-1] if said else ""
        log(f"{self.label} ({build.commit}): {self.seeded}")

    def start(self, measurement):
        port = free_port()
        metrics_port = free_port()
        while metrics_port == port:
            metrics_port = free_port()
        env = service_env(self.build, self.url, port, {
            "MAX_IN_FLIGHT": str(MAX_IN_FLIGHT), "METRICS_ADDR": f"{HOST}:{metrics_port}"})
        server = Server([self.build.binary, "serve"], env, port,
                        f"hostile-{self.label}-{measurement}", self.pg_database or "")
        server.wait_ready("/healthz")
        server.bearer = token(self.build, env)
        server.metrics_url = f"http://{HOST}:{metrics_port}/metrics"
        return server

    def drop(self):
        if self.pg_database:
            drop_database(self.pg_database)


# ---------------------------------------------------------------------------------------------
# 1. Made-up methods
# ---------------------------------------------------------------------------------------------


def read_answer(sock):
    """Reads an answer's head and its Content-Length of body; returns its status, or what
    happened instead."""
    buffer = b""
    try:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                return status_of(buffer) or "closed"
            buffer += chunk
        head, _, body = buffer.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = int(value)
        while len(body) < min(length, 1 << 20):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except socket.timeout:
        return status_of(buffer) or "timeout"
    except OSError:
        return status_of(buffer) or "reset"
    return status_of(buffer)


def exchange(port, request, timeout=10):
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            try:
                sock.sendall(request)
            except OSError:
                pass  # the server may answer and close before it has read it all
            return read_answer(sock)
    except OSError as error:
        return f"connect: {error.__class__.__name__}"


def scrape(server):
    """GET /metrics, streamed (a label per made-up method can make it huge): its size in bytes
    and its series (lines that are neither blank nor comments)."""
    size = series = 0
    at_line_start = True
    started = time.monotonic()
    with urllib.request.urlopen(server.metrics_url, timeout=300) as response:
        while chunk := response.read(1 << 20):
            size += len(chunk)
            for index, line in enumerate(chunk.split(b"\n")):
                starts = at_line_start if index == 0 else True
                if starts and line[:1] not in (b"", b"#"):
                    series += 1
            at_line_start = chunk.endswith(b"\n")
    return {"bytes": size, "series": series, "seconds": round(time.monotonic() - started, 2)}


def measure_methods(target):
    server = target.start("methods")
    try:
        rss_before = server.memory_mib("VmRSS")
        metrics_before = scrape(server)
        answers = Counter()
        started = time.monotonic()
        for _ in range(METHOD_REQUESTS):
            answers[str(exchange(server.port, made_up_request(HOST)))] += 1
        seconds = time.monotonic() - started
        time.sleep(1)
        rss_after = server.memory_mib("VmRSS")
        metrics_after = scrape(server)
        rss_after_scrape = server.memory_mib("VmRSS")
    finally:
        server.stop()
    return {
        "requests": METHOD_REQUESTS,
        "method_bytes": METHOD_BYTES,
        "answers": dict(answers.most_common()),
        "seconds": round(seconds, 2),
        "rss_before_mib": round(rss_before, 1),
        "rss_after_mib": round(rss_after, 1),
        "rss_growth_mib": round(rss_after - rss_before, 1),
        "rss_after_scrape_mib": round(rss_after_scrape, 1),
        "metrics_before": metrics_before,
        "metrics_after": metrics_after,
    }


# ---------------------------------------------------------------------------------------------
# 2. Slow bodies
# ---------------------------------------------------------------------------------------------


class SlowSender:
    def __init__(self, port, path, bearer):
        self.path = path
        self.sock = socket.create_connection((HOST, port), timeout=5)
        self.sock.sendall(slow_head(port, path, bearer))
        self.sock.setblocking(False)
        self.opened = time.monotonic()
        self.buffer = b""
        self.sent = 0
        self.outcome = None
        self.waited = None

    def finish(self, outcome):
        self.outcome = outcome
        self.waited = time.monotonic() - self.opened
        self.sock.close()


def probe(port, path, bearer, record):
    """GET `path` (with the token if `bearer`), its status and latency into `record`."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=SLOW_CAP)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {bearer}"}
                           if bearer else {})
        response = connection.getresponse()
        response.read()
        record["status"] = response.status
    except (OSError, http.client.HTTPException) as error:
        record["status"] = error.__class__.__name__
    finally:
        connection.close()
    record["ms"] = round((time.monotonic() - started) * 1000, 1)


def measure_slow_bodies(target):
    server = target.start("slow")
    probes = {"/readyz": {}, "/actors?limit=20": {}}
    try:
        senders = [SlowSender(server.port, SLOW_ENDPOINTS[index % len(SLOW_ENDPOINTS)],
                              server.bearer) for index in range(SLOW_CONNECTIONS)]
        started = time.monotonic()
        selector = selectors.DefaultSelector()
        for sender in senders:
            selector.register(sender.sock, selectors.EVENT_READ, sender)
        waiting = set(senders)
        threads = [
            threading.Timer(PROBE_AFTER, probe, (server.port, "/readyz", None, probes["/readyz"])),
            threading.Timer(PROBE_AFTER, probe, (server.port, "/actors?limit=20", server.bearer,
                                                 probes["/actors?limit=20"])),
        ]
        for thread in threads:
            thread.start()
        next_byte = started + 1
        while waiting and time.monotonic() < started + SLOW_CAP:
            pause = min(next_byte, started + SLOW_CAP) - time.monotonic()
            for key, _ in selector.select(max(pause, 0)):
                sender = key.data
                try:
                    chunk = sender.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = None
                if chunk:
                    sender.buffer += chunk
                    if status_of(sender.buffer) is None and len(sender.buffer) < 64:
                        continue
                outcome = status_of(sender.buffer) or ("reset" if chunk is None else "closed")
                selector.unregister(sender.sock)
                sender.finish(outcome)
                waiting.discard(sender)
            if time.monotonic() >= next_byte:
                next_byte += 1
                for sender in waiting:
                    if sender.sent < SLOW_LENGTH:
                        try:
                            sender.sock.send(slow_byte(sender.path))
                            sender.sent += 1
                        except OSError:
                            pass  # closed by the server: its answer, if any, is read above
        for sender in waiting:
            selector.unregister(sender.sock)
            sender.sock.close()
        selector.close()
        for thread in threads:
            thread.join(SLOW_CAP)
    finally:
        server.stop()
    return {
        "connections": SLOW_CONNECTIONS,
        "content_length": SLOW_LENGTH,
        "probes_after_s": PROBE_AFTER,
        "probes": probes,
        "senders": [{"path": sender.path, "outcome": sender.outcome,
                     "waited_s": None if sender.waited is None else round(sender.waited, 2),
                     "bytes_sent": sender.sent} for sender in senders],
        "still_open_at_35s": sum(1 for sender in senders
                                 if sender.waited is None or sender.waited > STILL_OPEN_MARK),
        "still_open_at_40s": sum(1 for sender in senders if sender.waited is None),
    }


# ---------------------------------------------------------------------------------------------
# 3. Mixed hostile load
# ---------------------------------------------------------------------------------------------


class HostileLoad:
    """HOSTILE_CONNECTIONS clients on one asyncio loop in a thread of their own, each opening a
    new connection as soon as its last one ended, until `stop` is set or `until` (monotonic)
    passes. Every wait is at most a second long, so they notice either within a second."""

    def __init__(self, server, until):
        self.port = server.port
        self.bearer = server.bearer
        self.until = until
        self.stop = threading.Event()
        self.outcomes = {kind: Counter() for kind in HOSTILE_KINDS}
        self.cpu_seconds = 0.0
        self.thread = threading.Thread(target=self.run, daemon=True)
        target = f"GET /actors?limit=20 HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n" \
                 f"Authorization: Bearer {self.bearer}\r\n".encode()
        many = b"".join(b"X-Filler-%d: " % index + letters(HUGE_HEADER_BYTES) + b"\r\n"
                        for index in range(HUGE_HEADER_COUNT))
        one = b"X-Filler: " + letters(ONE_HUGE_HEADER_BYTES) + b"\r\n"
        self.huge = [target + many + b"\r\n", target + one + b"\r\n"]

    def over(self):
        return self.stop.is_set() or time.monotonic() >= self.until

    def run(self):
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        cpu = time.thread_time()
        asyncio.run(self.clients())
        self.cpu_seconds = time.thread_time() - cpu

    async def clients(self):
        await asyncio.gather(*(self.client(index) for index in range(HOSTILE_CONNECTIONS)))

    async def client(self, index):
        loop = asyncio.get_running_loop()
        for turn in range(HOSTILE_MAX_PER_CLIENT):
            if self.over():
                return
            began = loop.time()
            kind = HOSTILE_KINDS[(index + turn) % len(HOSTILE_KINDS)]
            outcome = await self.connection(kind, index + turn // len(HOSTILE_KINDS))
            self.outcomes[kind][str(outcome)] += 1
            rest = HOSTILE_FLOOR - (loop.time() - began)
            if rest > 0:
                await asyncio.sleep(rest)

    async def connection(self, kind, turn):
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, self.port), 5)
        except (OSError, asyncio.TimeoutError) as error:
            return f"connect: {error.__class__.__name__}"
        trickle = None
        if kind == "made-up method":
            request = made_up_request(f"{HOST}:{self.port}")
        elif kind == "slow body":
            path = HOSTILE_SLOW_ENDPOINTS[turn % len(HOSTILE_SLOW_ENDPOINTS)]
            request = slow_head(self.port, path, self.bearer)
            trickle = slow_byte(path)
        else:
            request = self.huge[turn % len(self.huge)]
        try:
            writer.write(request)
            return await self.answer(reader, writer, trickle)
        finally:
            writer.transport.abort()

    async def answer(self, reader, writer, trickle):
        """The status the server answered with (or what happened instead), waiting a second at a
        time and sending one byte of `trickle` after each second without an answer."""
        try:
            await asyncio.wait_for(writer.drain(), 10)
        except (OSError, asyncio.TimeoutError):
            pass  # the server stopped reading: what it answered is still to be read
        buffer = b""
        while not self.over():
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 1)
            except asyncio.TimeoutError:
                if trickle and not writer.transport.is_closing():
                    writer.write(trickle)
                continue
            except OSError:
                return status_of(buffer) or "reset"
            if not chunk:
                return status_of(buffer) or "closed"
            buffer += chunk
            if status_of(buffer) is not None:
                return status_of(buffer)
        return "open at the end"


def cpu_snapshot(server):
    """The machine's jiffies in processes (user, nice, system: not interrupts, where loopback
    traffic is counted) and in all, and the CPU seconds of the server, of our finished children
    (wrk) and of this process (the hostile clients among them)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    ours = (cpu_seconds(server.process.pid) + children_cpu() + time.process_time())
    return sum(fields[:3]), sum(fields), ours, time.monotonic()


def cpu_use(before, after):
    """Cores busy running processes over the interval: in all, and with work other than ours
    (someone's compiles...)."""
    busy = (after[0] - before[0]) / max(after[1] - before[1], 1) * os.cpu_count()
    ours = (after[2] - before[2]) / max(after[3] - before[3], 1e-9)
    return {"busy_cores": round(busy, 2), "other_work_cores": round(max(busy - ours, 0), 2)}


def wrk_run(server, seconds, arguments):
    """wrk with the benchmark's scenario script: all answers and the 2xx ones per second, and how
    busy the machine was meanwhile."""
    before = cpu_snapshot(server)
    cpu = cpu_seconds(server.process.pid)
    completed = subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(SCENARIO), server.base, "--", *map(str, arguments)],
        env=dict(os.environ, BENCH_TOKEN=server.bearer), capture_output=True, text=True)
    try:
        figures = json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        sys.exit(f"wrk {' '.join(map(str, arguments))}: {completed.stdout}{completed.stderr}")
    elapsed = max(figures["seconds"], 1e-9)
    return cpu_use(before, cpu_snapshot(server)) | {
        "server_cpu_s": round(cpu_seconds(server.process.pid) - cpu, 2),
        "rps": round(figures["rps"], 1),
        "ok_rps": round((figures["requests"] - figures["non_2xx"]) / elapsed, 1),
        "requests": figures["requests"],
        "non_2xx": figures["non_2xx"],
        "socket_errors": figures["errors"] - figures["non_2xx"],
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
    }


def movie_arguments(server):
    """wrk's operands for GET /movies/{id}: ids 1..N when the catalogue's are just those."""
    page = get_json(server, "/movies?limit=100")
    ids = sorted(movie["id"] for movie in page["movies"])
    if not ids:
        sys.exit("the seeded catalogue has no movies")
    if ids == list(range(1, len(ids) + 1)):
        return ["movie", len(ids)], f"GET /movies/{{id}}, id uniform in 1..{len(ids)}"
    return ["get", f"/movies/{ids[0]}"], f"GET /movies/{ids[0]}"


def measure_mixed(target, seconds):
    server = target.start("mixed")
    try:
        arguments, what = movie_arguments(server)
        wrk_run(server, WARMUP_SECONDS, arguments)
        busy_alone = wait_quiet()
        alone = wrk_run(server, seconds, arguments)
        busy_hostile = wait_quiet()
        hostile = HostileLoad(server, time.monotonic() + HOSTILE_RAMP + seconds + 15)
        hostile.thread.start()
        time.sleep(HOSTILE_RAMP)
        under = wrk_run(server, seconds, arguments)
        hostile.stop.set()
        hostile.thread.join(15)
        if hostile.thread.is_alive():
            log("the hostile clients did not stop within 15 s")
    finally:
        server.stop()
    return {
        "scenario": what,
        "wrk": f"{WRK_THREADS} threads, {WRK_CONNECTIONS} connections, {seconds} s",
        "alone": alone,
        "hostile": under,
        "ratio": round(under["ok_rps"] / alone["ok_rps"], 3) if alone["ok_rps"] else None,
        "target_ratio": TARGET_RATIO,
        "hostile_connections": HOSTILE_CONNECTIONS,
        "hostile_outcomes": {kind: dict(counts.most_common())
                             for kind, counts in hostile.outcomes.items()},
        "hostile_client_cpu_s": round(hostile.cpu_seconds, 2),
        "machine_busy_before": {"alone": busy_alone, "hostile": busy_hostile},
    }


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def tally(counts):
    return ", ".join(f"{outcome} ×{count:,}" for outcome, count in counts.items()) or "none"


def senders_by_path(result):
    rows = {}
    for path in SLOW_ENDPOINTS:
        mine = [sender for sender in result["senders"] if sender["path"] == path]
        answered = sorted(sender["waited_s"] for sender in mine if sender["waited_s"] is not None)
        outcomes = Counter(str(sender["outcome"]) if sender["outcome"] is not None else "open"
                           for sender in mine)
        waits = (f"{answered[0]:.1f} / {statistics.median(answered):.1f} / {answered[-1]:.1f} s"
                 if answered else "-")
        rows[path] = f"{tally(dict(outcomes.most_common()))}; waited {waits}"
    return rows


def markdown(results):
    labels = list(results["builds"])
    heads = [f"{label} ({results['builds'][label]['commit']})" for label in labels]

    def table(title, rows):
        lines = [f"### {title}", "", "| | " + " | ".join(heads) + " |",
                 "|---|" + "---:|" * len(heads)]
        for name, cell in rows:
            values = []
            for label in labels:
                entry = results["builds"][label]
                try:
                    values.append(cell(entry))
                except (KeyError, TypeError):
                    values.append("-")
            lines.append(f"| {name} | " + " | ".join(values) + " |")
        return lines + [""]

    def mib(value):
        return f"{value:,.1f}"

    out = ["# Hostile traffic", "",
           f"`{results['command']}` — {results['started']}, {results['machine']['cores']} cores "
           f"({results['machine']['cpu']}), {results['database']}, MAX_IN_FLIGHT="
           f"{MAX_IN_FLIGHT}, total {results['seconds_total']:.0f} s.", ""]
    out += [f"- {note}" for note in results["notes"]] + ([""] if results["notes"] else [])
    out += table(f"1. {METHOD_REQUESTS:,} made-up methods of {METHOD_BYTES // 1024} KB", [
        ("answers", lambda e: tally(e["methods"]["answers"])),
        ("time for the requests", lambda e: f"{e['methods']['seconds']:.1f} s"),
        ("RSS before (MiB)", lambda e: mib(e["methods"]["rss_before_mib"])),
        ("RSS after (MiB)", lambda e: mib(e["methods"]["rss_after_mib"])),
        ("**RSS growth (MiB)**", lambda e: f"**{mib(e['methods']['rss_growth_mib'])}**"),
        ("RSS after reading /metrics (MiB)", lambda e: mib(e["methods"]["rss_after_scrape_mib"])),
        ("/metrics before (bytes)", lambda e: f"{e['methods']['metrics_before']['bytes']:,}"),
        ("**/metrics after (bytes)**", lambda e: f"**{e['methods']['metrics_after']['bytes']:,}**"),
        ("series before", lambda e: f"{e['methods']['metrics_before']['series']:,}"),
        ("**series after**", lambda e: f"**{e['methods']['metrics_after']['series']:,}**"),
        ("time to read /metrics after", lambda e: f"{e['methods']['metrics_after']['seconds']} s"),
    ])

    def probe_cell(path):
        return lambda e: "{status} in {ms:,.1f} ms".format(**e["slow"]["probes"][path])

    def sender_cell(path):
        return lambda e: senders_by_path(e["slow"])[path]

    out += table(f"2. {SLOW_CONNECTIONS} slow bodies (Content-Length {SLOW_LENGTH}, 1 byte/s)", [
        (f"**GET /readyz** after {PROBE_AFTER:.0f} s", probe_cell("/readyz")),
        (f"**GET /actors?limit=20** after {PROBE_AFTER:.0f} s", probe_cell("/actors?limit=20")),
        *[(f"POST {path}: answers; wait min / median / max", sender_cell(path))
          for path in SLOW_ENDPOINTS],
        (f"still open after {STILL_OPEN_MARK:.0f} s", lambda e: str(e["slow"]["still_open_at_35s"])),
        (f"still open after {SLOW_CAP:.0f} s (given up)",
         lambda e: str(e["slow"]["still_open_at_40s"])),
    ])

    def rate(phase):
        return lambda e: (f"{e['mixed'][phase]['ok_rps']:,.0f} "
                          f"({e['mixed'][phase]['rps']:,.0f} all answers)")

    def latency(phase):
        return lambda e: f"{e['mixed'][phase]['p50_ms']:.2f} / {e['mixed'][phase]['p99_ms']:.2f}"

    def ratio(e):
        value = e["mixed"]["ratio"]
        met = "met" if value is not None and value >= TARGET_RATIO else "missed"
        return f"**{value:.2f}** ({met})" if value is not None else "-"

    out += table(f"3. Mixed hostile load: wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} "
                 f"-d{results['seconds']}s, {HOSTILE_CONNECTIONS} hostile connections", [
        ("scenario", lambda e: e["mixed"]["scenario"]),
        ("2xx requests/s alone", rate("alone")),
        ("2xx requests/s with hostile load", rate("hostile")),
        (f"**ratio** (target ≥ {TARGET_RATIO})", ratio),
        ("p50 / p99 ms alone", latency("alone")),
        ("p50 / p99 ms with hostile load", latency("hostile")),
        ("non-2xx / socket errors alone",
         lambda e: f"{e['mixed']['alone']['non_2xx']:,} / {e['mixed']['alone']['socket_errors']:,}"),
        ("non-2xx / socket errors with hostile load",
         lambda e: f"{e['mixed']['hostile']['non_2xx']:,} / "
                   f"{e['mixed']['hostile']['socket_errors']:,}"),
        ("server CPU s alone / with hostile load",
         lambda e: f"{e['mixed']['alone']['server_cpu_s']} / {e['mixed']['hostile']['server_cpu_s']}"),
        *[(f"hostile {kind}: answers", (lambda kind: lambda e: tally(
            e["mixed"]["hostile_outcomes"][kind]))(kind)) for kind in HOSTILE_KINDS],
        ("hostile client CPU s", lambda e: f"{e['mixed']['hostile_client_cpu_s']}"),
        ("machine busy before (alone / hostile)",
         lambda e: "{alone:.0%} / {hostile:.0%}".format(**e["mixed"]["machine_busy_before"])),
        ("cores busy during the run, alone / with hostile load",
         lambda e: f"{e['mixed']['alone']['busy_cores']} / {e['mixed']['hostile']['busy_cores']}"),
        ("… of which other work than ours (alone / hostile)",
         lambda e: f"{e['mixed']['alone']['other_work_cores']} / "
                   f"{e['mixed']['hostile']['other_work_cores']}"),
    ])
    return "\n".join(out)


def main(args):
    """Runs what bench/hostile's options `args` ask for."""
    started = time.monotonic()
    TMP.mkdir(parents=True, exist_ok=True)
    ensure_tools()
    notes = []
    builds = []
    new, _ = build_new(args.build_patience)
    if new:
        builds.append(new)
    else:
        notes.append("The working tree did not compile: only the build at --against was measured.")
    if args.against:
        old, _ = build_against(args.against)
        builds.append(old)
    if not builds:
        sys.exit("nothing to measure: the working tree does not build")
    niceness = os.nice(0)
    command = (f"nice -n {niceness} " if niceness else "") + " ".join(
        ["bench/hostile", *sys.argv[1:]])
    results = {
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": machine(),
        "database": args.database,
        "seconds": args.seconds,
        "max_in_flight": MAX_IN_FLIGHT,
        "notes": notes,
        "builds": {},
    }
    targets = []
    try:
        for build_ in builds:
            targets.append(Target(build_, args.database))
            results["builds"][build_.label] = {"commit": build_.commit,
                                               "seeded": targets[-1].seeded}
        if args.against:
            results["against"] = args.against
        for name, measure in [("methods", measure_methods), ("slow", measure_slow_bodies),
                              ("mixed", lambda target: measure_mixed(target, args.seconds))]:
            for target in targets:
                log(f"{name}: {target.label} ({target.build.commit})")
                results["builds"][target.label][name] = measure(target)
    finally:
        for target in targets:
            target.drop()
    results["seconds_total"] = round(time.monotonic() - started, 1)
    (RESULTS / "hostile.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (RESULTS / "hostile.md").write_text(table + "\n")
    print(table)
    log(f"done in {results['seconds_total']:.0f} s: bench/results/hostile.json, hostile.md")
