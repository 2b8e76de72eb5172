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


def test_topology_nginx_retries_only_unreachable_servers_and_checks_ids_like_the_app(tmp_path):
    """What nginx passes on: a 503 the app chose to send is neither retried nor counted as a
    failure (only errors and timeouts are); the request id rule is the app's; the access log
    has no query string."""
    from midas.ops.middleware import REQUEST_ID

    text = topology.render_nginx_conf(
        runtime_dir=tmp_path,
        listen="127.0.0.1:8080",
        upstreams=["127.0.0.1:8001"],
        static_root=tmp_path / "static",
    )
    assert re.findall(r"^\s*proxy_next_upstream\s+([^;]*);", text, re.M) == ["error timeout"]
    directives = re.sub(r"#.*", "", text)
    for never in ("http_502", "http_503", "non_idempotent", "proxy_intercept_errors"):
        assert never not in directives
    pattern = re.search(r'map \$http_x_request_id \$midas_request_id \{\s*"~([^"]+)"', text)
    assert pattern and pattern.group(1) == REQUEST_ID.pattern
    log_format = text.split("log_format midas")[1].split(";")[0]
    assert "$request_uri" not in log_format and "$args" not in log_format
    assert '"uri":"$midas_log_uri"' in log_format


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


def log_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def wait_for_line(read, match, timeout: float = 10) -> dict:
    """The first line ``match`` accepts among ``read()``'s, re-read until one is there: nginx
    and the app write a request's line after they answered it."""
    deadline = time.monotonic() + timeout
    while True:
        found = [line for line in read() if match(line)]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError("no such log line")
        time.sleep(0.1)


def test_topology_request_ids_secrets_in_links_and_the_maintenance_503_through_nginx():
    """Through the real nginx and both app servers: (1) an invalid X-Request-ID is replaced
    by nginx, and the id nginx logged is the one the client got and the app logged; (2) a
    verification link's token, in its path or its query string, reaches no log; (3) with
    maintenance on, 30 rounds out of 30 get the app's 503 page with Retry-After from both
    servers, each from one server at once (no retry) and none taken out of the upstream."""
    needs_services()
    with topology.topology(extra_env={"LOG_LEVEL": "INFO"}) as topo:
        client = topology.Client(topo.base_url)
        assert topo.tmp
        app_logs = [topo.tmp / "logs" / f"app{n}.log" for n in (1, 2)]

        def app_lines() -> list[dict]:
            return [line for log in app_logs for line in log_lines(log)]

        # (1) request ids: an invalid one is replaced, a valid one kept, the same everywhere
        for sent, kept in (("bad id!", False), ("x" * 129, False), ("edge-7f3a:0001", True)):
            response = client.get("/about/", headers={"X-Request-ID": sent})
            assert response.status == 200
            got = response.header("x-request-id")
            assert (got == sent) is kept, (sent, got)
            if not kept:
                assert re.fullmatch(r"[0-9a-f]{32}", got), got  # nginx's $request_id
            access = wait_for_line(
                lambda: log_lines(topo.access_log), lambda line, got=got: line["request_id"] == got
            )
            assert access["status"] == 200 and access["uri"] == "/about/"
            app = wait_for_line(
                app_lines,
                lambda line, got=got: (
                    line["logger"] == "midas.request" and line.get("request_id") == got
                ),
            )
            assert app["route"] == "/about/" and app["status"] == 200

        # (2) a verification link: its token in no log, nginx's or the app's
        secrets_ = ("PATHSECRET1a2b3c", "QUERYSECRET4d5e6f")
        link = f"/account/verify/{secrets_[0]}/?token={secrets_[1]}"
        response = client.get(link, headers={"X-Request-ID": "verify-link-0001"})
        assert response.status < 500
        access = wait_for_line(
            lambda: log_lines(topo.access_log),
            lambda line: line["request_id"] == "verify-link-0001",
        )
        assert access["uri"] == "/account/verify/***"
        wait_for_line(app_lines, lambda line: line.get("request_id") == "verify-link-0001")
        for log in [topo.access_log, *app_logs, topo.tmp / "nginx" / "logs" / "error.log"]:
            for secret in secrets_:
                assert secret not in log.read_text(), f"{secret} in {log.name}"

        # (3) maintenance: the app's 503 passes through nginx as it is
        on = subprocess.run(
            [
                sys.executable,
                "-m",
                "midas",
                "maintenance",
                "on",
                "--message",
                "Polishing",
                "--retry-after",
                "120",
            ],
            env=topo.env(),
            cwd=topo.tmp,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert on.returncode == 0, on.stderr
        for port in topo.app_ports:  # each process sees the switch within its memo's 5 s
            deadline = time.monotonic() + 15
            while topology.Client(f"http://127.0.0.1:{port}").get("/about/").status != 503:
                assert time.monotonic() < deadline, f"app server {port} never went 503"
                time.sleep(0.2)
        lines_before = len(log_lines(topo.access_log))
        for round_ in range(30):
            response = client.get("/about/", headers={"X-Request-ID": f"maint-round-{round_:03d}"})
            assert response.status == 503, (round_, response.status, response.body[:200])
            assert response.header("retry-after") == "120", round_
            assert response.header("x-maintenance") == "on"
            assert b"Polishing" in response.body
        wait_for_line(
            lambda: log_lines(topo.access_log),
            lambda line: line["request_id"] == "maint-round-029",
        )
        rounds = [
            line
            for line in log_lines(topo.access_log)[lines_before:]
            if line["request_id"].startswith("maint-round-")
        ]
        assert len(rounds) == 30
        assert all(line["status"] == 503 for line in rounds)
        assert all(line["upstream_status"] == "503" for line in rounds)  # one server, once
        served = {line["upstream_addr"] for line in rounds}
        assert served == {f"127.0.0.1:{port}" for port in topo.app_ports}
        errors = (topo.tmp / "nginx" / "logs" / "error.log").read_text()
        for sign in ("temporarily disabled", "no live upstreams", "upstream prematurely"):
            assert sign not in errors, errors[-2000:]
