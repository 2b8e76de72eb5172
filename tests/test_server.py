"""The production server (midas.server): the master pays the warm-up before it forks, and
the workers are not recycled by a request count."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from midas import server

REPO = Path(__file__).resolve().parent.parent

MIGRATE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
"""
# a master as `midas serve` starts one, on a migrated database
PROBE = """
import json, sys
import django
django.setup()
from django.db import connections
from midas import server
app_options = server.server_options("127.0.0.1", 0, 1, warm=WARM)
app = server.MidasServer(app_options).load()
if WARM:
    # what a freshly forked worker runs before its first connection: it renders the pages
    # (paying its copy-on-write faults) and leaves no connection open behind it
    app_options["post_worker_init"](None)
from django.template import engines
from django.urls import get_resolver
from midas.core.remembered import Remembered
from midas.ops.csp import template_hashes
loader = engines["django"].engine.template_loaders[0]
print(json.dumps({
    "drivers": sorted(m for m in ("stripe", "psycopg", "redis") if m in sys.modules),
    "ninja_api": "midas.api.routes" in sys.modules,
    "resolver": bool(get_resolver()._populated),
    "templates": sorted(k for k in getattr(loader, "get_template_cache", {}) if "web/" in k),
    "connection_open": any(c.connection is not None for c in connections.all()),
    "callable": callable(app),
    "remembered": sorted(r.name for r in Remembered.everything if r.peek() is not None),
    "csp_hashes": template_hashes.cache_info().currsize,
    "session_modules": "django.contrib.messages.storage.fallback" in sys.modules,
    "worker_hook": getattr(app_options.get("post_worker_init"), "__name__", None),
}))
"""


def load_in_a_master(tmp_path: Path, warm: bool, **more_env: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "midas.settings",
        "PYTHONPATH": str(REPO / "src"),
        "MIDAS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MIDAS_ENV": "development",
    }
    env.pop("ACCESS_LOG", None)
    env.pop("REDIS_URL", None)
    env.update(more_env)
    outs = [
        subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=240,
            check=True,
        )
        for code in (MIGRATE, PROBE.replace("WARM", str(warm)))
    ]
    return json.loads(outs[-1].stdout.strip().splitlines()[-1])


def test_the_master_loads_urls_api_and_templates_before_it_forks(tmp_path):
    state = load_in_a_master(tmp_path, warm=True)
    assert state["ninja_api"] and state["resolver"]
    assert {"web/base.html", "web/home.html", "web/collection.html", "web/asset.html"} <= set(
        state["templates"]
    )
    assert not state["connection_open"]  # no connection is shared across fork
    assert state["callable"]
    # what every request reads before its view: read once here, not by each worker
    assert {"maintenance state", "flags"} <= set(state["remembered"]), state
    assert state["csp_hashes"] == 1
    assert state["session_modules"]
    assert state["worker_hook"] == "warm_worker"
    # SQLite, no Redis, the sandbox: none of the other drivers is loaded into the processes
    # (psycopg, redis-py and Stripe's SDK with requests are ~30 MB of every worker's RSS)
    assert state["drivers"] == []


def test_the_master_loads_the_stripe_sdk_when_stripe_takes_the_payments(tmp_path):
    state = load_in_a_master(tmp_path, warm=True, STRIPE_SECRET_KEY="sk_test_" + "0" * 24)
    assert state["drivers"] == ["stripe"]


def test_without_the_warm_up_the_master_stays_cold(tmp_path):
    state = load_in_a_master(tmp_path, warm=False)
    assert not state["resolver"]
    assert not state["templates"]
    assert not state["remembered"]
    assert not state["connection_open"]
    assert state["worker_hook"] is None


def test_workers_are_not_recycled_by_count_but_by_memory(settings, monkeypatch):
    options = server.server_options("127.0.0.1", 8000, 2)
    assert options["max_requests"] == 0
    assert options["preload_app"] is True
    assert options["post_request"] is server.memory_guard

    class Worker:
        pid, alive = 1, True

        class log:
            @staticmethod
            def warning(*args: object) -> None:
                pass

    settings.WORKER_MAX_RSS_MB = 100
    monkeypatch.setattr(server, "rss_mb", lambda pid="self": 99.0)
    worker = Worker()
    for _ in range(server.MEMORY_CHECK_EVERY * 2):
        server.memory_guard(worker, None, {}, None)
    assert worker.alive
    monkeypatch.setattr(server, "rss_mb", lambda pid="self": 101.0)
    for _ in range(server.MEMORY_CHECK_EVERY - 1):
        server.memory_guard(worker, None, {}, None)
    assert worker.alive  # checked only every MEMORY_CHECK_EVERY requests
    server.memory_guard(worker, None, {}, None)
    assert not worker.alive
    assert server.rss_mb() > 0


@pytest.mark.django_db(transaction=True)
def test_a_fresh_worker_starts_its_request_threads_with_their_connections_open():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def in_every_thread(pool: ThreadPoolExecutor, task) -> list:
        barrier = threading.Barrier(4)

        def run():
            barrier.wait(timeout=10)
            return threading.get_ident(), task()

        return [f.result(timeout=15) for f in [pool.submit(run) for _ in range(4)]]

    with ThreadPoolExecutor(max_workers=4) as pool:
        server.connect_request_threads(pool, 4)
        assert len(pool._threads) == 4  # every request thread started, not only the first
        opened = in_every_thread(pool, lambda: connections["default"].connection is not None)
        assert len({ident for ident, _ in opened}) == 4
        assert all(is_open for _, is_open in opened)
        in_every_thread(pool, connections.close_all)


# a WSGI app that holds its request thread for the seconds asked and answers its pid
SLOW_APP = """
import os, time

def app(environ, start_response):
    time.sleep(float(environ.get("QUERY_STRING") or 0))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]
"""


def test_connections_arriving_together_spread_over_the_workers(tmp_path):
    """Four connections opened at once on 2 workers x 1 thread: each worker takes two (twice
    its threads, one served and one queued) and leaves the rest to the other (the stock
    gthread worker takes whatever the socket offers, and often all of them)."""
    from tests.redis_server import free_port

    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "slow_app:app", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "midas.server.BalancedThreadWorker"]
    command += ["--workers", "2", "--threads", "1", "--log-level", "info"]
    gunicorn = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        booted = 0
        assert gunicorn.stderr is not None
        for line in gunicorn.stderr:  # both workers up before the connections arrive
            booted += "Booting worker" in line
            if booted == 2:
                break
        answers: list[str] = []

        def ask() -> None:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                conn.sendall(b"GET /?1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                reply = b""
                while chunk := conn.recv(4096):
                    reply += chunk
            answers.append(reply.decode().rsplit("\r\n\r\n", 1)[1])

        asking = [threading.Thread(target=ask) for _ in range(4)]
        for thread in asking:
            thread.start()
        for thread in asking:
            thread.join(timeout=30)
        assert sorted(Counter(answers).values()) == [2, 2], answers
    finally:
        gunicorn.terminate()
        gunicorn.communicate(timeout=30)
