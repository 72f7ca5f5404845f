"""Photos (--photos), through the service on SQLite: the upload of a 24-megapixel JPEG that
turns (EXIF Orientation 6), timed one request at a time with the service pinned to one core; the
peak resident memory while 4 such uploads run at once; one thumbnail at concurrency 16 from the
service against nginx serving the same file from the same folder; and that thumbnail from an S3
bucket (moto's server), for information. Pillow, which makes the photo, and moto_server live in
a virtualenv under bench/results/tmp (bench/requirements-photos.txt), never in the harness's own
Python: the harness uses the standard library only."""

import hashlib
import http.client
import json
import os
import shutil
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import BENCH, RESULTS, ROOT, TMP, log, output, ratio, run
from .load import wrk
from .machine import QUIET_BUSY, QUIET_PATIENCE, machine, wait_quiet
from .servers import Server, free_port, service_env, token

VENV = TMP / "venv"
REQUIREMENTS = [BENCH / "requirements-photos.txt", ROOT / "tests" / "s3" / "requirements.txt"]
# The photo store of the services on a folder, emptied at the start of a run; nginx's root.
FOLDER = TMP / "photos-bench"

WIDTH, HEIGHT, QUALITY, ORIENTATION = 6000, 4000, 90, 6
UPLOADS = 5
TARGET_UPLOAD_S = 1.5
AT_ONCE, ROUNDS = 4, 3
TARGET_PEAK_MIB = 300
# The service refuses an actor's 16th photo.
PHOTOS_PER_ACTOR = 15
CONCURRENCY = 16
SECONDS = 10
WARM_UP_SECONDS = 2
# Alternating legs of each side (service, nginx, service, nginx): the best of each counts, the
# leg that other work on this shared machine disturbed least.
LEGS = 2
TARGET_NGINX_RATIO = 0.5
BUCKET = "bench"

# Run by the virtualenv's Python with the path, width, height, quality and orientation: a
# photograph-like image, a colour gradient under a grain of noise in each channel (a flat colour
# would compress to almost nothing and decode faster than any photograph: at quality 90 this
# makes about 9 MiB, as a camera's 24 megapixels do), stored sideways with the EXIF Orientation
# that turns it upright.
MAKE_PHOTO = """
import sys
from PIL import Image, ImageChops
path, width, height, quality, orientation = sys.argv[1], *map(int, sys.argv[2:])
size = (width, height)
across = Image.linear_gradient("L").rotate(90).resize(size)
down = Image.linear_gradient("L").resize(size)
channels = [Image.blend(gradient, Image.effect_noise(size, 40), 0.35)
            for gradient in (across, down, ImageChops.invert(across))]
exif = Image.Exif()
exif[0x0112] = orientation
Image.merge("RGB", channels).save(path, "JPEG", quality=quality, exif=exif.tobytes())
"""

# nginx as Debian ships it where it matters here (a worker per core, an access log, sendfile), run
# as a plain process of ours: in the foreground (its master stops its workers on SIGTERM), every
# file it writes under bench/results/tmp/nginx, the photo folder served from disk under the
# service's own paths, so that wrk asks both the same. The service logs every request too.
NGINX_CONF = """daemon off;
worker_processes auto;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {home}/access.log;
    sendfile on;
    tcp_nopush on;
    # The service keeps a connection for as many requests as it is sent; so does nginx here.
    keepalive_requests 1000000;
    client_body_temp_path {home}/temp/client_body;
    proxy_temp_path {home}/temp/proxy;
    fastcgi_temp_path {home}/temp/fastcgi;
    uwsgi_temp_path {home}/temp/uwsgi;
    scgi_temp_path {home}/temp/scgi;
    types {{ image/jpeg jpg; image/png png; image/webp webp; }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        location = /healthz {{ return 200 "ok\\n"; }}
        location /photos/ {{ alias {folder}/; }}
    }}
}}
"""


def relative(path):
    return str(path.relative_to(ROOT))


# ---------------------------------------------------------------------------------------------
# What the run needs: the virtualenv, the photo, the servers
# ---------------------------------------------------------------------------------------------


