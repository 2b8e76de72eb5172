"""Fresh gunicorn workers and compressed pages, on the production server configuration.

    .venv/bin/python benchmarks/worker_bench.py            # 6 fresh workers per variant
    .venv/bin/python benchmarks/worker_bench.py --rounds 3

What it does:

1. a scratch directory with its own SQLite database (``MIDAS_VAR_DIR``), migrated, the demo
   collection loaded, static files collected, ``MIDAS_ENV=production``; removed at the end;
2. for each variant, with and without the warm-up (``server_options(warm=...)``), starts
   ``midas.server.MidasServer`` with one worker, and ``--rounds`` times kills the worker
   (SIGKILL: the master forks a new one from the same parent), waits until the new one is
   up and times its first request (a page it has never rendered: a page-cache miss), then a
   second miss on the same worker (another query string) for comparison;
3. with two workers, sends 300 requests over the hot pages and prints RSS and PSS
   (``/proc/<pid>/smaps_rollup``) of the master and each worker;
4. prints the bytes of home, a listing, an asset page and the API list as identity, gzip and
   Brotli, and what compressing each costs (the page cache compresses once per stored page).

Every figure comes with the machine's load average (2 cores, shared with the load).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def prepare(targets_file: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from midas.catalog.models import Asset
    from midas.demo import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    call_command("collectstatic", interactive=False, verbosity=0)
    asset = Asset.objects.active().select_related("category").order_by("name").first()
    if asset is None:
        raise SystemExit("the demo collection has no active asset")
    pages = {
        "home": "/",
        "listing": f"/collection/{asset.category.slug}/",
        "asset": asset.get_absolute_url(),
        "API list": "/api/v1/assets?limit=50",
    }
    targets_file.write_text(json.dumps(pages))


def serve(port: int, workers: int, warm: bool) -> None:
    from midas.server import MidasServer, server_options

    MidasServer(server_options(HOST, port, workers=workers, warm=warm)).run()


def child_env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "DJANGO_SETTINGS_MODULE": "midas.settings",
            "MIDAS_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ALLOW_SQLITE": "true",
            "DEBUG": "false",
            "MIDAS_VAR_DIR": str(scratch),
            "DATABASE_URL": f"sqlite:///{scratch / 'midas.sqlite3'}",
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("ACCESS_LOG", "REDIS_URL", "WEB_CONCURRENCY"):
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, accept: str = "") -> tuple[int, bytes, float]:
    """(status, body, milliseconds) of one GET on a new connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Accept-Encoding": accept} if accept else {}
    began = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - began) * 1000
    conn.close()
    return response.status, body, elapsed


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def memory(pid: int) -> tuple[float, float, float]:
    """(RSS, PSS, USS) in MB: resident; resident with each shared page divided among the
    processes sharing it; private to this process (what it costs on its own)."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
            values[name] = int(rest.split()[0]) / 1024
    private = values.get("Private_Clean", 0.0) + values.get("Private_Dirty", 0.0)
    return values.get("Rss", 0.0), values.get("Pss", 0.0), private


def load() -> float:
    return os.getloadavg()[0]


def start(port: int, workers: int, warm: bool, env: dict, scratch: Path) -> subprocess.Popen:
    command = [sys.executable, __file__, "_serve", str(port), str(workers), str(int(warm))]
    log = (scratch / "server.log").open("ab")
    server = subprocess.Popen(
        command, env=env, cwd=scratch, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError((scratch / "server.log").read_text()[-3000:])
        if len(children(server.pid)) >= workers:
            with socket.socket() as sock:
                if sock.connect_ex((HOST, port)) == 0:
                    return server
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def fresh_worker(server: subprocess.Popen) -> int:
    """Kill the only worker; the new pid, once the master has forked it and it has booted."""
    (old,) = children(server.pid)
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = children(server.pid)
        if now and now[0] != old:
            until_idle(now[0])  # its boot (not measured): the request then meets a ready worker
            return now[0]
        time.sleep(0.02)
    raise RuntimeError("no new worker")


def until_idle(pid: int, quiet: float = 0.3, timeout: float = 30) -> None:
    """Wait until the process has used no CPU for ``quiet`` seconds: a booting worker
    (its warm-up renders the public pages) is busy until it waits for connections. A fixed
    pause was too short on a slow or loaded machine, and the first request then waited for
    the end of the boot."""
    deadline = time.monotonic() + timeout
    last, since = cpu_ticks(pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = cpu_ticks(pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    raise RuntimeError(f"worker {pid} still busy after {timeout} s")


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` so far, in clock ticks (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def first_requests(pages: dict, rounds: int, warm: bool, env: dict, scratch: Path) -> dict:
    port = free_port()
    server = start(port, 1, warm, env, scratch)
    firsts: list[float] = []
    seconds: list[float] = []
    try:
        names = list(pages)
        for n in range(rounds):
            fresh_worker(server)
            path = pages[names[n % len(names)]]
            sep = "&" if "?" in path else "?"
            status, _, first = get(port, f"{path}{sep}first={n}", "gzip, br")
            status2, _, second = get(port, f"{path}{sep}second={n}", "gzip, br")
            if status != 200 or status2 != 200:
                raise RuntimeError(f"{path}: {status}/{status2}")
            firsts.append(first)
            seconds.append(second)
    finally:
        stop(server)
    return {"first": firsts, "second": seconds, "load": load()}


def worker_memory(pages: dict, warm: bool, env: dict, scratch: Path) -> dict:
    port = free_port()
    server = start(port, 2, warm, env, scratch)
    try:
        for n in range(300):
            path = list(pages.values())[n % len(pages)]
            get(port, path, "gzip, br" if n % 2 else "")
        master = memory(server.pid)
        workers = [memory(pid) for pid in children(server.pid)]
    finally:
        stop(server)
    return {"master": master, "workers": workers, "load": load()}


def sizes(pages: dict, env: dict, scratch: Path) -> list[tuple]:
    import brotli

    from midas.core.compression import BROTLI_QUALITY, GZIP_LEVEL

    port = free_port()
    server = start(port, 1, True, env, scratch)
    rows = []
    try:
        for name, path in pages.items():
            _, identity, _ = get(port, path)
            _, gz, _ = get(port, path, "gzip")
            _, br, _ = get(port, path, "br")
            assert gzip.decompress(gz) == identity or name == "API list"
            began = time.perf_counter()
            for _ in range(50):
                gzip.compress(identity, compresslevel=GZIP_LEVEL, mtime=0)
            gzip_ms = (time.perf_counter() - began) * 1000 / 50
            began = time.perf_counter()
            for _ in range(50):
                brotli.compress(identity, quality=BROTLI_QUALITY)
            br_ms = (time.perf_counter() - began) * 1000 / 50
            rows.append((name, len(identity), len(gz), len(br), gzip_ms, br_ms))
    finally:
        stop(server)
    return rows


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def bench(args: argparse.Namespace) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="midas-worker-bench-"))
    try:
        env = child_env(scratch)
        targets = scratch / "pages.json"
        subprocess.run(
            [sys.executable, __file__, "_prepare", str(targets)],
            env=env,
            cwd=scratch,
            check=True,
            timeout=600,
        )
        pages = json.loads(targets.read_text())
        print(f"load average at start: {load():.2f} (2 cores); pages: {pages}")
        print("\nFirst request of a freshly forked worker (a page-cache miss), ms:")
        print(
            f"{'variant':<12} {'first p50':>10} {'first max':>10} {'2nd miss p50':>13} {'load':>5}"
        )
        for warm in (False, True):
            result = first_requests(pages, args.rounds, warm, env, scratch)
            print(
                f"{'warm-up' if warm else 'no warm-up':<12} {median(result['first']):>10.1f} "
                f"{max(result['first']):>10.1f} {median(result['second']):>13.1f} "
                f"{result['load']:>5.2f}"
            )
        print("\nMemory after 300 requests, 2 workers, MB (RSS / PSS / USS):")
        for warm in (False, True):
            result = worker_memory(pages, warm, env, scratch)
            workers = "  ".join("/".join(f"{v:.0f}" for v in w) for w in result["workers"])
            master = "/".join(f"{v:.0f}" for v in result["master"])
            print(
                f"{'warm-up' if warm else 'no warm-up':<12} master {master}  "
                f"workers {workers}  (load {result['load']:.2f})"
            )
        print("\nBytes per page and the cost of compressing it once:")
        print(f"{'page':<10} {'identity':>9} {'gzip':>7} {'br':>7} {'gzip ms':>8} {'br ms':>7}")
        for name, identity, gz, br, gzip_ms, br_ms in sizes(pages, env, scratch):
            print(f"{name:<10} {identity:>9} {gz:>7} {br:>7} {gzip_ms:>8.2f} {br_ms:>7.2f}")
        print(f"\nload average at the end: {load():.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "_prepare":
        prepare(Path(argv[1]))
        return 0
    if argv and argv[0] == "_serve":
        serve(int(argv[1]), int(argv[2]), argv[3] == "1")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="fresh workers per variant")
    return bench(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
