"""The release builds: the working tree's (the service and bench/bare), and the service at a
git revision (--against), each a Build with the database it runs on."""

import hashlib
import os
import shutil
import subprocess
import sys
import time

from . import BENCH, PG, PG_SSLMODE, ROOT, SERVICE, TMP, log, output, run

DATABASE = "movie_manager_bench"
DATABASE_AGAINST = "movie_manager_bench_against"
# The builds of --against share this target directory.
AGAINST_TARGET = TMP / "against-target"


class Build:
    """One build of the service: its binary, the source tree it was built from (whose
    migrations and bench/sql make its database) and the database it runs on."""

    def __init__(self, label, binary, tree, commit, database):
        self.label = label
        self.binary = binary
        self.tree = tree
        self.commit = commit
        self.database = database
        self.url = (f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{database}"
                    f"?sslmode={PG_SSLMODE}")
        own_sql = tree / "bench" / "sql"
        self.sql = own_sql if (own_sql / "load_postgres.sql").exists() else BENCH / "sql"
        self.key_file = TMP / f"bench-{label}.key.pem"

    def schema_digest(self):
        """What the database of this build is made of: its migrations and its load scripts."""
        digest = hashlib.sha256()
        for folder in (self.tree / "migrations" / "postgres", self.sql):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()


def build():
    log("building the release binaries (the service and bench/bare)")
    started = time.monotonic()
    run(["cargo", "build", "--release", "--workspace", "--quiet"], cwd=ROOT)
    commit = output(["git", "describe", "--always", "--dirty"], cwd=ROOT).strip()
    return Build("new", SERVICE, ROOT, commit, DATABASE), time.monotonic() - started


def build_against(revision):
    """The service at `revision`: its tree from `git archive` in bench/results/tmp, built there
    once (and kept for the next run) with a target directory of its own, so the repository's
    working tree and target stay as they are."""
    commit = output(["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=ROOT).strip()
    short = commit[:9]
    home = TMP / f"against-{short}"
    tree = home / "tree"
    binary = home / "movie-manager"
    started = time.monotonic()
    if not binary.exists():
        log(f"building the service at {revision} ({short}) in {home.relative_to(ROOT)}")
        if tree.exists():
            shutil.rmtree(tree)
        tree.mkdir(parents=True)
        archive = subprocess.Popen(["git", "archive", "--format=tar", commit], cwd=ROOT,
                                   stdout=subprocess.PIPE)
        run(["tar", "-x", "-C", str(tree)], stdin=archive.stdout)
        archive.stdout.close()
        if archive.wait() != 0:
            sys.exit(f"git archive {commit} failed")
        manifest = tree / "Cargo.toml"
        if "[workspace]" not in manifest.read_text():
            # Without it cargo would take the tree for a member of this repository's workspace.
            manifest.write_text(manifest.read_text() + "\n[workspace]\n")
        env = dict(os.environ, CARGO_TARGET_DIR=str(AGAINST_TARGET))
        run(["cargo", "build", "--release", "--quiet", "-p", "movie-manager", "--bin",
             "movie-manager"], cwd=tree, env=env)
        shutil.copy2(AGAINST_TARGET / "release" / "movie-manager", binary)
    return Build("old", binary, tree, short, DATABASE_AGAINST), time.monotonic() - started