def ensure_venv():
    """Pillow and moto_server in bench/results/tmp/venv, installed anew (as scripts/test does its
    own) when it is missing or a requirements file changed since."""
    marker = VENV / "installed"
    if marker.exists() and all(path.stat().st_mtime <= marker.stat().st_mtime
                               for path in REQUIREMENTS):
        return
    log(f"installing Pillow and moto_server into {relative(VENV)}")
    run(["python3", "-m", "venv", "--clear", str(VENV)])
    run([str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
         "-r", str(REQUIREMENTS[0])])
    marker.touch()


def make_photo():
    """The JPEG, made once per version of MAKE_PHOTO and kept: every run uploads the same bytes."""
    parameters = [WIDTH, HEIGHT, QUALITY, ORIENTATION]
    digest = hashlib.sha256((MAKE_PHOTO + repr(parameters)).encode()).hexdigest()[:12]
    path = TMP / f"photo-{digest}.jpg"
    if not path.exists():
        log(f"making a {WIDTH}x{HEIGHT} JPEG (quality {QUALITY}, EXIF Orientation {ORIENTATION})")
        partial = path.with_suffix(".partial.jpg")
        run([str(VENV / "bin" / "python"), "-c", MAKE_PHOTO, str(partial),
             *map(str, parameters)])
        partial.rename(path)
    return path


def start(build, name, pinned=False, extra_env=None):
    """The service on a fresh SQLite database of its own (it migrates it as it starts), its photo
    store FOLDER unless `extra_env` says otherwise, pinned to the first core if `pinned`, with a
    casting director's token (the role that adds photos)."""
    database = TMP / f"photos-{name}.db"
    for suffix in ["", "-wal", "-shm"]:
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    port = free_port()
    env = service_env(build, f"sqlite://{database}", port, {"PHOTO_STORE": str(FOLDER)})
    # The photo store's variables are the benchmark's alone, never inherited from the shell.
    for key in [key for key in env if key.startswith("AWS_")]:
        del env[key]
    env.update(extra_env or {})
    command = [str(build.binary), "serve"]
    if pinned:
        command = ["taskset", "-c", "0", *command]
    server = Server(command, env, port, f"photos-{name}", "-")
    server.wait_ready("/healthz")
    server.bearer = token(build, env, role="casting-director")
    server.command = command
    return server


def start_nginx():
    home = TMP / "nginx"
    (home / "temp").mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = home / "nginx.conf"
    conf.write_text(NGINX_CONF.format(home=home, port=port, folder=FOLDER))
    # -e: the error log of the start itself, before the configuration is read, is ours too.
    command = ["nginx", "-p", f"{home}/", "-e", str(home / "error.log"), "-c", str(conf)]
    server = Server(command, dict(os.environ), port, "nginx", "-")
    server.command = command
    return server.wait_ready("/healthz")


