"""Server processes of ours on 127.0.0.1 (the service, the bare handler), stopped by their pid,
their tokens, and the requests the benchmark makes to them itself (not the load)."""

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from . import BARE, ROOT, TMP, output
from .scenarios import BIG_PAGE, DEEP_ROWS, SEARCH_COMMON, SEARCH_RARE, TAGGED_MOVIES


def service_env(build, database_url, port=None, extra=None):
    env = {key: value for key, value in os.environ.items()
           if key not in {"AUTH0_DOMAIN", "JWKS_URL", "JWT_ISSUER", "API_AUDIENCE", "RUST_LOG",
                          "DATABASE_MAX_CONNECTIONS", "HOST", "CORS_ORIGINS"}}
    env["DATABASE_URL"] = database_url
    env["LOCAL_KEY_FILE"] = str(build.key_file)
    # A service on PostgreSQL needs a photo store (builds from before photos ignore it).
    env["PHOTO_STORE"] = str(TMP / "photos")
    if port is not None:
        env["PORT"] = str(port)
    env.update(extra or {})
    return env


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


RUNNING = []


class Server:
    """A server process of ours, on 127.0.0.1:port, stopped by its pid (at the latest when
    the benchmark ends, however it ends). What the load needs to know about it is kept with it:
    its token, its database, its request paths (the deep cursor is the server's own) and the
    file of movie ids with their ETags."""

    def __init__(self, command, env, port, name, database, keep_log=False, bare=False):
        """stderr (where a failure to start is told) always goes to a file; stdout, the access
        log, only if `keep_log`: under load it is gigabytes, so it is written to /dev/null,
        which still costs the service its formatting."""
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.database = database
        self.bare = bare
        self.bearer = ""
        self.paths = {}
        self.etags = None
        self.errors = TMP / f"{name}.stderr"
        with open(self.errors, "w") as errors:
            if keep_log:
                with open(TMP / f"{name}.log", "w") as out:
                    self.process = subprocess.Popen(command, env=env, stdout=out, stderr=errors)
            else:
                self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                                stderr=errors)
        RUNNING.append(self)

    def wait_ready(self, path):
        for _ in range(300):
            if self.process.poll() is not None:
                sys.exit(f"the server on port {self.port} exited with {self.process.returncode}: "
                         f"{self.errors.read_text()}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=1):
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        sys.exit(f"the server on port {self.port} did not become ready: {self.errors.read_text()}")

    def memory_mib(self, field):
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024

    def stop(self):
        if self in RUNNING:
            RUNNING.remove(self)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_service(build, database_url, name, extra_env=None, database=None):
    port = free_port()
    env = service_env(build, database_url, port, extra_env)
    server = Server([build.binary, "serve"], env, port, name, database or build.database,
                    keep_log=extra_env is not None)
    server.wait_ready("/healthz")
    server.bearer = token(build, env)
    return server


# The session settings the service gives its PostgreSQL connections (src/storage/mod.rs), for
# the limits that run its SQL: the bare handler (sqlx reads PGOPTIONS) and pgbench.
SERVICE_SESSION = {"PGOPTIONS": "-c plan_cache_mode=force_generic_plan"}


def start_bare(build, queries):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=build.url, PORT=str(port),
               DATABASE_MAX_CONNECTIONS=str(default_pool_size(build)), BARE_QUERIES=str(queries),
               **SERVICE_SESSION)
    server = Server([BARE], env, port, "bare", build.database, bare=True)
    return server.wait_ready("/list_first")


def default_pool_size(build):
    """The service's default pool size, from its own help, so the bare handler matches it."""
    help_text = output([build.binary, "serve", "--help"])
    match = re.search(r"DATABASE_MAX_CONNECTIONS=\]\s*\[default: (\d+)\]", help_text)
    return int(match.group(1)) if match else 10


def token(build, env, role="executive-producer"):
    """A token with `role`'s permissions from the local identity provider of the server started
    with `env` (the provider's issuer is the server's own address, so the token command is told
    it too)."""
    lines = output([build.binary, "token", "--role", role, "--ttl", "3h"],
                   env=env).strip().splitlines()
    return lines[-1]


def fetch(server, path, headers=None):
    """GET `path`: the status, the headers and the body as it came (compressed or not)."""
    request = urllib.request.Request(server.base + path, headers={
        "Authorization": f"Bearer {server.bearer}", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def get_json(server, path):
    status, _, body = fetch(server, path)
    if status != 200:
        sys.exit(f"GET {path}: {status} {body[:300]!r}")
    return json.loads(body)


def deep_cursor(server, size):
    """Walks the list 100 rows at a time to the cursor of the page that starts after row
    `depth`: 10,000 rows deep, or half-way down a catalogue smaller than 20,000 rows."""
    depth = min(DEEP_ROWS, size // 2 // 100 * 100)
    cursor = None
    for _ in range(depth // 100):
        query = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = get_json(server, "/actors?" + urllib.parse.urlencode(query))
        cursor = page["next_cursor"]
    return depth, cursor


def prepare_server(server, size):
    """Finds the server's deep cursor and its request paths, and writes the file of movie ids
    and their ETags for the conditional GET (from the server itself)."""
    depth, cursor = deep_cursor(server, size)
    server.paths = {
        "list_first": "/actors",
        "list_deep": "/actors?" + urllib.parse.urlencode({"cursor": cursor}),
        "search": f"/actors?q={SEARCH_COMMON}",
        "search_rare": f"/actors?q={SEARCH_RARE}",
        "list_100": f"/actors?limit={BIG_PAGE}",
    }
    server.etags = tag_movies(server, size, f"etags-{server.port}.txt")
    return depth


def tagged_ids(size):
    movies = max(size // 10, 1)
    return sorted(random.Random(6).sample(range(1, movies + 1), min(TAGGED_MOVIES, movies)))


def tag_movies(server, size, file_name, prefix="/movies/"):
    lines = []
    for movie_id in tagged_ids(size):
        status, headers, body = fetch(server, f"{prefix}{movie_id}")
        if status != 200 or not headers.get("ETag"):
            sys.exit(f"GET {prefix}{movie_id}: {status}, ETag {headers.get('ETag')}: {body[:200]!r}")
        lines.append(f"{movie_id} {headers['ETag']}")
    path = TMP / file_name
    path.write_text("\n".join(lines) + "\n")
    return path


def check_bare_etags(service, bare, size):
    """The bare handler's ETags are the service's (it makes them itself, from the version)."""
    mine = tag_movies(bare, size, "etags-bare.txt", prefix="/movie_get_304/")
    if mine.read_text() != service.etags.read_text():
        sys.exit("the bare handler's ETags are not the service's: compare "
                 f"{mine.relative_to(ROOT)} with {service.etags.relative_to(ROOT)}")
    bare.etags = mine


def body_sizes(server):
    """The 100-row page's body as it comes with each encoding the client accepts."""
    sizes = {}
    for encoding in ("identity", "gzip", "br"):
        _, headers, body = fetch(server, server.paths["list_100"], {"Accept-Encoding": encoding})
        sizes[encoding] = {"bytes": len(body),
                           "content_encoding": headers.get("Content-Encoding") or "identity"}
    return sizes
