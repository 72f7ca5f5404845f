"""The catalogues (a PostgreSQL database per build, an SQLite file) loaded from bench/sql, and
the SQL the service runs, learnt from PostgreSQL's statement log, for the bare handler and
pgbench."""

import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from . import PG, TMP, output, run
from .machine import drop_database, psql
from .scenarios import PAGE, PAGE_SIZES, READS
from .servers import fetch, service_env, start_service, tagged_ids


def load_postgres(build, size, template=None):
    """A fresh database for `build`: migrated by the build itself and loaded by its own
    bench/sql, or, when `template` (another build's, made of the same migrations and load
    scripts) is given, a copy of that one."""
    started = time.monotonic()
    drop_database(build.database)
    if template:
        psql("-c", f"CREATE DATABASE {build.database} TEMPLATE {template.database}")
        return time.monotonic() - started
    psql("-c", f"CREATE DATABASE {build.database}")
    run([build.binary, "migrate"], env=service_env(build, build.url), stdout=subprocess.DEVNULL)
    psql("-v", f"actors={size}", "-f", str(build.sql / "load_postgres.sql"),
         database=build.database, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def load_sqlite(build, size):
    started = time.monotonic()
    path = TMP / f"sqlite-{size}.db"
    for suffix in ["", "-wal", "-shm"]:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    run([build.binary, "migrate"], env=service_env(build, f"sqlite://{path}"),
        stdout=subprocess.DEVNULL)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.executescript((build.sql / "words.sql").read_text())
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('actors', 'movies', 'castings', 'photos')").fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    db.execute("BEGIN")
    for statement in sql_statements((build.sql / "load_sqlite.sql").read_text()):
        db.execute(statement, {"actors": size} if ":actors" in statement else {})
    db.execute("COMMIT")
    for _, definition in indexes:
        db.execute(definition)
    db.execute("ANALYZE")
    db.close()
    return path, time.monotonic() - started


def sql_statements(text):
    statement = ""
    for line in text.splitlines(keepends=True):
        if not statement and (not line.strip() or line.lstrip().startswith("--")):
            continue
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""


# ---------------------------------------------------------------------------------------------
# The SQL the service runs, from PostgreSQL's statement log
# ---------------------------------------------------------------------------------------------


def postgres_log_file():
    for line in output(["pg_lsclusters", "--no-header"]).splitlines():
        fields = line.split()
        if len(fields) >= 7 and fields[2] == PG["port"]:
            return Path(fields[6])
    sys.exit("cannot find PostgreSQL's log file (pg_lsclusters)")


EXECUTE = re.compile(r"duration: [\d.]+ ms\s+execute [^:]*: (.*)$", re.S)
SIMPLE = re.compile(r"duration: [\d.]+ ms\s+statement: (.*)$", re.S)
PARAMETERS = re.compile(r"parameters: (.*)$", re.S)
PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def parse_statements(text, database):
    """The statements a session on `database` executed, in order: those of the extended
    protocol from their `execute` lines (not `parse` or `bind`), each with the parameters on the
    DETAIL line right after it, and simple queries (`BEGIN`, `COMMIT`...) from their `statement`
    lines. A log entry's continuation lines (a statement over several lines) start with a tab."""
    entries = []
    marker = re.compile(rf"@{re.escape(database)} ([A-Z]+):\s+(.*)$")
    for line in text.splitlines():
        if line.startswith("\t") and entries:
            entries[-1][1] += "\n" + line[1:]
        elif match := marker.search(line):
            entries.append([match.group(1), match.group(2)])
        else:
            entries.append([None, ""])
    statements = []
    for index, (level, body) in enumerate(entries):
        if level in ("ERROR", "FATAL"):
            sys.exit(f"PostgreSQL logged an error while the SQL was extracted: {body}")
        if level != "LOG":
            continue
        if match := EXECUTE.match(body):
            params = []
            if index + 1 < len(entries) and entries[index + 1][0] == "DETAIL":
                if detail := PARAMETERS.match(entries[index + 1][1]):
                    params = [None if value == "NULL" else value[1:-1].replace("''", "'")
                              for _, value in PARAMETER.findall(detail.group(1))]
            statements.append({"sql": match.group(1), "params": params, "simple": False})
        elif match := SIMPLE.match(body):
            sql = match.group(1).strip()
            if re.sub(r"/\*.*?\*/", "", sql, flags=re.S).strip():
                statements.append({"sql": sql, "params": [], "simple": True})
    return statements


def extraction_requests(server, size):
    """Each read scenario's request: path, headers and the statuses it may answer (a build at
    --against may not know conditional GET and answer 200)."""
    ids = tagged_ids(size)
    movie_id = ids[len(ids) // 2]
    _, headers, _ = fetch(server, f"/movies/{movie_id}")
    paths = server.paths
    return movie_id, {
        "list_first": (paths["list_first"], {}, {200}),
        "list_deep": (paths["list_deep"], {}, {200}),
        "search": (paths["search"], {}, {200}),
        "search_rare": (paths["search_rare"], {}, {200}),
        "movie_get": (f"/movies/{movie_id}", {}, {200}),
        "movie_get_304": (f"/movies/{movie_id}", {"If-None-Match": headers["ETag"]}, {304, 200}),
        "list_100": (paths["list_100"], {}, {200}),
        "list_first_gzip": (paths["list_100"], {"Accept-Encoding": "gzip"}, {200}),
    }


def extract_sql(build, server, size):
    """Runs each read scenario's request once on a service of `build` whose one connection
    logs every statement, and returns the statements each request ran, in order, with their
    parameters; in a movie's statements, which parameters carry its id."""
    logfile = postgres_log_file()
    url = build.url + "&options=" + urllib.parse.quote("-c log_min_duration_statement=0")
    extractor = start_service(build, url, f"extract-{build.label}",
                              {"DATABASE_MAX_CONNECTIONS": "1"})
    extractor.paths = server.paths
    statements = {}
    try:
        movie_id, requests = extraction_requests(extractor, size)
        for name, (path, headers, statuses) in requests.items():
            offset = logfile.stat().st_size
            status, _, body = fetch(extractor, path, headers)
            if status not in statuses:
                sys.exit(f"{name}: GET {path} answered {status}: {body[:300]!r}")
            time.sleep(0.2)
            with open(logfile, "rb") as log_:
                log_.seek(offset)
                text = log_.read().decode("utf-8", "replace")
            found = parse_statements(text, build.database)
            if not any(not statement["simple"] for statement in found):
                sys.exit(f"{name}: the log shows no statement of the service: {found}")
            if name in ("movie_get", "movie_get_304"):
                for statement in found:
                    statement["id_params"] = [position for position, value
                                              in enumerate(statement["params"])
                                              if value == str(movie_id)]
                if not any(statement["id_params"] for statement in found):
                    sys.exit(f"{name}: no statement was bound the movie's id {movie_id}: {found}")
            statements[name] = found
    finally:
        extractor.stop()
    return statements


def bare_queries(statements, path):
    scenarios = [{"name": name, "kind": kind, "page_size": PAGE_SIZES.get(name, PAGE),
                  "statements": statements[name]} for name, _, kind in READS]
    path.write_text(json.dumps({"scenarios": scenarios}, indent=2))


def pgbench_script(name, statements, movies):
    """The scenario's statements as a pgbench script (one request = one transaction): each
    `$N` becomes a pgbench variable, defined on the command line with the value the service
    bound, or for a movie's id a random id per transaction, as the HTTP load sends."""
    lines, defines = [], []
    if any(statement.get("id_params") for statement in statements):
        lines.append(f"\\set id random(1, {movies})")
    for index, statement in enumerate(statements, 1):
        if statement["simple"]:
            lines.append(statement["sql"] + ";")
            continue

        def variable(match, index=index, statement=statement):
            position = int(match.group(1)) - 1
            if position in statement.get("id_params", []):
                return ":id"
            value = statement["params"][position]
            if value is None:
                return "NULL"
            name_ = f"s{index}p{position + 1}"
            if not any(define.startswith(f"{name_}=") for define in defines):
                defines.append(f"{name_}={value}")
            return f":{name_}"

        lines.append(re.sub(r"\$(\d+)\b", variable, statement["sql"]) + ";")
    path = TMP / f"pgbench-{name}.sql"
    path.write_text("\n".join(lines) + "\n")
    return path, defines
