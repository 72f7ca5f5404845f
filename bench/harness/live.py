"""Live updates and autofill (--live), through the service on PostgreSQL with a catalogue of
100,000 actors loaded as the other modes load theirs (bench/sql): the resident memory that 1,000
open event streams cost one instance; how long an event made on one instance takes to reach 100
listeners on another (two instances on one database, which carries the events between them with
LISTEN/NOTIFY); and an audition session's autofill of 200 slots, timed.

The harness reads the streams itself, with asyncio on raw sockets (HTTP/1.1, the answer chunked):
1,000 of them then cost one Python process and no dependency, and every event is timed on the
same clock as the write that made it."""

import asyncio
import http.client
import json
import math
import re
import resource
import statistics
import sys
import time

from . import RESULTS, ROOT, TMP, log, output
from .data import load_postgres
from .machine import QUIET_BUSY, QUIET_PATIENCE, drop_database, machine, wait_quiet
from .servers import default_pool_size, start_service

ACTORS = 100_000
# 1,000 streams open on one instance cost less than this much more resident memory.
STREAMS = 1_000
TARGET_STREAMS_MIB = 64
# Streams being opened at once. All 1,000 at the same instant would fill the listen backlog
# (a dropped SYN is retried a second later) and queue 2,000 reads (a stream reads its role
# twice as it opens) for a pool of 10: that measures the opening, not what an open stream costs.
OPEN_AT_ONCE = 50
# An event written on instance A reaches LISTENERS streams on instance B: p99 under a second.
LISTENERS = 100
CHANGES = 50
WARM_UP_CHANGES = 3
SPACING_S = 0.1
TARGET_P99_MS = 1_000
# How long an event may take before it counts as lost.
PATIENCE_S = 30
# Autofill of SLOTS slots from a shortlist of SHORTLISTED candidates: p50 under 250 ms.
SLOTS = 200
SHORTLISTED = 250
AUTOFILL_WARM_UPS = 2
AUTOFILLS = 15
TARGET_AUTOFILL_MS = 250
# The catalogue's actors each part uses (their ids: the catalogue numbers them from 1).
STREAMED_ACTOR = 1
LISTENED_ACTOR = 2
FIRST_SHORTLISTED = 1_001
SESSION_START = "2027-03-28T08:00:00Z"
# The service closes a keep-alive connection idle for 10 s (its header read timeout), as it may
# be while the harness waits for a quiet machine: one idle for this long is opened anew first.
IDLE_S = 5


