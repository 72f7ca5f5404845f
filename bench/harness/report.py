"""The results: the targets and whether they are met, the Markdown tables, the plot, and the
results section of BENCHMARKS.md."""

from . import ROOT, TMP, ratio, run
from .scenarios import BIG_PAGE, READS, fmt_size

PLOT = ROOT / "docs" / "benchmark-latency.png"
NOTE = ROOT / "BENCHMARKS.md"

TARGET_BARE_RATIO = 0.9
TARGET_SCALE_RATIO = 1.5
TARGET_RSS_MIB = 64
# Against the build this work started from, at concurrency 16.
TARGET_READ_SPEEDUP = {"list_first": 1.3, "movie_get": 1.3}
# "Writes must not get slower", within the noise of a run (about 5 %).
TARGET_WRITE_RATIO = 0.95


def find(runs, scenario, concurrency):
    for row in runs:
        if row["scenario"] == scenario and row["concurrency"] == concurrency:
            return row
    return None


def read_names(results):
    return [name for name, _, _ in READS if name in results["plan"]["reads"]]


def scale_table(results):
    if len(results["sizes"]) < 2:
        return []
    smallest, largest = results["sizes"][0], results["sizes"][-1]
    rows = []
    for name in read_names(results):
        for concurrency in results["plan"]["concurrency"]:
            p50s = []
            for size in results["sizes"]:
                row = find(size["postgres"]["runs"], name, concurrency)
                p50s.append(row["service"]["p50_ms"] if row else None)
            small = find(smallest["postgres"]["runs"], name, concurrency)
            large = find(largest["postgres"]["runs"], name, concurrency)
            if small and large:
                rows.append({"scenario": name, "concurrency": concurrency, "p50_ms": p50s,
                             "ratio": ratio(large["service"]["p50_ms"], small["service"]["p50_ms"])})
    return rows


def targets(results):
    checks = []
    against = results.get("against")
    for size in results["sizes"]:
        at = f"at {fmt_size(size['actors'])}"
        for row in size["postgres"]["runs"]:
            c = row["concurrency"]
            if "bare" in row:
                checks.append({
                    "target": f"{row['scenario']} {at}, c={c}: service >= "
                              f"{TARGET_BARE_RATIO:.0%} of bare",
                    "value": row["service_over_bare"],
                    "met": row["service_over_bare"] >= TARGET_BARE_RATIO})
            if "old" in row and c == 16 and row["scenario"] in TARGET_READ_SPEEDUP:
                wanted = TARGET_READ_SPEEDUP[row["scenario"]]
                checks.append({
                    "target": f"{row['scenario']} {at}, c=16: new / old (against "
                              f"{against['revision']}) >= {wanted}",
                    "value": row["new_over_old"], "met": row["new_over_old"] >= wanted})
            if "old" in row and c == 16 and "bare" not in row:
                checks.append({
                    "target": f"{row['scenario']} {at}, c=16: not slower than at "
                              f"{against['revision']} (new / old >= {TARGET_WRITE_RATIO})",
                    "value": row["new_over_old"],
                    "met": row["new_over_old"] >= TARGET_WRITE_RATIO})
            if row["scenario"] == "movie_get_304":
                for side in ("service", "bare"):
                    share = ratio(row[side]["not_modified"], row[side]["requests"])
                    checks.append({"target": f"movie_get_304 {at}, c={c}: every answer of the "
                                             f"{side} is 304", "value": share, "met": share == 1})
            if row["scenario"] == "list_first_gzip":
                for side in ("service", "bare"):
                    share = ratio(row[side]["encoded"], row[side]["requests"])
                    checks.append({"target": f"list_first_gzip {at}, c={c}: every answer of "
                                             f"the {side} is compressed", "value": share,
                                   "met": share == 1})
    for row in results["scale"]:
        checks.append({
            "target": f"{row['scenario']}, c={row['concurrency']}: p50 at the largest size "
                      f"within {TARGET_SCALE_RATIO}x of the smallest",
            "value": row["ratio"], "met": row["ratio"] <= TARGET_SCALE_RATIO})
    peak = max(size["postgres"]["rss_peak_mib"] for size in results["sizes"])
    checks.append({"target": f"service RSS at peak load < {TARGET_RSS_MIB} MiB", "value": peak,
                   "met": peak < TARGET_RSS_MIB})
    errors = 0
    for size in results["sizes"]:
        for backend in ("postgres", "sqlite"):
            for row in size.get(backend, {}).get("runs", []):
                errors += sum(row[side]["errors"] for side in ("service", "bare", "old", "pgbench")
                              if side in row)
    checks.append({"target": "zero errors in every run", "value": errors, "met": errors == 0})
    return checks


