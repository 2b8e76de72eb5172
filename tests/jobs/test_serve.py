"""`midas serve` runs the worker beside gunicorn and stops it on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

# Runs on its own SQLite file under tmp_path whatever DATABASE_URL says (it is removed).


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def heartbeats(db_path) -> list[tuple]:
    try:
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT pid, stopped_at FROM jobs_workerheartbeat").fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return []


def test_serve_starts_the_worker_and_ctrl_c_stops_both(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "EMAIL_URL"}}
    env.update({"MIDAS_VAR_DIR": str(tmp_path), "WEB_CONCURRENCY": "1"})
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "midas", "serve", "--port", str(port), "--no-demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    db_path = tmp_path / "midas.sqlite3"
    try:
        deadline = time.monotonic() + 90
        while not heartbeats(db_path):
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "no worker heartbeat"
            time.sleep(0.2)
        # the web server listens once its master has warmed up (server.warm_up), which may
        # be after the worker's first heartbeat: wait for it, as for the heartbeat
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                    assert response.status == 200
                break
            except urllib.error.URLError:
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline, "the web server never listened"
                time.sleep(0.2)
        [(worker_pid, stopped_at)] = heartbeats(db_path)
        assert stopped_at is None
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    [(_, stopped_at)] = heartbeats(db_path)
    assert stopped_at is not None, output  # the worker stopped cleanly, not killed
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)


def test_serve_has_a_no_worker_switch():
    from midas.cli import build_parser

    assert build_parser().parse_args(["serve", "--no-worker"]).no_worker is True
