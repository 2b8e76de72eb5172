"""The production topology on loopback (scripts/topology.py): nginx in front of two app
servers and a worker, on PostgreSQL and Redis, walked through by a customer's smoke path.

Runs the script in a subprocess, so the servers get production settings of their own, not
this test run's. Needs nginx, PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379:
skipped without them locally; in CI (where .ci/run installs nginx) a skip is a failure.
Select it alone with `pytest -k topology`.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "topology.py"

sys.path.insert(0, str(SCRIPT.parent))
import topology  # noqa: E402 (scripts/ is not a package)


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def needs_services() -> None:
    if not topology.find_nginx():
        pytest.skip("nginx is not installed (apt-get install nginx)")
    for name, port in (("PostgreSQL", 5432), ("Redis", 6379)):
        if not reachable(port):
            pytest.skip(f"{name} is not listening on 127.0.0.1:{port}")


def test_topology_nginx_template_renders_every_placeholder(tmp_path):
    text = topology.render_nginx_conf(
        runtime_dir=tmp_path,
        listen="127.0.0.1:8080",
        upstreams=["127.0.0.1:8001", "127.0.0.1:8002"],
        static_root=tmp_path / "static",
    )
    assert not re.search(r"\{\{\w+\}\}", text)
    assert "server 127.0.0.1:8001 max_fails=3 fail_timeout=10s;" in text
    assert "server 127.0.0.1:8002 max_fails=3 fail_timeout=10s;" in text
    assert "keepalive 32;" in text
    assert f"alias {tmp_path / 'static'}/;" in text
    assert "proxy_set_header X-Forwarded-Proto https;" in text
    assert "public, max-age=31536000, immutable" in text


def test_topology_stops_a_whole_process_group_even_when_it_ignores_sigterm(tmp_path):
    """What close() does to every process: the group goes, children that ignore SIGTERM too."""
    log = tmp_path / "group.log"
    popen = subprocess.Popen(
        ["sh", "-c", 'trap "" TERM; sleep 60 & echo $! > child.pid; wait'],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        if (tmp_path / "child.pid").exists() and (tmp_path / "child.pid").read_text().strip():
            break
        time.sleep(0.05)
    child = int((tmp_path / "child.pid").read_text())
    started = time.monotonic()
    topology.stop_group(topology.Proc("group", popen, log), timeout=1)
    assert time.monotonic() - started < 5
    assert popen.returncode is not None
    for _ in range(50):  # the orphaned child is reaped by init a moment later
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the child outlived its process group")


def test_topology_smoke_through_nginx_two_app_servers_and_a_worker():
    needs_services()
    env = {**os.environ}
    env.pop("DATABASE_URL", None)  # the script makes (and drops) its own scratch database
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "smoke", "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,  # the script stops everything itself on failure; ~20 s when healthy
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # pragma: no cover (diagnostics)
        pytest.fail(f"the topology smoke hung:\n{exc.stderr}")
    assert done.returncode == 0, done.stderr[-6000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["ok"] is True
    steps = [step["step"] for step in report["steps"]]
    assert steps == [
        "home",
        "gzip",
        "quote",
        "asset page",
        "register + verify",
        "token",
        "book",
        "pay (sandbox 4242)",
        "static",
        "load balanced",
    ]
    pay = report["steps"][steps.index("pay (sandbox 4242)")]
    assert pay["status"] == "confirmed" and pay["email"].startswith("Confirmed:")
    static = report["steps"][steps.index("static")]
    assert static["cache_control"] == "public, max-age=31536000, immutable"
    assert len(report["upstreams"]) == 2 and all(report["upstreams"].values())
    # ~20 s on an idle 2-core machine (~30 s under a load of 20); the bound catches a stall
    assert report["seconds"] < 90

    # everything stopped and dropped, even the scratch database
    for pid in report["pids"].values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres") as conn:
        left = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (report["database"],)
        ).fetchall()
    assert left == []