def markdown(results):
    out = []
    m = results["machine"]
    against = results.get("against")
    out.append(f"Run of {results['started']} (`{results['command']}` at {results['commit']}), "
               f"{results['mode']} mode, "
               f"{results['seconds_total']:.0f} s in all ({results['seconds_build']:.0f} s of "
               f"it building).")
    out.append("")
    out.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux "
               f"{m['kernel']}; PostgreSQL {m['postgresql']} (stock settings: "
               + ", ".join(f"{k} {v}" for k, v in m["postgresql_settings"].items())
               + f"), SQLite {m['sqlite']}, {m['rustc']}, {m['wrk']}, {m['pgbench']}. "
               "Load generator, server and database share the same cores.")
    out.append("")
    out.append("Release binary: "
               f"{results['binary_bytes'] / 1024 / 1024:.1f} MiB "
               f"({results['binary_bytes']:,} bytes)"
               + (f"; at {against['revision']} ({against['commit']}): "
                  f"{against['binary_bytes'] / 1024 / 1024:.1f} MiB." if against else "."))
    out.append("")
    out.append("### Reads on PostgreSQL: the service against its limits")
    out.append("")
    out.append("Requests/s, latency in ms. *bare* is bench/bare (the same SQL behind axum + sqlx "
               "alone), *pgbench* the same statements straight at PostgreSQL (one transaction "
               "= one request's statements).")
    out.append("")
    out.append("| actors | scenario | c | service req/s | p50 | p99 | max | errors | bare req/s | "
               "pgbench tx/s | service / bare | service / pgbench |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in results["sizes"]:
        for row in size["postgres"]["runs"]:
            if "bare" not in row:
                continue
            s = row["service"]
            out.append(f"| {fmt_size(size['actors'])} | {row['scenario']} | {row['concurrency']} | "
                       f"{s['rps']:,.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | "
                       f"{s['max_ms']:.1f} | {s['errors'] + row['bare']['errors'] + row['pgbench']['errors']} | "
                       f"{row['bare']['rps']:,.0f} | {row['pgbench']['rps']:,.0f} | "
                       f"{row['service_over_bare']:.2f} | {row['service_over_pgbench']:.2f} |")
    concurrencies = results["plan"]["concurrency"]
    focus = 16 if 16 in concurrencies else concurrencies[0]
    cpu_rows = [(size, row) for size in results["sizes"] for row in size["postgres"]["runs"]
                if "bare" in row and row["concurrency"] == focus]
    if cpu_rows:
        out.append("")
        out.append(f"Where the time goes at concurrency {focus}: CPU time "
                   "per request (µs) of the server's process, of the PostgreSQL backends of its "
                   "database, and of wrk, from /proc.")
        out.append("")
        out.append("| actors | scenario | service | its database | wrk | bare | its database | wrk |")
        out.append("|---:|---|---:|---:|---:|---:|---:|---:|")
        for size, row in cpu_rows:
            s, b = row["service"]["cpu"], row["bare"]["cpu"]
            out.append(f"| {fmt_size(size['actors'])} | {row['scenario']} | "
                       f"{s.get('server_us', 0):.0f} | {s.get('database_us', 0):.0f} | "
                       f"{s.get('load_generator_us', 0):.0f} | {b.get('server_us', 0):.0f} | "
                       f"{b.get('database_us', 0):.0f} | {b.get('load_generator_us', 0):.0f} |")
    if against:
        out.append("")
        out.append(f"### This build against {against['revision']} ({against['commit']})")
        out.append("")
        out.append("The two builds in alternating legs of the same runs, each on its own "
                   "database loaded with the same catalogue; *new / old* is the ratio of their "
                   "requests/s.")
        out.append("")
        out.append("| actors | scenario | c | new req/s | old req/s | new / old | new p50 | "
                   "old p50 | new p99 | old p99 | errors (new, old) |")
        out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for size in results["sizes"]:
            for row in size["postgres"]["runs"]:
                if "old" not in row:
                    continue
                s, o = row["service"], row["old"]
                out.append(f"| {fmt_size(size['actors'])} | {row['scenario']} | "
                           f"{row['concurrency']} | {s['rps']:,.0f} | {o['rps']:,.0f} | "
                           f"{row['new_over_old']:.2f} | {s['p50_ms']:.2f} | {o['p50_ms']:.2f} | "
                           f"{s['p99_ms']:.2f} | {o['p99_ms']:.2f} | {s['errors']}, {o['errors']} |")
    out.append("")
    out.append("### Writes and the mixed load on PostgreSQL")
    out.append("")
    out.append("| actors | scenario | c | req/s | p50 | p99 | max | errors |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|")
    for size in results["sizes"]:
        for row in size["postgres"]["runs"]:
            if "bare" in row:
                continue
            s = row["service"]
            out.append(f"| {fmt_size(size['actors'])} | {row['scenario']} | {row['concurrency']} | "
                       f"{s['rps']:,.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | "
                       f"{s['max_ms']:.1f} | {s['errors']} |")
    conditional = conditional_rows(results)
    if conditional:
        out.append("")
        out.append("### Conditional GET and compression (service on PostgreSQL)")
        out.append("")
        out.append(f"`movie_get_304` against `movie_get` (the same statement, then 304 without "
                   f"a body), and the {BIG_PAGE}-row page with `Accept-Encoding: gzip` against "
                   f"the same page uncompressed (`list_100`). *wire* is bytes per response as "
                   f"wrk received them, headers included; *CPU* the server's process per "
                   f"request.")
        out.append("")
        out.append("| actors | c | scenario | req/s | against | ratio | 304 or compressed | "
                   "wire bytes | CPU (µs) | CPU against |")
        out.append("|---:|---:|---|---:|---|---:|---:|---:|---:|---:|")
        out.extend(conditional)
        out.append("")
        out.append(f"Body of the {BIG_PAGE}-row page by `Accept-Encoding` (bytes):")
        out.append("")
        out.append("| actors | build | identity | gzip | br |")
        out.append("|---:|---|---:|---:|---:|")
        for size in results["sizes"]:
            for build_, sizes in size["postgres"].get("compression", {}).items():
                cells = " | ".join(
                    f"{sizes[e]['bytes']:,}" + ("" if e == "identity"
                                               or sizes[e]["content_encoding"] == e
                                               else " (not compressed)")
                    for e in ("identity", "gzip", "br"))
                out.append(f"| {fmt_size(size['actors'])} | {build_} | {cells} |")
    if any("sqlite" in size for size in results["sizes"]):
        out.append("")
        out.append("### Reads on SQLite (the embedded default)")
        out.append("")
        out.append("| actors | scenario | c | req/s | p50 | p99 | max | errors |")
        out.append("|---:|---|---:|---:|---:|---:|---:|---:|")
        for size in results["sizes"]:
            for row in size.get("sqlite", {}).get("runs", []):
                s = row["service"]
                out.append(f"| {fmt_size(size['actors'])} | {row['scenario']} | "
                           f"{row['concurrency']} | {s['rps']:,.0f} | {s['p50_ms']:.2f} | "
                           f"{s['p99_ms']:.2f} | {s['max_ms']:.1f} | {s['errors']} |")
    if results["scale"]:
        out.append("")
        out.append("### Scale: service p50 (ms) on PostgreSQL by catalogue size")
        out.append("")
        names = " | ".join(fmt_size(size["actors"]) for size in results["sizes"])
        out.append(f"| scenario | c | {names} | largest / smallest |")
        out.append("|---|---:|" + "---:|" * len(results["sizes"]) + "---:|")
        for row in results["scale"]:
            cells = " | ".join("-" if v is None else f"{v:.2f}" for v in row["p50_ms"])
            out.append(f"| {row['scenario']} | {row['concurrency']} | {cells} | "
                       f"{row['ratio']:.2f} |")
    out.append("")
    out.append("### Memory and load")
    out.append("")
    out.append("| actors | PostgreSQL load (s) | RSS idle (MiB) | RSS peak (MiB) | "
               "SQLite load (s) | SQLite RSS idle | SQLite RSS peak |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|")
    for size in results["sizes"]:
        pg, lite = size["postgres"], size.get("sqlite")
        lite_cells = (f"{lite['load_seconds']} | {lite['rss_idle_mib']} | {lite['rss_peak_mib']}"
                      if lite else "- | - | -")
        out.append(f"| {fmt_size(size['actors'])} | {pg['load_seconds']} | {pg['rss_idle_mib']} | "
                   f"{pg['rss_peak_mib']} | {lite_cells} |")
    out.append("")
    out.append("### Targets")
    out.append("")
    out.append("| target | value | met |")
    out.append("|---|---:|:-:|")
    for check in results["targets"]:
        out.append(f"| {check['target']} | {check['value']} | {'yes' if check['met'] else 'NO'} |")
    return "\n".join(out) + "\n"


def conditional_rows(results):
    """The table of conditional GET and compression: each against its plain counterpart."""
    rows = []
    pairs = [("movie_get_304", "movie_get", "not_modified"),
             ("list_first_gzip", "list_100", "encoded")]
    for size in results["sizes"]:
        runs = size["postgres"]["runs"]
        for concurrency in results["plan"]["concurrency"]:
            for name, base, count in pairs:
                row, other = find(runs, name, concurrency), find(runs, base, concurrency)
                if not row or not other:
                    continue
                for side in ("service", "old"):
                    if side not in row:
                        continue
                    s, b = row[side], other[side]
                    label = name if side == "service" else f"{name} (old)"
                    rows.append(
                        f"| {fmt_size(size['actors'])} | {concurrency} | {label} | "
                        f"{s['rps']:,.0f} | {base} {b['rps']:,.0f} | "
                        f"{ratio(s['rps'], b['rps']):.2f} | "
                        f"{ratio(s[count], s['requests']):.0%} | "
                        f"{s['bytes_per_response']:,.0f} (against {b['bytes_per_response']:,.0f}) | "
                        f"{s['cpu'].get('server_us', 0):.0f} | {b['cpu'].get('server_us', 0):.0f} |")
    return rows


def plot(results):
    """p50 and p99 against catalogue size, one panel per read scenario, at c=1 and c=16."""
    data = TMP / "plot.dat"
    concurrencies = [c for c in (1, 16) if c in results["plan"]["concurrency"]]
    names = read_names(results)
    lines = []
    for name in names:
        lines.append(f"# {name}")
        for size in results["sizes"]:
            cells = [str(size["actors"])]
            for concurrency in concurrencies:
                row = find(size["postgres"]["runs"], name, concurrency)
                cells += [str(row["service"]["p50_ms"]), str(row["service"]["p99_ms"])]
            lines.append(" ".join(cells))
        lines += ["", ""]
    data.write_text("\n".join(lines))
    panels = []
    for index, name in enumerate(names):
        curves = []
        for position, concurrency in enumerate(concurrencies):
            column = 2 + 2 * position
            curves.append(f"'{data}' index {index} using 1:{column} with linespoints lw 2 "
                          f"title 'p50, c={concurrency}'")
            curves.append(f"'{data}' index {index} using 1:{column + 1} with linespoints lw 2 "
                          f"dt 2 title 'p99, c={concurrency}'")
        panels.append(f"set title '{name}'\nplot " + ", ".join(curves))
    columns = (len(names) + 1) // 2
    script = "\n".join([
        f"set terminal pngcairo noenhanced size {500 * columns},900 font 'sans,10'",
        f"set output '{PLOT}'",
        f"set multiplot layout 2,{columns} title 'movie-manager on PostgreSQL: service latency "
        "against catalogue size (actors)'",
        "set logscale x", "set logscale y", "set grid",
        "set xlabel 'actors'", "set ylabel 'latency (ms)'",
        "set xtics ('1k' 1000, '10k' 10000, '100k' 100000, '1M' 1000000)",
        "set xrange [700:1500000]", "set key outside bottom center horizontal",
        *panels, "unset multiplot"])
    PLOT.parent.mkdir(exist_ok=True)
    run(["gnuplot"], input=script, text=True)


def update_note(table):
    """Replaces the results section of BENCHMARKS.md (between its markers) with the table."""
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    if not NOTE.exists():
        return
    text = NOTE.read_text()
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        NOTE.write_text(f"{head}{begin}\n{table}{end}{tail}")
