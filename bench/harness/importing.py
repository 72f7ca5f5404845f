"""The import (--import): `movie-manager import actors FILE.csv` of a generated file into an
empty PostgreSQL database and an empty SQLite file, every row in one transaction, timed from
the outside: rows per second on each. Names come in several scripts, with quotes, commas and
cells a spreadsheet would take for formulas, and profiles (tags, playing ages, height, an
agent, notes over two lines) so that the file is read and written as real ones are."""

import csv
import json
import random
import time

from . import PG, PG_SSLMODE, RESULTS, ROOT, TMP, log, run
from .machine import drop_database, psql

# What an office's spreadsheet holds: names in several scripts, quoted and awkward cells.
NAMES = ["Zoë Saldaña", "李小龙", "Арнольд Шварценеггер", "عمر الشريف", "Smith, \"Jane\"",
         "'Tis Himself", "=Formula Looking", "Ngũgĩ wa Thiong'o", "Ólafur Darri Ólafsson"]
GENDERS = ["female", "male", "non-binary", "+other"]
SKILLS = ["Singing", "Stage combat", "Horse riding", "Juggling", "Tap dance", "=Accents",
          "Motion capture", "Fencing", "Piano", "Swimming"]
LANGUAGES = ["English", "Español", "Français", "Русский", "中文", "العربية", "Yorùbá"]


def profile(chooser, index):
    """A profile as offices fill them in: some fields, often not all."""
    youngest = chooser.randrange(18, 60)
    agent = index % 2 == 0
    return [
        "; ".join(chooser.sample(SKILLS, chooser.randrange(4))),
        "; ".join(chooser.sample(LANGUAGES, chooser.randrange(1, 3))),
        youngest, youngest + chooser.randrange(15), chooser.randrange(150, 200),
        "Talent House, \"North\"" if agent else "", "ada@talent.example" if agent else "",
        f"Seen at the open call {index}.\r\nCall back." if index % 3 == 0 else "",
    ]


def write_file(path, rows):
    """A CSV file of `rows` actors, with the export's columns in another order, profiles and a
    BOM."""
    chooser = random.Random(rows)
    with open(path, "w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(["gender", "name", "age", "id", "skills", "languages", "playing_age_min",
                         "playing_age_max", "height_cm", "agent_agency", "agent_email", "notes"])
        for index in range(rows):
            name = f"{chooser.choice(NAMES)} {index}"
            writer.writerow([chooser.choice(GENDERS), name, chooser.randrange(151), "",
                             *profile(chooser, index)])


def timed_import(build, database_url, path):
    """Seconds `movie-manager import actors` takes for `path` into `database_url`, migrations
    (run first, apart) not counted."""
    run([build.binary, "migrate", "--database-url", database_url], capture_output=True)
    started = time.monotonic()
    result = run([build.binary, "import", "actors", str(path), "--database-url", database_url],
                 capture_output=True, text=True)
    seconds = time.monotonic() - started
    log(f"  {result.stdout.strip()} in {seconds:.1f} s")
    return seconds


def importing(build, rows):
    """Imports `rows` generated actors into each database; writes bench/results/import.*"""
    TMP.mkdir(parents=True, exist_ok=True)
    path = TMP / f"import-{rows}.csv"
    write_file(path, rows)
    megabytes = path.stat().st_size / 1024 / 1024
    log(f"importing {rows:,} actors ({megabytes:.1f} MiB of CSV)")
    database = "movie_manager_bench_import"
    drop_database(database)
    psql("-c", f'CREATE DATABASE "{database}"')
    postgres_url = (f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{database}"
                    f"?sslmode={PG_SSLMODE}")
    sqlite_file = TMP / "import.db"
    for leftover in TMP.glob("import.db*"):
        leftover.unlink()
    try:
        seconds = {"postgres": timed_import(build, postgres_url, path),
                   "sqlite": timed_import(build, f"sqlite://{sqlite_file}", path)}
    finally:
        drop_database(database)
        for leftover in TMP.glob("import.db*"):
            leftover.unlink()
    results = {"command": f"bench/run --import {rows}", "commit": build.commit, "rows": rows,
               "file_mib": round(megabytes, 1),
               "seconds": {name: round(value, 2) for name, value in seconds.items()},
               "rows_per_second": {name: round(rows / value) for name, value in seconds.items()}}
    (RESULTS / "import.json").write_text(json.dumps(results, indent=2) + "\n")
    table = (f"# Import\n\n`{results['command']}` at {build.commit}: `movie-manager import actors` "
             f"of {rows:,} rows ({results['file_mib']} MiB) in one transaction, into an empty "
             f"database.\n\n| database | seconds | rows/s |\n|---|---:|---:|\n"
             + "".join(f"| {name} | {results['seconds'][name]} | "
                       f"{results['rows_per_second'][name]:,} |\n" for name in seconds))
    (RESULTS / "import.md").write_text(table)
    print(table)
    log(f"done: {(RESULTS / 'import.md').relative_to(ROOT)}")