def start_moto():
    port = free_port()
    command = [str(VENV / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    server = Server(command, dict(os.environ), port, "moto", "-")
    server.command = command
    server.wait_ready("/")
    # moto takes an unsigned request as an anonymous one, and lets it create a bucket.
    request = urllib.request.Request(f"{server.base}/{BUCKET}", method="PUT")
    with urllib.request.urlopen(request, timeout=30):
        pass
    return server


def versions():
    """Of the tools the service is compared with or fed by."""
    nginx = run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    python = output([str(VENV / "bin" / "python"), "-c",
                     "import PIL, moto; print(PIL.__version__, moto.__version__)"]).split()
    return {"nginx": nginx.split("/")[-1], "pillow": python[0], "moto": python[1]}


# ---------------------------------------------------------------------------------------------
# Requests of our own (the load is wrk's)
# ---------------------------------------------------------------------------------------------


def connect(server):
    # Uploads at once wait their turn for the service's pixel budget (a 24-megapixel photo takes
    # all of it): seconds each, far more on a machine busy with other work.
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)


def call(connection, server, method, path, body=None, content_type="application/json"):
    headers = {"Authorization": f"Bearer {server.bearer}"}
    if body is not None:
        headers["Content-Type"] = content_type
    connection.request(method, path, body, headers)
    response = connection.getresponse()
    return response.status, response.read()


def new_actor(connection, server):
    body = json.dumps({"name": "Photo Bench", "age": 30, "gender": "female"})
    status, answer = call(connection, server, "POST", "/actors", body)
    if status != 200:
        sys.exit(f"POST /actors: {status} {answer[:300]!r}")
    return json.loads(answer)["created"]


def upload(connection, server, actor, photo):
    """One upload, timed from the first byte sent to the last received: the seconds and the
    photo, or the seconds and the failed answer's status."""
    started = time.perf_counter()
    status, answer = call(connection, server, "POST", f"/actors/{actor}/photos", photo,
                          "image/jpeg")
    seconds = time.perf_counter() - started
    if status != 200:
        return seconds, status
    created = json.loads(answer)["photo"]
    # The photo turned upright: its EXIF Orientation was read.
    if (created["width"], created["height"]) != (HEIGHT, WIDTH):
        sys.exit(f"the upload is {created['width']}x{created['height']}, not {HEIGHT}x{WIDTH}: "
                 f"its EXIF Orientation {ORIENTATION} was not applied")
    return seconds, created


def check_same_file(sides, path):
    """Each side answers `path` with 200 and the same bytes; their size."""
    bodies = {}
    for label, server in sides:
        request = urllib.request.Request(server.base + path,
                                         headers={"Authorization": f"Bearer {server.bearer}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                bodies[label] = response.read()
        except urllib.error.HTTPError as error:
            sys.exit(f"{label}: GET {path}: {error.code} {error.read()[:300]!r}")
    if len(set(bodies.values())) != 1:
        sys.exit(f"GET {path}: the bodies differ: "
                 + ", ".join(f"{label} {len(body)} bytes" for label, body in bodies.items()))
    return len(next(iter(bodies.values())))


# ---------------------------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------------------------


def processing(build, photo):
    """UPLOADS uploads one after the other on one connection, the service pinned to one core:
    the figures and the service's command."""
    server = start(build, "upload", pinned=True)
    try:
        connection = connect(server)
        busy = wait_quiet()
        timings = []
        for number in range(UPLOADS):
            if number % PHOTOS_PER_ACTOR == 0:
                actor = new_actor(connection, server)
            seconds, created = upload(connection, server, actor, photo)
            if not isinstance(created, dict):
                sys.exit(f"upload {number + 1}: {created} ({server.errors.read_text()[-500:]})")
            timings.append(round(seconds, 3))
            log(f"    upload {number + 1}: {seconds:.2f} s")
        connection.close()
        figures = {"seconds": timings, "p50_s": round(statistics.median(timings), 3),
                   "max_s": max(timings), "busy_before": busy,
                   "photo": {key: created[key] for key in ("width", "height", "bytes", "type")}}
        return figures, server.command
    finally:
        server.stop()


def uploads_at_once(server, photo, actors):
    """One round: an upload to each actor, all at once, each on its own connection."""
    # What a thread that fails without an answer (or exits) leaves: a failure, told as such.
    outcomes = [(0.0, "no answer")] * len(actors)

    def upload_one(index):
        connection = connect(server)
        try:
            outcomes[index] = upload(connection, server, actors[index], photo)
        except (OSError, http.client.HTTPException) as error:
            outcomes[index] = (0.0, f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=upload_one, args=(index,)) for index in range(len(actors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def memory(server, photo):
    """Resident memory idle, then the peak (VmHWM) over ROUNDS rounds of AT_ONCE uploads at
    once, each to an actor of its own. Returns the figures and one photo's thumbnail path."""
    time.sleep(1)
    idle = round(server.memory_mib("VmRSS"), 1)
    connection = connect(server)
    actors = [new_actor(connection, server) for _ in range(AT_ONCE)]
    connection.close()
    assert ROUNDS <= PHOTOS_PER_ACTOR
    busy = wait_quiet()
    timings, failures, thumb = [], [], None
    for round_ in range(ROUNDS):
        for seconds, created in uploads_at_once(server, photo, actors):
            if isinstance(created, dict):
                timings.append(round(seconds, 3))
                thumb = created["urls"]["thumb"]
            else:
                failures.append(created)
        log(f"    round {round_ + 1} of {AT_ONCE} at once: peak RSS so far "
            f"{server.memory_mib('VmHWM'):.0f} MiB")
    if thumb is None:
        sys.exit(f"no upload succeeded: {failures} ({server.errors.read_text()[-500:]})")
    figures = {"rss_idle_mib": idle, "rss_peak_mib": round(server.memory_mib("VmHWM"), 1),
               "rss_after_mib": round(server.memory_mib("VmRSS"), 1),
               "uploads": len(timings), "failed": failures,
               "p50_s": round(statistics.median(timings), 3), "max_s": max(timings),
               "busy_before": busy}
    return figures, thumb


def thumbnails(sides, path):
    """GET `path` at CONCURRENCY from each side: after a warm-up of each, LEGS legs in turn; the
    best leg of each side (by requests/s), with every leg's requests/s."""
    for _, server in sides:
        wrk(server, CONCURRENCY, WARM_UP_SECONDS, ["get", path])
    busy = wait_quiet()
    runs = {label: [] for label, _ in sides}
    for _ in range(LEGS):
        for label, server in sides:
            result = wrk(server, CONCURRENCY, SECONDS, ["get", path])
            if result["errors"]:
                sys.exit(f"{label}: GET {path}: {result['errors']} errors in {result['requests']}")
            runs[label].append(result)
            log(f"    {label}: {result['rps']:,.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
                f"p99 {result['p99_ms']:.2f} ms")
    figures = {}
    for label, results in runs.items():
        best = max(results, key=lambda result: result["rps"])
        figures[label] = {"rps": best["rps"], "p50_ms": round(best["p50_ms"], 3),
                          "p99_ms": round(best["p99_ms"], 3), "max_ms": round(best["max_ms"], 3),
                          # nginx's workers are its master's children, not counted there.
                          "server_cpu_us": (None if label == "nginx"
                                            else best["cpu"].get("server_us")),
                          "legs_rps": [result["rps"] for result in results],
                          "busy_before": busy}
    return figures


def on_folder(build, photo):
    """The peak memory on a fresh service, then the thumbnail of one of its uploads from it and
    from nginx."""
    server = start(build, "memory")
    nginx = None
    try:
        log(f"peak memory: {ROUNDS} rounds of {AT_ONCE} uploads at once")
        figures, thumb = memory(server, photo)
        nginx = start_nginx()
        sides = [("service", server), ("nginx", nginx)]
        size = check_same_file(sides, thumb)
        log(f"thumbnail ({size:,} bytes) at c={CONCURRENCY}: the service and nginx")
        served = thumbnails(sides, thumb)
        served["ratio_service_over_nginx"] = ratio(served["service"]["rps"],
                                                   served["nginx"]["rps"])
        served["path"], served["bytes"] = thumb, size
        return figures, served, {"memory": server.command, "nginx": nginx.command}
    finally:
        if nginx:
            nginx.stop()
        server.stop()


def on_s3(build, photo):
    """The thumbnail at concurrency 16 from a service whose photo store is a bucket of moto's
    S3 server (Python, single process: for information, not a target)."""
    moto = start_moto()
    server = None
    try:
        env = {"PHOTO_STORE": f"s3://{BUCKET}/photos", "AWS_ACCESS_KEY_ID": "test",
               "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
               "AWS_ENDPOINT_URL": moto.base}
        server = start(build, "s3", extra_env=env)
        connection = connect(server)
        seconds, created = upload(connection, server, new_actor(connection, server), photo)
        connection.close()
        if not isinstance(created, dict):
            sys.exit(f"upload to S3: {created} ({server.errors.read_text()[-500:]})")
        thumb = created["urls"]["thumb"]
        size = check_same_file([("service on S3", server)], thumb)
        log(f"thumbnail ({size:,} bytes) at c={CONCURRENCY} from S3 (moto)")
        served = thumbnails([("service_s3", server)], thumb)["service_s3"]
        served |= {"path": thumb, "bytes": size, "upload_s": round(seconds, 3)}
        named = [f"{key}={value}" for key, value in env.items()]
        return served, {"moto": moto.command, "s3": [*named, *server.command]}
    finally:
        if server:
            server.stop()
        moto.stop()


# ---------------------------------------------------------------------------------------------
# The run and its report
# ---------------------------------------------------------------------------------------------


def photos(build):
    """Writes bench/results/photos.*"""
    started = time.monotonic()
    if shutil.which("nginx") is None:
        sys.exit("missing nginx: run bench/setup as root")
    ensure_venv()
    photo_path = make_photo()
    photo = photo_path.read_bytes()
    shutil.rmtree(FOLDER, ignore_errors=True)
    log(f"uploads of a {WIDTH}x{HEIGHT} JPEG ({len(photo) / 2**20:.1f} MiB), one at a time, "
        "the service on one core")
    sequential, upload_command = processing(build, photo)
    memory_figures, served, commands = on_folder(build, photo)
    s3, s3_commands = on_s3(build, photo)
    commands = {"upload": upload_command} | commands | s3_commands
    # What is left is large (every rendition of every upload) and of no further use.
    shutil.rmtree(FOLDER, ignore_errors=True)
    for database in TMP.glob("photos-*.db*"):
        database.unlink()
    results = {
        "command": "bench/run --photos", "commit": build.commit, "machine": machine(),
        "versions": versions(),
        "photo": {"width": WIDTH, "height": HEIGHT, "quality": QUALITY,
                  "orientation": ORIENTATION, "bytes": len(photo)},
        "upload": sequential, "memory": memory_figures, "thumbnail": served, "thumbnail_s3": s3,
        "concurrency": CONCURRENCY, "seconds": SECONDS, "legs": LEGS,
        "commands": {key: " ".join(map(shown, value)) for key, value in commands.items()},
    }
    results["targets"] = targets(results)
    results["seconds_total"] = round(time.monotonic() - started, 1)
    (RESULTS / "photos.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (RESULTS / "photos.md").write_text(table)
    print(table)
    log(f"done in {results['seconds_total']:.0f} s: {relative(RESULTS / 'photos.md')}")
    missed = [check["target"] for check in results["targets"] if not check["met"]]
    if missed:
        log(f"{len(missed)} target(s) missed")


def shown(word):
    """A word of a command as the report shows it: paths in the repository relative to it, any
    other path by its name alone, so that the results name none of this machine's folders."""
    word = word.replace(f"{ROOT}/", "")
    return Path(word).name if word.startswith("/") else word


def targets(results):
    upload, memory_figures = results["upload"], results["memory"]
    thumbnail = results["thumbnail"]
    return [
        {"target": f"upload of a {WIDTH * HEIGHT / 1e6:.0f}-megapixel JPEG on one core, p50 "
                   f"< {TARGET_UPLOAD_S} s", "value": upload["p50_s"],
         "met": upload["p50_s"] < TARGET_UPLOAD_S},
        {"target": f"peak RSS with {AT_ONCE} uploads at once < {TARGET_PEAK_MIB} MiB",
         "value": memory_figures["rss_peak_mib"],
         "met": memory_figures["rss_peak_mib"] < TARGET_PEAK_MIB and not memory_figures["failed"]},
        {"target": f"thumbnail at c={CONCURRENCY}: service / nginx >= {TARGET_NGINX_RATIO}",
         "value": thumbnail["ratio_service_over_nginx"],
         "met": thumbnail["ratio_service_over_nginx"] >= TARGET_NGINX_RATIO},
    ]


def markdown(results):
    m, v = results["machine"], results["versions"]
    upload, memory_figures = results["upload"], results["memory"]
    thumbnail, s3 = results["thumbnail"], results["thumbnail_s3"]
    met = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    checks = results["targets"]
    photo = results["photo"]
    out = [
        "# Photos", "",
        f"`{results['command']}` at {results['commit']}, the service on SQLite, "
        f"{results['seconds_total']:.0f} s. The photo: {photo['width']}x{photo['height']} "
        f"pixels, JPEG quality {photo['quality']}, {photo['bytes'] / 2**20:.1f} MiB, EXIF "
        f"Orientation {photo['orientation']} (stored sideways: the service turns it upright, "
        f"{upload['photo']['width']}x{upload['photo']['height']}).", "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}; "
        f"SQLite {m['sqlite']}, {m['rustc']}, {m['wrk']}, nginx {v['nginx']}, moto "
        f"{v['moto']}, Pillow {v['pillow']}. Load generator, servers and uploader share the "
        "same cores.", "",
        "| measure | value | target | |", "|---|---:|---|---|",
        f"| upload, one at a time, the service on one core: p50 of {len(upload['seconds'])} "
        f"(max) | {upload['p50_s']:.2f} s ({upload['max_s']:.2f} s) | < {TARGET_UPLOAD_S} s | "
        f"{met(checks[0]['met'])} |",
        f"| peak RSS (VmHWM), {ROUNDS} rounds of {AT_ONCE} uploads at once | "
        f"{memory_figures['rss_peak_mib']:.0f} MiB | < {TARGET_PEAK_MIB} MiB | "
        f"{met(checks[1]['met'])} |",
        f"| thumbnail at c={CONCURRENCY}: service / nginx, requests/s | "
        f"{thumbnail['ratio_service_over_nginx']:.2f} | ≥ {TARGET_NGINX_RATIO} | "
        f"{met(checks[2]['met'])} |", "",
        f"Uploads one at a time: {', '.join(f'{s:.2f}' for s in upload['seconds'])} s, each from "
        "the first byte sent to the last received (receiving, decoding, turning, the thumb, card "
        "and large renditions and the original encoded anew, stored, the row written). "
        f"{AT_ONCE} at once: RSS {memory_figures['rss_idle_mib']:.0f} MiB idle before, "
        f"{memory_figures['rss_after_mib']:.0f} MiB after; {memory_figures['uploads']} uploads, "
        f"p50 {memory_figures['p50_s']:.2f} s (max {memory_figures['max_s']:.2f} s) each, "
        f"{len(memory_figures['failed'])} refused"
        + (f" ({', '.join(map(str, memory_figures['failed']))})" if memory_figures['failed']
           else "") + ".", "",
        f"The thumbnail ({thumbnail['bytes']:,} bytes, the same bytes from each), GET with wrk "
        f"at concurrency {CONCURRENCY}, {LEGS} alternating legs of {SECONDS} s per side after a "
        f"warm-up; the best leg of each:", "",
        "| server | photo store | req/s | p50 ms | p99 ms | server CPU µs/request | legs req/s |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for label, store, row in [("service", "folder", thumbnail["service"]),
                              ("nginx (a worker per core)", "folder", thumbnail["nginx"]),
                              ("service", "S3 bucket, moto_server", s3)]:
        out.append(f"| {label} | {store} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | "
                   f"{row['p99_ms']:.2f} | {row['server_cpu_us'] or '—'} | "
                   f"{', '.join(f'{rps:,.0f}' for rps in row['legs_rps'])} |")
    out += [
        "", "The S3 row is for information: moto's server is a single Python process, and every "
        "request of the service fetches the file it does not keep from it (the service keeps "
        "thumbnails and cards it served, up to 64 MiB, for 60 s).", "",
        "Other work kept the machine busy before each part (a fraction of both cores, after "
        f"waiting up to {QUIET_PATIENCE} s for it to fall under {QUIET_BUSY:.0%}): uploads one "
        "at a time "
        f"{upload['busy_before']:.0%}, {AT_ONCE} at once {memory_figures['busy_before']:.0%}, "
        f"thumbnails {thumbnail['service']['busy_before']:.0%}, from S3 "
        f"{s3['busy_before']:.0%}.", "",
        "Commands (each service with `DATABASE_URL=sqlite://bench/results/tmp/photos-NAME.db`, "
        "`PHOTO_STORE=bench/results/tmp/photos-bench` unless said otherwise, and a casting "
        "director's token from `movie-manager token`):", "",
    ]
    for key, command in results["commands"].items():
        out.append(f"- {key}: `{command}`")
    out.append(f"- the load: `wrk -t1 -c{CONCURRENCY} -d{SECONDS}s --timeout 10s -s "
               "bench/lua/scenario.lua URL -- get THUMB_PATH` (the bearer token in BENCH_TOKEN)")
    return "\n".join(out) + "\n"
