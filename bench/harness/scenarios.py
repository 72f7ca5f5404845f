"""What the benchmark measures: the catalogue sizes, concurrencies, legs and seconds of each
mode, and the read and write scenarios."""

FULL_SIZES = [1_000, 100_000, 1_000_000]
QUICK_SIZE = 100_000
FULL_CONCURRENCY = [1, 16, 64]
QUICK_CONCURRENCY = [16]
# The HTTP servers (the service, the bare handler, the service at --against) run in
# alternating legs of these many seconds each (service, bare, old, service, bare, old), and
# each one's figures are summed over its legs: a slow drift of the machine then weighs on all
# alike. Concurrency 16 carries the targets, so it runs longest.
FULL_LEGS = {1: (1, 1), 16: (2, 2), 64: (1, 1)}
QUICK_LEGS = {16: (2, 2)}
# Seconds of pgbench, and of each SQLite run.
FULL_SECONDS = {1: 2, 16: 3, 64: 2}
QUICK_SECONDS = {16: 3}
# SQLite's read scenarios run at these concurrencies (full mode); quick mode at 16 only.
FULL_SQLITE_CONCURRENCY = [1, 16]
# The reads on SQLite: the conditional GET and compression cost what they cost on PostgreSQL.
SQLITE_READS = ["list_first", "list_deep", "search", "search_rare", "movie_get"]
DEEP_ROWS = 10_000
PAGE = 20
BIG_PAGE = 100
# How many movies (at most) the conditional GET draws from, each with its ETag.
TAGGED_MOVIES = 1_000
# Substring searches: `son` is in about 5 % of the names (Johnson, Wilson, Carlsson, ...),
# `lindqvist` in about 0.5 % (one surname of 198).
SEARCH_COMMON = "son"
SEARCH_RARE = "lindqvist"

READS = [
    # name, what it is, kind (for the bare handler)
    ("list_first", "GET /actors (first page, 20 rows)", "actor_page"),
    ("list_deep", "GET /actors?cursor=... (the page after row 10,000)", "actor_page"),
    ("search", f"GET /actors?q={SEARCH_COMMON} (~5 % of names match)", "actor_page"),
    ("search_rare", f"GET /actors?q={SEARCH_RARE} (~0.5 % of names match)", "actor_page"),
    ("movie_get", "GET /movies/{id} with its cast (random id)", "movie"),
    ("movie_get_304", "GET /movies/{id} with If-None-Match: its current ETag (random id of "
                      f"{TAGGED_MOVIES:,}): 304", "movie"),
    ("list_100", f"GET /actors?limit={BIG_PAGE} (first page, {BIG_PAGE} rows, not compressed)",
     "actor_page"),
    ("list_first_gzip", f"GET /actors?limit={BIG_PAGE} with Accept-Encoding: gzip",
     "actor_page"),
]
PAGE_SIZES = {"list_100": BIG_PAGE, "list_first_gzip": BIG_PAGE}
# The reads of the mixed load, with GET /movies/{id}.
MIXED_READS = ["list_first", "list_deep", "search", "search_rare"]
GZIP = "Accept-Encoding: gzip"
# The mixed load runs first: the pure write scenarios leave dead row versions behind (every
# PATCH changes an indexed column, so none is a HOT update), which at 1,000 actors would slow
# the reads that follow them until autovacuum comes by.
WRITES = [
    ("mixed", "90 % the reads above in turn, 10 % POST and PATCH"),
    ("post_actor", "POST /actors"),
    ("patch_actor", "PATCH /actors/{id} (random id, new age)"),
]


def fmt_size(actors):
    return {1_000: "1k", 100_000: "100k", 1_000_000: "1M"}.get(actors, f"{actors:,}")
