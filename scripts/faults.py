"""The fault suite: real failures on the production topology, while bookings are written.

    python scripts/faults.py [--json] [--only NAME,...] [--downtime-minutes 5]

Starts its own PostgreSQL cluster (``initdb`` on a free port), its own ``redis-server``, two
app servers and a worker behind nginx from ``deploy/nginx.conf.template`` (scripts/topology.py,
``MIDAS_ENV=production``), and a Slack stand-in for the launch channel. A writer books through
nginx the whole time. Then, one after another, each fault is made for real and undone:

| fault | how |
| --- | --- |
| ``redis`` | ``redis-server`` stopped (SIGTERM), started again 20 s later |
| ``app-kill`` | one app server's process group ``kill -9``, started again |
| ``worker-kill`` | the worker ``kill -9``, started again |
| ``maintenance`` | ``midas maintenance on`` / ``off`` through nginx |
| ``rolling-restart`` | each app server stopped (SIGTERM) and started again in turn |
| ``site-down`` | both app servers killed (nginx up) until the downtime trigger fires |
| ``postgres`` | ``pg_ctl stop -m immediate`` until the downtime trigger fires, then started |

For each it records what customers saw through nginx (status codes, ``Retry-After``), what
``/readyz``, the status page, the trigger and ``midas slo`` said, and at the end that every
booking the writer was told was made (a 201) exists. The downtime trigger's minutes are
shortened to 1 (``LAUNCH_DOWNTIME_MINUTES``) so the run takes minutes, not a quarter of an
hour; the stop itself is real. Prints a table (``--json``: the figures) and exits 1 when a
check fails. docs/faults.md says what an operator should do in each case.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.stand_ins.slack import SlackStandIn
from topology import (
    Client,
    Topology,
    TopologyError,
    free_port,
    register_customer,
    stop_group,
)

MAINTENANCE_MEMO_SECONDS = 5  # ops.selectors.CACHE_SECONDS: how stale a process's switch is
FAIL_TIMEOUT_SECONDS = 10  # the template's fail_timeout (scripts/topology.py renders it)
FAULTS = (
    "redis",
    "app-kill",
    "worker-kill",
    "maintenance",
    "rolling-restart",
    "site-down",
    "postgres",
)


def pg_binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None
    )
    if not found:
        raise TopologyError(f"{name} not found (apt-get install postgresql)")
    return found


def as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class OwnPostgres:
    """A PostgreSQL cluster of the suite's own (initdb), stopped and started for real."""

    def __init__(self, root: Path) -> None:
        self.data = root / "pgdata"
        self.socket_dir = root / "pgsocket"
        self.log = root / "postgres.log"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _own(self, *paths: Path) -> None:
        if os.geteuid() == 0:
            for path in paths:
                shutil.chown(path, "postgres", "postgres")

    def init(self) -> None:
        self.data.mkdir(mode=0o700)
        self.socket_dir.mkdir()
        self.log.touch()
        self._own(self.data, self.socket_dir, self.log)
        subprocess.run(
            as_postgres(
                [
                    pg_binary("initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        subprocess.run(
            as_postgres(
                [
                    pg_binary("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self, mode: str = "immediate") -> None:
        subprocess.run(
            as_postgres([pg_binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            capture_output=True,
        )


class OwnRedis:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.log = root / "redis.log"
        self.popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.popen = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        import redis

        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            time.sleep(0.05)
        raise TopologyError("redis-server did not start")

    def stop(self) -> None:
        if self.popen is not None:
            self.popen.terminate()
            self.popen.wait(timeout=10)
            self.popen = None


# --- What customers see -------------------------------------------------------------------


@dataclass
class Seen:
    """Answers through nginx during one fault, by path kind."""

    statuses: Counter[str] = field(default_factory=Counter)
    retry_after_missing: int = 0  # 503s without Retry-After
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, status: int, retry_after: str = "") -> None:
        self.statuses[f"{kind} {status}"] += 1
        if status == 503 and not retry_after:
            self.retry_after_missing += 1

    def count(self, kind: str, *statuses: int) -> int:
        return sum(
            n
            for key, n in self.statuses.items()
            if key.startswith(kind + " ") and int(key.split()[-1]) in statuses
        )

    def text(self) -> str:
        return ", ".join(f"{key}×{n}" for key, n in sorted(self.statuses.items()))


class Writer(threading.Thread):
    """Books through nginx the whole time; keeps each reference it was given (a 201)."""

    def __init__(self, client: Client, auth: dict[str, str], assets: list[str]) -> None:
        super().__init__(daemon=True)
        self.client, self.auth, self.assets = client, auth, assets
        self.acknowledged: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.stopping = threading.Event()
        self.attempt = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            self.attempt += 1
            asset = self.assets[self.attempt % len(self.assets)]
            offset = 20 + (self.attempt // len(self.assets)) * 3
            start = time.strftime("%Y-%m-%d", time.gmtime(time.time() + offset * 86400))
            end = time.strftime("%Y-%m-%d", time.gmtime(time.time() + (offset + 2) * 86400))
            try:
                answer = self.client.post(
                    "/api/v1/bookings",
                    {"asset": asset, "start": start, "end": end, "accept_terms": True},
                    headers={**self.auth, "Idempotency-Key": f"faults-{self.attempt}"},
                )
            except OSError:
                self.statuses[0] += 1
            else:
                self.statuses[answer.status] += 1
                if answer.status == 201:
                    self.acknowledged.append(answer.json()["reference"])
            self.stopping.wait(0.5)


@dataclass
class Result:
    fault: str
    seconds: float
    customers: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append((name, bool(ok), detail))

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.checks)


class Suite:
    def __init__(self, log: Callable[[str], None], *, downtime_minutes: int = 1) -> None:
        self.log = log
        self.downtime_minutes = downtime_minutes
        # a fault waiting for the downtime trigger gives up after this many seconds
        self.outage_limit = (downtime_minutes + 3) * 60
        self.root = Path(tempfile.mkdtemp(prefix="midas-faults-"))
        os.chmod(self.root, 0o755)  # noqa: S103 (postgres and nginx's workers read under it)
        self.pg = OwnPostgres(self.root)
        self.redis = OwnRedis(self.root)
        self.slack = SlackStandIn()
        self.topo: Topology | None = None
        self.client: Client | None = None
        self.writer: Writer | None = None
        self.results: list[Result] = []

    # --- set-up
    def start(self) -> None:
        self.log(f"own PostgreSQL on :{self.pg.port}, own Redis on :{self.redis.port}")
        self.pg.init()
        self.pg.start()
        self.redis.start()
        self.slack.start()
        nginx_port = free_port()
        self.topo = Topology(
            pg_url=self.pg.url,
            redis_url=self.redis.url,
            log=self.log,
            nginx_port=nginx_port,
            extra_env={
                "SLO_PROBE_MODE": "http",
                "SLO_PROBE_URL": f"http://127.0.0.1:{nginx_port}",
                "SLO_PROBE_TIMEOUT": "5",
                "LAUNCH_DOWNTIME_MINUTES": str(self.downtime_minutes),
                "SLACK_WEBHOOK_URL": self.slack.url,
                "RATE_LIMITS": "booking_create=100000/60,register=1000/60",
                "HEALTH_WORKER_WARN_SECONDS": "600",
            },
        )
        self.topo.start()
        self.client = Client(self.topo.base_url)
        _, auth = register_customer(self.topo, self.client)
        listing = self.client.get("/api/v1/assets?limit=100").json()["items"]
        assets = [
            a["slug"] for a in listing if a["booking_mode"] == "instant" and a["category"] != "cars"
        ]
        if not assets:
            raise TopologyError("no instant-book asset to write bookings to")
        self.client.get("/status")  # the status page's snapshot, for the database outage
        self.writer = Writer(Client(self.topo.base_url), auth, assets)
        self.writer.start()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.stopping.set()
            self.writer.join(timeout=30)
        if self.topo is not None:
            self.topo.close()  # its scratch database lives in our cluster: stopped below
        with contextlib.suppress(Exception):
            self.slack.stop()
        self.redis.stop()
        self.pg.stop("fast")
        if not os.environ.get("FAULTS_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

    # --- helpers
    def get(self, seen: Seen, kind: str, path: str, **kwargs: Any):
        assert self.client
        try:
            answer = self.client.get(path, **kwargs)
        except OSError:
            seen.add(kind, 0)
            return None
        seen.add(kind, answer.status, answer.header("retry-after"))
        return answer

    def customer_round(self, seen: Seen) -> None:
        self.get(seen, "page", "/collection/yachts/")
        self.get(seen, "home", "/")
        self.get(seen, "api", "/api/v1/assets?limit=5")

    def midas(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        assert self.topo
        return subprocess.run(
            [sys.executable, "-m", "midas", *args],
            env=self.topo.env(),
            cwd=self.topo.tmp,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def readyz(self, port: int) -> dict:
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as r:
                return {"http": r.status, **json.loads(r.read())}
        except urllib.error.HTTPError as exc:
            return {"http": exc.code, **json.loads(exc.read() or b"{}")}
        except OSError as exc:
            return {"http": 0, "status": str(exc)}

    def wait(self, condition: Callable[[], bool], timeout: float, step: float = 0.5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(step)
        return False

    def settled(self, path: str, status: int, *, times: int = 12, timeout: float = 20) -> bool:
        """``times`` answers in a row with ``status`` (both servers, every process), within
        ``timeout`` seconds."""
        assert self.client
        client, streak = self.client, 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            streak = streak + 1 if client.get(path).status == status else 0
            if streak >= times:
                return True
            time.sleep(0.1)
        return False

    def slo_counts(self) -> tuple[int, int]:
        """(requests, errors) the SLO has counted so far (customers' traffic only)."""
        assert self.topo
        row = self.topo.query(
            "SELECT coalesce(sum(count), 0), coalesce(sum(errors), 0) FROM slo_requestminute"
        )
        return int(row[0][0]), int(row[0][1])

    def booked_since(self, mark: int) -> int:
        assert self.writer
        return len(self.writer.acknowledged) - mark

    # --- faults
    def fault_redis(self) -> Result:
        seen, started, mark = Seen(), time.monotonic(), self.booked_since(0)
        self.redis.stop()
        ready = []
        try:
            end = time.monotonic() + 20
            while time.monotonic() < end:
                self.customer_round(seen)
                time.sleep(0.3)
            assert self.topo
            ready = [self.readyz(port) for port in self.topo.app_ports]
        finally:
            self.redis.start()
        result = Result("redis", time.monotonic() - started, seen.text())
        errors = sum(n for key, n in seen.statuses.items() if not key.endswith(" 200"))
        result.check("pages, API answer 200 with Redis stopped", errors == 0, seen.text())
        result.check(
            "bookings written meanwhile",
            self.booked_since(mark) > 0,
            f"{self.booked_since(mark)} acknowledged",
        )
        states = [r.get("status") for r in ready]
        result.check(
            "/readyz warns, does not fail",
            all(r["http"] == 200 for r in ready) and "warn" in states,
            f"{states}",
        )
        return result

    def fault_app_kill(self) -> Result:
        assert self.topo
        seen, started = Seen(), time.monotonic()
        victim = self.topo.proc("app1")
        stop_group(victim, signal.SIGKILL, timeout=5)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            self.customer_round(seen)
        self.topo.respawn("app1")
        self.topo.wait_http(f"http://127.0.0.1:{self.topo.app_ports[0]}/healthz", "app1")
        result = Result("app-kill", time.monotonic() - started, seen.text())
        bad = sum(n for key, n in seen.statuses.items() if not key.endswith(" 200"))
        result.check(
            "customers never see the dead server (nginx retries the other)", bad == 0, seen.text()
        )
        return result

    def fault_worker_kill(self) -> Result:
        assert self.topo
        seen, started = Seen(), time.monotonic()
        stop_group(self.topo.proc("worker"), signal.SIGKILL, timeout=5)
        for _ in range(10):
            self.customer_round(seen)
        self.topo.respawn("worker")
        topo = self.topo

        def beats() -> int:
            return topo.query(
                "SELECT count(*) FROM jobs_workerheartbeat WHERE stopped_at IS NULL"
                " AND last_seen > now() - interval '5 seconds'"
            )[0][0]

        def queued() -> int:
            return topo.query(
                "SELECT count(*) FROM notifications_outboxmessage"
                " WHERE status = 'pending' AND next_attempt_at <= now()"
            )[0][0]

        back = self.wait(lambda: beats() > 0, 60)
        drained = self.wait(lambda: queued() == 0, 60)
        result = Result("worker-kill", time.monotonic() - started, seen.text())
        bad = sum(n for key, n in seen.statuses.items() if not key.endswith(" 200"))
        result.check("the site does not need the worker", bad == 0, seen.text())
        result.check("a new worker beats again", back)
        result.check("the outbox drains after the restart", drained, f"{queued()} queued")
        return result

    def fault_maintenance(self) -> Result:
        assert self.topo and self.client
        seen, started = Seen(), time.monotonic()
        before = self.slo_counts()
        on = self.midas("maintenance", "on", "--message", "Fault suite maintenance")
        # each process keeps the switch's state for up to 5 s (ops.selectors.CACHE_SECONDS):
        # past that every process must agree
        time.sleep(MAINTENANCE_MEMO_SECONDS + 1)
        took = self.settled("/", 503)
        pages: dict[str, Any] = {}
        for _ in range(30):
            home = self.get(seen, "home", "/")
            api = self.get(seen, "api", "/api/v1/assets?limit=5")
            self.get(seen, "status", "/status")
            self.get(seen, "login", "/account/login/")
            webhook = self.client.post("/api/v1/payments/stripe/webhook", {"id": "evt_x"})
            seen.add("webhook", webhook.status, webhook.header("retry-after"))
            pages.update(home=home, api=api)
        summary = self.client.get("/status/summary.json")
        off = self.midas("maintenance", "off")
        time.sleep(MAINTENANCE_MEMO_SECONDS + 1)
        back = self.settled("/", 200)
        time.sleep(6)  # every process flushes its SLO minute figures within 5 s
        after = self.slo_counts()
        result = Result("maintenance", time.monotonic() - started, seen.text())
        switched = on.returncode == 0 and off.returncode == 0
        result.check(
            "midas maintenance on/off",
            switched,
            "" if switched else (on.stderr + off.stderr)[-300:],
        )
        requests, errors = after[0] - before[0], after[1] - before[1]
        result.check(
            "the planned 503s are no errors in the SLO",
            errors == 0 and requests > 0,
            f"{requests} requests, {errors} errors counted",
        )
        result.check("the maintenance page took effect", took)
        result.check(
            "customers get the maintenance 503, never nginx's 502",
            seen.count("home", 503) == 30 and seen.count("home", 502, 504) == 0,
            seen.text(),
        )
        home = pages.get("home")
        result.check(
            "the page is the maintenance page with Retry-After",
            bool(home and b"Fault suite maintenance" in home.body and home.header("retry-after")),
        )
        api = pages.get("api")
        result.check(
            "the API says maintenance",
            bool(api and api.status == 503 and api.json().get("code") == "maintenance"),
        )
        result.check(
            "status, login and webhooks pass",
            seen.count("status", 200) == 30
            and seen.count("login", 200) == 30
            and seen.count("webhook", 502, 503, 504) == 0,
            seen.text(),
        )
        indicator = (
            summary.json()["status"]["indicator"] if summary.status == 200 else summary.status
        )
        result.check(
            "the status page says under maintenance",
            indicator == "maintenance",
            f"indicator {indicator}",
        )
        result.check("the site is back after off", back)
        return result

    def fault_rolling_restart(self) -> Result:
        assert self.topo
        seen, started = Seen(), time.monotonic()
        stop = threading.Event()

        def traffic() -> None:
            while not stop.is_set():
                self.customer_round(seen)

        thread = threading.Thread(target=traffic, daemon=True)
        thread.start()
        for index, port in enumerate(self.topo.app_ports, start=1):
            stop_group(self.topo.proc(f"app{index}"), signal.SIGTERM, timeout=20)
            self.topo.respawn(f"app{index}")
            self.topo.wait_http(f"http://127.0.0.1:{port}/healthz", f"app{index}")
            # nginx's passive check keeps a server it saw fail out of rotation for
            # fail_timeout (10 s in the template): wait that out before the next one goes,
            # or nginx has no server left (docs/faults.md, "Rolling restart")
            time.sleep(FAIL_TIMEOUT_SECONDS + 1)
        stop.set()
        thread.join(timeout=30)
        result = Result("rolling-restart", time.monotonic() - started, seen.text())
        bad = sum(n for key, n in seen.statuses.items() if not key.endswith(" 200"))
        result.check("no customer request failed during the restart", bad == 0, seen.text())
        return result

    def fault_postgres(self) -> Result:
        assert self.topo and self.writer and self.client
        seen, started, mark = Seen(), time.monotonic(), self.booked_since(0)
        alerts_before = len(self.slack.requests)
        self.pg.stop("immediate")
        down_at = time.monotonic()
        status_pages: list[str] = []
        first_page = None

        def alerted() -> bool:
            for request in self.slack.requests[alerts_before:]:
                if "Rollback trigger 'downtime' fired" in request.json.get("text", ""):
                    return True
            return False

        try:
            while time.monotonic() - down_at < self.outage_limit and not alerted():
                self.customer_round(seen)
                page = self.get(seen, "status", "/status")
                if page is not None and page.status == 200:
                    status_pages.append(page.body.decode(errors="replace"))
                if first_page is None:
                    first_page = self.client.get("/collection/yachts/")
                time.sleep(1)
            stopped_for = time.monotonic() - down_at
            ready = [self.readyz(port) for port in self.topo.app_ports]
        finally:
            self.pg.start()
        recovered = self.wait(lambda: self.client.get("/api/v1/assets?limit=1").status == 200, 60)
        topo = self.topo

        def recorded() -> bool:  # the firing, with its incident and its escalation started
            rows = topo.query(
                "SELECT count(*) FROM launch_triggerfiring f"
                " JOIN launch_escalation e ON e.incident_id = f.incident_id"
                " WHERE f.trigger = 'downtime' AND (f.details->>'offline')::boolean"
            )
            return rows[0][0] > 0

        fired = self.wait(recorded, 120, 1)
        slo = self.midas("slo", "--window", "1h", "--json")
        figures = json.loads(slo.stdout or "{}") if slo.returncode == 0 else {}
        result = Result("postgres", time.monotonic() - started, seen.text())
        result.checks.append(("stopped for", True, f"{stopped_for:.0f} s"))
        result.check(
            "customers get 503 with Retry-After, never a 500",
            seen.count("page", 503) > 0
            and seen.count("page", 500, 502) == 0
            and seen.count("api", 500, 502) == 0
            and seen.retry_after_missing == 0,
            seen.text(),
        )
        result.check(
            "the page is the branded 503",
            bool(
                first_page
                and first_page.status == 503
                and b"Briefly unavailable" in first_page.body
            ),
        )
        live = [
            p
            for p in status_pages
            if "Major System Outage" in p and "database is not answering" in p
        ]
        result.check(
            "the status page says the site is down while it is",
            bool(live),
            f"{len(live)}/{len(status_pages)} pages",
        )
        result.check("the downtime trigger told the launch channel during the outage", alerted())
        result.check(
            "/readyz fails on the database",
            all(r["http"] == 503 for r in ready),
            str([r.get("status") for r in ready]),
        )
        result.check("the site recovers by itself", recovered)
        result.check("the firing, its incident and escalation are recorded", fired)
        hour = (figures.get("windows") or [{}])[0]
        result.check(
            "midas slo shows the downtime",
            hour.get("minutes_up", 0) < hour.get("minutes_with_data", 0),
            f"1 h: uptime {hour.get('uptime_pct')} %, {hour.get('minutes_up')} of "
            f"{hour.get('minutes_with_data')} probed minutes up, error rate "
            f"{hour.get('error_rate_pct')} %" + ("" if slo.returncode == 0 else slo.stderr[-300:]),
        )
        result.checks.append(
            ("bookings acknowledged meanwhile", True, str(self.booked_since(mark)))
        )
        return result

    def fault_site_down(self) -> Result:
        """Nothing behind nginx: the probes go through the public URL, so they see it, and
        the downtime trigger fires the normal way (the database is fine)."""
        assert self.topo and self.client
        seen, started = Seen(), time.monotonic()
        topo = self.topo
        before = topo.query("SELECT count(*) FROM launch_triggerfiring WHERE trigger = 'downtime'")
        for index in range(1, len(topo.app_ports) + 1):
            stop_group(topo.proc(f"app{index}"), signal.SIGKILL, timeout=5)
        down_at = time.monotonic()

        def fired() -> bool:
            rows = topo.query(
                "SELECT count(*) FROM launch_triggerfiring WHERE trigger = 'downtime'"
            )
            return rows[0][0] > before[0][0]

        try:
            while time.monotonic() - down_at < self.outage_limit and not fired():
                self.get(seen, "home", "/")
                time.sleep(2)
            stopped_for = time.monotonic() - down_at
        finally:
            for index, port in enumerate(topo.app_ports, start=1):
                topo.respawn(f"app{index}")
                topo.wait_http(f"http://127.0.0.1:{port}/healthz", f"app{index}")
        recovered = self.wait(lambda: self.client.get("/").status == 200, 30)

        def cleared() -> bool:
            rows = topo.query(
                "SELECT count(*) FROM launch_triggerfiring"
                " WHERE trigger = 'downtime' AND cleared_at IS NULL"
            )
            return rows[0][0] == 0

        clear = self.wait(cleared, 180, 2)
        incident = topo.query(
            "SELECT i.title, i.status FROM launch_triggerfiring f JOIN status_incident i"
            " ON i.id = f.incident_id WHERE f.trigger = 'downtime' ORDER BY f.id DESC LIMIT 1"
        )
        result = Result("site-down", time.monotonic() - started, seen.text())
        result.checks.append(("app servers down for", True, f"{stopped_for:.0f} s"))
        result.check("customers get nginx's 502 (nothing behind it)", seen.count("home", 502) > 0)
        result.check("the probes through nginx see it: the trigger fired", fired())
        result.check("with a status-page incident", bool(incident), str(incident[:1]))
        result.check("the site is back once the servers are", recovered)
        result.check("the firing clears once the probes pass (incident: monitoring)", clear)
        return result

    def acknowledged_exist(self) -> Result:
        assert self.topo and self.writer
        self.writer.stopping.set()
        self.writer.join(timeout=30)
        refs = self.writer.acknowledged
        found = self.topo.query(
            "SELECT count(*) FROM bookings_booking WHERE reference = ANY(%s)", (refs,)
        )[0][0]
        result = Result(
            "bookings", 0.0, ", ".join(f"{s}×{n}" for s, n in sorted(self.writer.statuses.items()))
        )
        result.check(
            "every acknowledged booking exists", found == len(refs), f"{found}/{len(refs)}"
        )
        return result


def table(results: list[Result]) -> str:
    lines = ["| fault | seconds | check | ok | detail |", "| --- | ---: | --- | --- | --- |"]
    for result in results:
        for index, (name, ok, detail) in enumerate(result.checks):
            fault, seconds = (result.fault, f"{result.seconds:.0f}") if index == 0 else ("", "")
            mark = "yes" if ok else "**NO**"
            lines.append(
                f"| {fault} | {seconds} | {name} | {mark} | {detail.replace('|', '/')[:160]} |"
            )
    return "\n".join(lines)


@contextlib.contextmanager
def suite(log: Callable[[str], None], *, downtime_minutes: int = 1) -> Iterator[Suite]:
    run = Suite(log, downtime_minutes=downtime_minutes)
    try:
        run.start()
        yield run
    finally:
        run.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", default=",".join(FAULTS), help="comma-separated faults")
    parser.add_argument(
        "--downtime-minutes",
        type=int,
        default=1,
        help="LAUNCH_DOWNTIME_MINUTES for the run (the plan's 5 for a full-length outage)",
    )
    args = parser.parse_args(argv)
    chosen = [name for name in args.only.split(",") if name]
    unknown = set(chosen) - set(FAULTS)
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}; one of {', '.join(FAULTS)}")

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started = time.monotonic()
    results: list[Result] = []
    try:
        with suite(say, downtime_minutes=args.downtime_minutes) as run:
            for name in FAULTS:
                if name not in chosen:
                    continue
                say(f"fault: {name}")
                try:
                    result = getattr(run, "fault_" + name.replace("-", "_"))()
                except (TopologyError, OSError, ValueError, KeyError, AssertionError) as exc:
                    result = Result(name, 0, "", [("ran to the end", False, repr(exc)[:300])])
                results.append(result)
                for check, ok, detail in result.checks:
                    say(f"  {'ok ' if ok else 'FAIL'} {check} {detail}")
                run.topo.check_alive() if run.topo else None
            results.append(run.acknowledged_exist())
    except TopologyError as exc:
        say(f"FAILED: {exc}")
        results.append(Result("set-up", 0, "", [("topology", False, str(exc)[:500])]))
    except KeyboardInterrupt:
        return 130
    ok = all(result.ok for result in results)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "fault": r.fault,
                        "seconds": round(r.seconds, 1),
                        "customers": r.customers,
                        "checks": [{"check": c, "ok": k, "detail": d} for c, k, d in r.checks],
                    }
                    for r in results
                ]
            )
        )
    else:
        print(table(results))
    say(f"fault suite {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