def percentile(values, fraction):
    """The nearest-rank percentile: a value that was measured, never one between two."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def spread(values_ms):
    return {"samples": len(values_ms),
            "p50_ms": round(percentile(values_ms, 0.50), 1),
            "p95_ms": round(percentile(values_ms, 0.95), 1),
            "p99_ms": round(percentile(values_ms, 0.99), 1),
            "max_ms": round(max(values_ms), 1)}


def default_stream_limit(build):
    """The service's own MAX_EVENT_STREAMS, from its help: each instance is given it, so that
    one set in the shell does not change what is measured."""
    help_text = output([build.binary, "serve", "--help"])
    match = re.search(r"MAX_EVENT_STREAMS=\]\s*\[default: (\d+)\]", help_text)
    if not match:
        sys.exit("`movie-manager serve --help` names no default for MAX_EVENT_STREAMS")
    return int(match.group(1))


def raise_open_files_limit(wanted):
    """The harness holds a socket per stream: its soft limit of open files goes up to what the
    streams need, within the hard limit (the service raises its own as it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = raised
    if soft != resource.RLIM_INFINITY and soft < wanted:
        sys.exit(f"the open-files limit is {soft} (hard {hard}); {wanted} are needed: raise it "
                 "(ulimit -n)")
    return soft


# ---------------------------------------------------------------------------------------------
# Requests of our own: the setup and the autofill, one at a time (http.client)
# ---------------------------------------------------------------------------------------------


class Api:
    """One keep-alive connection to a service, with its token; `call` answers the parsed JSON
    of a 200 and ends the run on anything else (the setup has no use for a failure)."""

    def __init__(self, server):
        self.server = server
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        self.last_used = time.monotonic()

    def call(self, method, path, body=None):
        if time.monotonic() - self.last_used > IDLE_S:
            # http.client connects again for the next request.
            self.connection.close()
        headers = {"Authorization": f"Bearer {self.server.bearer}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        answer = response.read()
        self.last_used = time.monotonic()
        if response.status != 200:
            sys.exit(f"{method} {path}: {response.status} {answer[:300]!r} "
                     f"({self.server.errors.read_text()[-500:]})")
        return json.loads(answer)

    def close(self):
        self.connection.close()


def make_movie(api, title, roles):
    """A movie of the benchmark's own (beside the catalogue's) with a role per name: their ids."""
    movie = api.call("POST", "/movies", {"title": title, "release_date": "2027-06-01"})["created"]
    return movie, [api.call("POST", f"/movies/{movie}/roles",
                            {"name": name, "positions": 3})["created"] for name in roles]


# ---------------------------------------------------------------------------------------------
# Event streams and the writes that feed them (asyncio, raw sockets)
# ---------------------------------------------------------------------------------------------


class Refused(Exception):
    """A request answered with something else than the 200 it was meant to get."""


async def read_head(reader):
    """The status and the headers (lower-case names) of an HTTP/1.1 answer."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers = {}
    for line in head[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return status, headers


async def read_chunk(reader):
    """One chunk of a chunked body: its bytes, empty at the end of the body."""
    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
    data = await reader.readexactly(size + 2)
    return data[:-2]


async def read_body(reader, headers):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while chunk := await read_chunk(reader):
            body += chunk
        await reader.readuntil(b"\r\n")
        return body
    return await reader.readexactly(int(headers.get("content-length", "0")))


def request_bytes(server, method, path, headers, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
             f"Authorization: Bearer {server.bearer}",
             *(f"{name}: {value}" for name, value in headers.items())]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class EventStream:
    """An open GET .../events, read by a task of its own. Of each event it keeps the moment
    (time.perf_counter) the bytes that end it were read, by the `client_request_id` of its
    history entry (the X-Request-Id of the write that made it: how an event is matched to its
    write), with the entry's id, which the event's `id:` must repeat."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.arrivals = {}
        self.history_ids = {}
        self.heartbeats = 0
        self.others = []
        self.ended = None
        self.task = asyncio.create_task(self.read())

    async def read(self):
        buffer = b""
        try:
            while chunk := await read_chunk(self.reader):
                arrived = time.perf_counter()
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self.take(block.decode(), arrived)
            self.ended = "the server ended the stream"
        except asyncio.CancelledError:
            raise
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            self.ended = f"{type(error).__name__}: {error}"

    def take(self, block, arrived):
        fields, data = {}, []
        for line in block.split("\n"):
            if line.startswith(":"):
                self.heartbeats += 1
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            else:
                fields[name] = value
        if not data:
            return
        entry = json.loads("\n".join(data))
        request_id = entry.get("client_request_id") if isinstance(entry, dict) else None
        if fields.get("event") == "reset" or request_id is None:
            self.others.append(fields.get("event"))
            return
        if str(entry.get("id")) != fields.get("id"):
            self.others.append(f"id {fields.get('id')} for entry {entry.get('id')}")
        self.arrivals.setdefault(request_id, arrived)
        self.history_ids[request_id] = entry.get("id")

    async def close(self):
        self.task.cancel()
        self.writer.close()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        try:
            await self.writer.wait_closed()
        except OSError:
            pass


async def open_stream(server, path):
    """GET `path` as an EventSource does; the stream once its 200 has come, else Refused."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(request_bytes(server, "GET", path, {"Accept": "text/event-stream"}))
    await writer.drain()
    status, headers = await read_head(reader)
    if status != 200 or not headers.get("content-type", "").startswith("text/event-stream"):
        body = await read_body(reader, headers)
        writer.close()
        raise Refused(f"{status} {headers.get('content-type')} {body[:200]!r}")
    if headers.get("transfer-encoding", "").lower() != "chunked":
        writer.close()
        raise Refused(f"an event stream that is not chunked: {headers}")
    return EventStream(reader, writer)


async def open_streams(server, path, count):
    """`count` streams of `path`, OPEN_AT_ONCE being opened at a time: those open, and why the
    others are not."""
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def one():
        async with gate:
            return await open_stream(server, path)

    outcomes = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    streams = [outcome for outcome in outcomes if isinstance(outcome, EventStream)]
    failures = [f"{type(outcome).__name__}: {outcome}" for outcome in outcomes
                if not isinstance(outcome, EventStream)]
    return streams, failures


class Writer:
    """A keep-alive connection of its own to an instance, for the writes whose events are
    timed: each is sent with an X-Request-Id of ours, which comes back in its event."""

    def __init__(self, server):
        self.server = server
        self.reader = self.writer = None
        self.last_used = 0.0
        self.count = 0

    async def flip(self, role_id, actor_id):
        """Moves the candidate to the other of two statuses (a real change each time, so one
        history entry and one event): the request id, when it was sent and how long the answer
        took, in seconds."""
        if self.writer is None or time.monotonic() - self.last_used > IDLE_S:
            if self.writer is not None:
                self.writer.close()
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1",
                                                                     self.server.port)
        self.count += 1
        request_id = f"bench-live-role-{role_id}-{self.count}"
        status = "shortlisted" if self.count % 2 else "submitted"
        body = json.dumps({"status": status}).encode()
        message = request_bytes(self.server, "PUT", f"/roles/{role_id}/candidates/{actor_id}",
                                {"Content-Type": "application/json",
                                 "X-Request-Id": request_id}, body)
        sent = time.perf_counter()
        self.writer.write(message)
        await self.writer.drain()
        answer_status, headers = await read_head(self.reader)
        answer = await read_body(self.reader, headers)
        answered = time.perf_counter() - sent
        self.last_used = time.monotonic()
        if answer_status != 200:
            raise Refused(f"PUT candidate: {answer_status} {answer[:300]!r}")
        return request_id, sent, answered

    async def close(self):
        if self.writer is not None:
            self.writer.close()


async def wait_for(streams, request_id):
    """Until every stream has the write's event, or PATIENCE_S: how many have not."""
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        missing = sum(request_id not in stream.arrivals for stream in streams)
        if not missing:
            return 0
        await asyncio.sleep(0.01)
    return missing


def ended(streams):
    return [stream.ended for stream in streams if stream.ended]


# ---------------------------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------------------------


async def streams_memory(server, role_id):
    """The service's VmRSS and VmHWM before any of STREAMS streams of one role is open, and once
    all are open and each has delivered the event of one change; again after they closed."""
    writer = Writer(server)
    path = f"/roles/{role_id}/events"
    # One stream and one event first, so that the baseline has the code and the role's channel
    # in memory as much as the service's other answers are: what is measured is the streams.
    warm, failures = await open_streams(server, path, 1)
    if failures:
        sys.exit(f"GET {path}: {failures[0]} ({server.errors.read_text()[-500:]})")
    request_id, _, _ = await writer.flip(role_id, STREAMED_ACTOR)
    if await wait_for(warm, request_id):
        sys.exit(f"the warm-up stream did not get its event ({ended(warm)})")
    await warm[0].close()
    await asyncio.sleep(1)
    busy = wait_quiet()
    before = {"rss_mib": server.memory_mib("VmRSS"), "hwm_mib": server.memory_mib("VmHWM")}
    started = time.perf_counter()
    streams, failures = await open_streams(server, path, STREAMS)
    seconds_to_open = time.perf_counter() - started
    log(f"    {len(streams):,} streams open in {seconds_to_open:.1f} s"
        + (f", {len(failures)} refused: {failures[0]}" if failures else ""))
    request_id, sent, answered = await writer.flip(role_id, STREAMED_ACTOR)
    lost = await wait_for(streams, request_id)
    after = {"rss_mib": server.memory_mib("VmRSS"), "hwm_mib": server.memory_mib("VmHWM")}
    fan_out = [(stream.arrivals[request_id] - sent) * 1000 for stream in streams
               if request_id in stream.arrivals]
    log(f"    the event at {len(fan_out):,} streams: p50 {percentile(fan_out, 0.5):.0f} ms, "
        f"max {max(fan_out):.0f} ms; RSS {before['rss_mib']:.1f} -> {after['rss_mib']:.1f} MiB")
    stream_ends = ended(streams)
    await asyncio.gather(*(stream.close() for stream in streams))
    await writer.close()
    await asyncio.sleep(2)
    closed = {"rss_mib": server.memory_mib("VmRSS"), "hwm_mib": server.memory_mib("VmHWM")}
    return {
        "streams": STREAMS, "open": len(streams), "refused": len(failures),
        "refusals": sorted(set(failures))[:5], "ended_early": stream_ends[:5],
        "without_event": lost, "seconds_to_open": round(seconds_to_open, 2),
        "open_at_once": OPEN_AT_ONCE,
        "before": {key: round(value, 1) for key, value in before.items()},
        "after": {key: round(value, 1) for key, value in after.items()},
        "after_closing": {key: round(value, 1) for key, value in closed.items()},
        "rss_growth_mib": round(after["rss_mib"] - before["rss_mib"], 1),
        "hwm_growth_mib": round(after["hwm_mib"] - before["hwm_mib"], 1),
        "kib_per_stream": round((after["rss_mib"] - before["rss_mib"]) * 1024 / STREAMS, 1),
        "write_ms": round(answered * 1000, 1), "fan_out": spread(fan_out),
        "busy_before": busy,
    }


async def across_instances(writing, listening, role_id):
    """LISTENERS streams of a role on `listening`; CHANGES writes of its candidates on `writing`,
    SPACING_S apart (after WARM_UP_CHANGES not counted): for every write and every listener, from
    the moment the write was sent to the moment its event was read."""
    path = f"/roles/{role_id}/events"
    busy = wait_quiet()
    streams, failures = await open_streams(listening, path, LISTENERS)
    if failures:
        sys.exit(f"GET {path} on the second instance: {len(failures)} refused: {failures[0]}")
    writer = Writer(writing)
    writes = []
    next_at = time.perf_counter()
    for number in range(WARM_UP_CHANGES + CHANGES):
        await asyncio.sleep(max(next_at - time.perf_counter(), 0))
        next_at += SPACING_S
        request_id, sent, answered = await writer.flip(role_id, LISTENED_ACTOR)
        if number >= WARM_UP_CHANGES:
            writes.append((request_id, sent, answered))
    # A stream's events come in order: once every stream has the last, the others are in too.
    await wait_for(streams, writes[-1][0])
    lost = sum(request_id not in stream.arrivals for request_id, _, _ in writes
               for stream in streams)
    latencies, history_ids = [], []
    for request_id, sent, _ in writes:
        seen = {stream.history_ids[request_id] for stream in streams
                if request_id in stream.history_ids}
        if len(seen) > 1:
            sys.exit(f"the listeners saw the write {request_id} as different entries: {seen}")
        history_ids.extend(seen)
        latencies += [(stream.arrivals[request_id] - sent) * 1000 for stream in streams
                      if request_id in stream.arrivals]
    others = sorted({str(other) for stream in streams for other in stream.others})
    stream_ends = ended(streams)
    await asyncio.gather(*(stream.close() for stream in streams))
    await writer.close()
    figures = spread(latencies)
    log(f"    {figures['samples']:,} events: p50 {figures['p50_ms']} ms, p99 "
        f"{figures['p99_ms']} ms, max {figures['max_ms']} ms; {lost} lost")
    return figures | {
        "listeners": LISTENERS, "changes": CHANGES, "warm_up_changes": WARM_UP_CHANGES,
        "spacing_s": SPACING_S, "lost": lost, "ended_early": stream_ends[:5],
        "other_events": others[:5],
        "history_ids": {"first": history_ids[0] if history_ids else None,
                        "last": history_ids[-1] if history_ids else None,
                        "distinct": len(set(history_ids))},
        "write_p50_ms": round(statistics.median(answered * 1000 for _, _, answered in writes), 1),
        "busy_before": busy,
    }


def autofills(server, api):
    """A role with SHORTLISTED candidates shortlisted (one bulk request); then, AUTOFILL_WARM_UPS
    times not counted and AUTOFILLS times counted: a session of SLOTS slots (not timed), its
    autofill from the shortlist (timed, from the first byte sent to the last received), the
    candidates it moved to `audition` moved back with one bulk request and the session deleted
    (not timed), so that every autofill starts from the same state."""
    movie, (role,) = make_movie(api, "Live Bench Autofill", ["Lead"])
    actor_ids = list(range(FIRST_SHORTLISTED, FIRST_SHORTLISTED + SHORTLISTED))
    added = api.call("POST", f"/roles/{role}/candidates/bulk",
                     {"actor_ids": actor_ids, "add": True, "status": "shortlisted"})
    if added["changed"] != SHORTLISTED:
        sys.exit(f"bulk add: {added['changed']} changed, not {SHORTLISTED}")
    busy = wait_quiet()
    timings, scheduled_counts = [], []
    for attempt in range(AUTOFILL_WARM_UPS + AUTOFILLS):
        session = api.call("POST", f"/movies/{movie}/sessions", {
            "name": f"Autofill {attempt + 1}", "starts_at": SESSION_START,
            "slot_minutes": 5, "slots": SLOTS})["created"]
        started = time.perf_counter()
        filled = api.call("POST", f"/sessions/{session}/autofill",
                          {"role_id": role, "status": "shortlisted"})
        elapsed = (time.perf_counter() - started) * 1000
        moved = [appointment["actor"]["id"] for appointment in filled["session"]["appointments"]]
        if filled["scheduled"] != len(moved):
            sys.exit(f"autofill: {filled['scheduled']} scheduled, {len(moved)} appointments")
        if moved:
            back = api.call("POST", f"/roles/{role}/candidates/bulk",
                            {"actor_ids": moved, "status": "shortlisted"})
            if back["changed"] != len(moved):
                sys.exit(f"moving back: {back['changed']} changed, not {len(moved)}")
        api.call("DELETE", f"/sessions/{session}")
        if attempt >= AUTOFILL_WARM_UPS:
            timings.append(elapsed)
            scheduled_counts.append(filled["scheduled"])
    log(f"    autofill of {SLOTS} slots: p50 {statistics.median(timings):.0f} ms, "
        f"scheduled {sorted(set(scheduled_counts))}")
    return {"slots": SLOTS, "shortlisted": SHORTLISTED, "autofills": len(timings),
            "warm_ups": AUTOFILL_WARM_UPS, "timings_ms": [round(t, 1) for t in timings],
            "p50_ms": round(statistics.median(timings), 1),
            "p90_ms": round(percentile(timings, 0.9), 1), "max_ms": round(max(timings), 1),
            "scheduled": min(scheduled_counts), "scheduled_each": sorted(set(scheduled_counts)),
            "busy_before": busy}


# ---------------------------------------------------------------------------------------------
# The run and its report
# ---------------------------------------------------------------------------------------------


def live(build):
    """Writes bench/results/live.*"""
    started = time.monotonic()
    limit = raise_open_files_limit(STREAMS + 100)
    service = {"max_event_streams": default_stream_limit(build),
               "pool": default_pool_size(build)}
    settings = {"MAX_EVENT_STREAMS": str(service["max_event_streams"])}
    log(f"postgres, {ACTORS:,} actors")
    seconds_load = load_postgres(build, ACTORS)
    log(f"    loaded in {seconds_load:.0f} s")
    first = second = None
    try:
        # Their logs are kept (bench/results/tmp/live-*.log): a few thousand requests, and
        # what they warn of is reported.
        first = start_service(build, build.url, "live-a", extra_env=settings)
        second = start_service(build, build.url, "live-b", extra_env=settings)
        api = Api(first)
        _, (streamed_role, listened_role) = make_movie(api, "Live Bench", ["Streamed", "Listened"])
        api.call("POST", f"/roles/{streamed_role}/candidates/bulk",
                 {"actor_ids": [STREAMED_ACTOR], "add": True, "status": "submitted"})
        api.call("POST", f"/roles/{listened_role}/candidates/bulk",
                 {"actor_ids": [LISTENED_ACTOR], "add": True, "status": "submitted"})
        log(f"{STREAMS:,} event streams open on one instance: its resident memory")
        memory = asyncio.run(streams_memory(first, streamed_role))
        log(f"writes on one instance, {LISTENERS} listeners on another")
        latency = asyncio.run(across_instances(first, second, listened_role))
        log(f"autofill of {SLOTS} slots")
        autofill = autofills(first, api)
        api.close()
        warnings = {name: warned(server) for name, server in [("a", first), ("b", second)]}
    finally:
        for server in (first, second):
            if server:
                server.stop()
        drop_database(build.database)
    results = {
        "command": "bench/run --live", "commit": build.commit, "machine": machine(),
        "actors": ACTORS, "seconds_load": round(seconds_load, 1),
        "service": service, "harness_open_files_limit": limit,
        "streams_memory": memory, "across_instances": latency, "autofill": autofill,
        "service_warnings": warnings,
    }
    results["targets"] = targets(results)
    results["seconds_total"] = round(time.monotonic() - started, 1)
    (RESULTS / "live.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (RESULTS / "live.md").write_text(table)
    print(table)
    log(f"done in {results['seconds_total']:.0f} s: {(RESULTS / 'live.md').relative_to(ROOT)}")
    missed = [check["target"] for check in results["targets"] if not check["met"]]
    if missed:
        log(f"{len(missed)} target(s) missed")


def warned(server):
    """What the server's log (JSON lines) tells of beyond its answers: its warnings and errors,
    but for the one every service of the benchmark gives (it is its own identity provider), and
    how many answers were not a success, by status."""
    lines, statuses = [], {}
    path = TMP / f"{server.errors.stem}.log"
    for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
        try:
            entry = json.loads(line)
        except ValueError:
            lines.append(line[:300])
            continue
        status = entry.get("status")
        if isinstance(status, int) and status >= 300:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        if (entry.get("level") in ("WARN", "ERROR")
                and not entry.get("message", "").startswith("LOCAL IDENTITY PROVIDER")):
            lines.append(f"{entry.get('level')} {entry.get('message')}"[:300])
    lines += server.errors.read_text(errors="replace").splitlines()
    return {"warnings": lines[:5], "warnings_total": len(lines), "not_2xx": statuses}


def targets(results):
    memory, latency = results["streams_memory"], results["across_instances"]
    autofill = results["autofill"]
    return [
        {"target": f"{STREAMS:,} open event streams on one instance: RSS grows < "
                   f"{TARGET_STREAMS_MIB} MiB",
         "value": memory["rss_growth_mib"],
         "met": (memory["rss_growth_mib"] < TARGET_STREAMS_MIB and memory["open"] == STREAMS
                 and not memory["without_event"])},
        {"target": f"an event written on instance A at {LISTENERS} listeners on instance B: "
                   f"p99 < {TARGET_P99_MS / 1000:g} s",
         "value": latency["p99_ms"],
         "met": latency["p99_ms"] < TARGET_P99_MS and not latency["lost"]},
        {"target": f"autofill of {SLOTS} slots: p50 < {TARGET_AUTOFILL_MS} ms",
         "value": autofill["p50_ms"],
         "met": autofill["p50_ms"] < TARGET_AUTOFILL_MS and autofill["scheduled"] == SLOTS},
    ]


def markdown(results):
    m, service = results["machine"], results["service"]
    memory, latency = results["streams_memory"], results["across_instances"]
    autofill = results["autofill"]
    checks = results["targets"]
    met = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    fan_out = memory["fan_out"]
    ids = latency["history_ids"]
    warnings = [f"{name}: {line}" for name, told in results["service_warnings"].items()
                for line in told["warnings"]]
    refused = {name: told["not_2xx"] for name, told in results["service_warnings"].items()
               if told["not_2xx"]}
    out = [
        "# Live updates and autofill", "",
        f"`{results['command']}` at {results['commit']}, {results['seconds_total']:.0f} s: the "
        f"service on PostgreSQL with a catalogue of {results['actors']:,} actors (bench/sql, "
        f"loaded in {results['seconds_load']:.0f} s), two instances of it on that database, "
        f"each with its defaults (`MAX_EVENT_STREAMS` {service['max_event_streams']:,}, a pool "
        f"of {service['pool']} connections). The harness reads the event streams itself "
        "(Python asyncio, raw HTTP/1.1 sockets) on the same cores.", "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}; "
        f"PostgreSQL {m['postgresql']}, {m['rustc']}.", "",
        "| measure | value | target | |", "|---|---:|---|---|",
        f"| {STREAMS:,} event streams open on one instance, each with one event: VmRSS after − "
        f"before | {memory['rss_growth_mib']:.1f} MiB | < {TARGET_STREAMS_MIB} MiB | "
        f"{met(checks[0]['met'])} |",
        f"| an event written on instance A, read by {LISTENERS} listeners on instance B: p99 of "
        f"{latency['samples']:,} | {latency['p99_ms']:.0f} ms | < {TARGET_P99_MS / 1000:g} s | "
        f"{met(checks[1]['met'])} |",
        f"| autofill of {SLOTS} slots from a shortlist of {SHORTLISTED}: p50 of "
        f"{autofill['autofills']} | {autofill['p50_ms']:.0f} ms | < {TARGET_AUTOFILL_MS} ms | "
        f"{met(checks[2]['met'])} |", "",
        f"**Streams.** {memory['open']:,} of {memory['streams']:,} streams of one role opened "
        f"({memory['open_at_once']} being opened at a time) in {memory['seconds_to_open']:.1f} s"
        + (f", {memory['refused']} refused ({'; '.join(memory['refusals'])})"
           if memory['refused'] else "")
        + f"; one change of a candidate then reached {fan_out['samples']:,} of them (p50 "
        f"{fan_out['p50_ms']:.0f} ms, max {fan_out['max_ms']:.0f} ms after the write was sent"
        + (f"; {memory['without_event']} had not had it after {PATIENCE_S} s"
           if memory['without_event'] else "")
        + f"). The service's VmRSS: {memory['before']['rss_mib']:.1f} MiB before (after one "
        f"stream and one event, closed), {memory['after']['rss_mib']:.1f} MiB with the "
        f"streams open, {memory['after_closing']['rss_mib']:.1f} MiB 2 s after they closed: "
        f"{memory['kib_per_stream']:.0f} KiB a stream. VmHWM "
        f"{memory['before']['hwm_mib']:.1f} → {memory['after']['hwm_mib']:.1f} MiB "
        f"(+{memory['hwm_growth_mib']:.1f}).", "",
        f"**Across instances.** {LISTENERS} streams of one role on instance B; on instance A, "
        f"{latency['changes']} changes of a candidate of that role (PUT, after "
        f"{latency['warm_up_changes']} not counted), {latency['spacing_s'] * 1000:.0f} ms "
        "apart, each with an X-Request-Id that its event's entry carries back. Each sample is "
        "one event at one listener, from the moment its write was sent to A to the moment the "
        "harness read it from B (which includes the harness reading 100 sockets in one "
        "thread):", "",
        "| samples | p50 ms | p95 ms | p99 ms | max ms | lost | the write's answer, p50 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {latency['samples']:,} | {latency['p50_ms']} | {latency['p95_ms']} | "
        f"{latency['p99_ms']} | {latency['max_ms']} | {latency['lost']} | "
        f"{latency['write_p50_ms']} |", "",
        f"Every listener saw each write as the same history entry ({ids['distinct']} entries, "
        f"ids {ids['first']} to {ids['last']}), the event's `id` that entry's.", "",
        f"**Autofill.** A role with {autofill['shortlisted']} candidates shortlisted (one bulk "
        f"request of actors of the catalogue); then {autofill['warm_ups']} times not counted and "
        f"{autofill['autofills']} times counted: a session of {SLOTS} slots of 5 minutes, "
        "`POST /sessions/{id}/autofill {role_id, status: \"shortlisted\"}` timed (from the first "
        "byte sent to the last received, the session with its appointments in the answer), the "
        "candidates it moved to `audition` moved back with one bulk request and the session "
        f"deleted. p50 {autofill['p50_ms']:.0f} ms, p90 {autofill['p90_ms']:.0f} ms, max "
        f"{autofill['max_ms']:.0f} ms; scheduled {autofill['scheduled']} each time (must be "
        f"{SLOTS}). Each: {', '.join(f'{t:.0f}' for t in autofill['timings_ms'])} ms.", "",
        "Other work kept the machine busy before each part (a fraction of both cores, after "
        f"waiting up to {QUIET_PATIENCE} s for it to fall under {QUIET_BUSY:.0%}): streams "
        f"{memory['busy_before']:.0%}, across instances {latency['busy_before']:.0%}, autofill "
        f"{autofill['busy_before']:.0%}.",
    ]
    if warnings:
        out += ["", "The services warned (the first of each):", "",
                *(f"- `{line}`" for line in warnings)]
    out += ["", "Answers that were not a success, by instance and status: "
            + (", ".join(f"{name} {statuses}" for name, statuses in refused.items())
               if refused else "none") + " (the services' logs: bench/results/tmp/live-*.log)."]
    return "\n".join(out) + "\n"
