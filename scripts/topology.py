"""The production topology, on loopback: nginx in front of two app servers and a worker,
against PostgreSQL (a scratch database made for the run and dropped after it) and Redis.

    python scripts/topology.py smoke [--json]   start everything, walk the smoke path through
                                                nginx, stop everything; exit 1 on a failure
    python scripts/topology.py up               start everything and wait for Ctrl-C

Settings are production's (MIDAS_ENV=production, a SECRET_KEY made for the run,
SITE_URL=https://midas.test): nginx stands in for the TLS-ending proxy and sends
X-Forwarded-Proto: https, so Django sees a secure request although the loopback hop is plain
HTTP. Clients send Host: midas.test. See docs/deploy.md.

Environment: TOPOLOGY_PG (default postgres://postgres@127.0.0.1:5432), TOPOLOGY_REDIS
(default redis://127.0.0.1:6379/0), NGINX (default: nginx on PATH or /usr/sbin/nginx).
Every process is started in its own process group and the whole group is stopped at the
end, on success, failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
HOST_NAME = "midas.test"
SITE_URL = f"https://{HOST_NAME}"
VISA = "4242424242424242"


class TopologyError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_nginx() -> str | None:
    return (
        os.environ.get("NGINX")
        or shutil.which("nginx")
        or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    )


def render_nginx_conf(
    *,
    runtime_dir: Path,
    listen: str,
    upstreams: list[str],
    static_root: Path,
    stream_upstreams: list[str] | None = None,
    forwarded_proto: str = "https",
    server_name: str = HOST_NAME,
) -> str:
    """The template with every {{NAME}} replaced; an unknown or missing one is an error."""
    user_line = ""
    if os.geteuid() == 0:
        # nginx's workers drop root; www-data must reach the run's files (made 0755 below)
        user_line = "user www-data;" if _user_exists("www-data") else "user root;"
    values = {
        "USER_LINE": user_line,
        "RUNTIME_DIR": str(runtime_dir),
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "UPSTREAM_SERVERS": "\n        ".join(
            f"server {address} max_fails=3 fail_timeout=10s;" for address in upstreams
        ),
        # the live chat's streams: the app servers serve them unless stream processes run
        "STREAM_SERVERS": "\n        ".join(
            f"server {address} max_fails=3 fail_timeout=10s;"
            for address in (stream_upstreams or upstreams)
        ),
        "STATIC_ROOT": str(static_root).rstrip("/") + "/",
        "FORWARDED_PROTO": forwarded_proto,
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    left = re.findall(r"\{\{\w+\}\}", text)
    if left:
        raise TopologyError(f"nginx template placeholders left unfilled: {sorted(set(left))}")
    return text


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


# --- Processes ------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def stop_group(proc: Proc, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Signal the process group; wait; SIGKILL the group if it lingers."""
    pgid = proc.popen.pid  # started with start_new_session: its pid is the group id
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
    try:
        proc.popen.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        proc.popen.wait(timeout=5)
    # children that outlived the leader (a gunicorn worker, an nginx worker)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@dataclass
class Topology:
    """Owns the scratch database, the temp dir and every process; `close()` undoes it all."""

    pg_url: str = field(
        default_factory=lambda: os.environ.get("TOPOLOGY_PG", "postgres://postgres@127.0.0.1:5432")
    )
    redis_url: str = field(
        default_factory=lambda: os.environ.get("TOPOLOGY_REDIS", "redis://127.0.0.1:6379/0")
    )
    app_servers: int = 2
    gunicorn_workers: int = 1
    log: Callable[[str], None] = lambda message: None
    procs: list[Proc] = field(default_factory=list)
    tmp: Path | None = None
    db_name: str = ""
    cache_prefix: str = ""
    app_ports: list[int] = field(default_factory=list)
    nginx_port: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)  # on top of production's

    # --- paths
    @property
    def static_root(self) -> Path:
        assert self.tmp
        return self.tmp / "static"

    @property
    def access_log(self) -> Path:
        assert self.tmp
        return self.tmp / "nginx" / "logs" / "access.log"

    @property
    def static_log(self) -> Path:
        assert self.tmp
        return self.tmp / "nginx" / "logs" / "static.log"

    @property
    def database_url(self) -> str:
        return f"{self.pg_url.rstrip('/')}/{self.db_name}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def env(self) -> dict[str, str]:
        assert self.tmp
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
        env.update(
            {
                "MIDAS_ENV": "production",
                "SECRET_KEY": self._secret_key,
                "DEBUG": "false",
                "ALLOWED_HOSTS": f"{HOST_NAME},127.0.0.1",
                "CSRF_TRUSTED_ORIGINS": SITE_URL,
                "SITE_URL": SITE_URL,
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "CACHE_KEY_PREFIX": self.cache_prefix,
                "EMAIL_URL": "mailbox://",
                "MAILBOX_ECHO": "false",
                "STATIC_ROOT": str(self.static_root),
                "MIDAS_VAR_DIR": str(self.tmp / "var"),
                "SECURE_SSL_REDIRECT": "false",  # nginx owns the redirect to https
                "TRUSTED_PROXY_HOPS": "1",  # the client is the last X-Forwarded-For entry
                "FORWARDED_ALLOW_IPS": "127.0.0.1",
                "WORKER_INTERVAL": "1",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        env.update(self.extra_env)
        return env

    # --- lifecycle
    def start(self) -> None:
        nginx = find_nginx()
        if not nginx:
            raise TopologyError("nginx is not installed (apt-get install nginx)")
        self._secret_key = secrets.token_urlsafe(50)
        token = secrets.token_hex(4)
        self.db_name = f"midas_topology_{token}"
        self.cache_prefix = f"midas-topology-{token}"
        self.tmp = Path(tempfile.mkdtemp(prefix="midas-topology-"))
        os.chmod(self.tmp, 0o755)  # noqa: S103 (nginx workers, www-data, read static files)
        for sub in ("nginx/logs", "nginx/tmp", "var", "logs"):
            (self.tmp / sub).mkdir(parents=True)

        self.log(f"scratch database {self.db_name}")
        self._admin_sql(f'CREATE DATABASE "{self.db_name}"')
        self.log("migrate, demo collection, collectstatic")
        started = time.monotonic()
        self._run_python(
            "from midas.cli import setup_django, prepare_site\n"
            "import io\n"
            "setup_django()\n"
            "from django.core.management import call_command\n"
            "call_command('check', fail_level='ERROR')\n"
            "prepare_site(load_demo=True, out=io.StringIO())\n",  # the staff password: unseen
            name="prepare",
        )
        self.log(f"  prepared in {time.monotonic() - started:.1f}s")

        self.app_ports = [free_port() for _ in range(self.app_servers)]
        self.nginx_port = self.nginx_port or free_port()
        for index, port in enumerate(self.app_ports, start=1):
            self._spawn(
                f"app{index}",
                [
                    sys.executable,
                    "-c",
                    "import sys\n"
                    "from midas.cli import setup_django\n"
                    "setup_django()\n"
                    "from midas import server\n"
                    "server.run('127.0.0.1', int(sys.argv[1]), int(sys.argv[2]))\n",
                    str(port),
                    str(self.gunicorn_workers),
                ],
            )
        self._spawn("worker", [sys.executable, "-m", "midas", "worker"])

        runtime = self.tmp / "nginx"
        conf = runtime / "nginx.conf"
        conf.write_text(
            render_nginx_conf(
                runtime_dir=runtime,
                listen=f"127.0.0.1:{self.nginx_port}",
                upstreams=[f"127.0.0.1:{port}" for port in self.app_ports],
                static_root=self.static_root,
            )
        )
        nginx_cmd = [
            nginx,
            "-p",
            str(runtime),
            "-c",
            str(conf),
            "-e",
            str(runtime / "logs/error.log"),
        ]
        check = subprocess.run(
            [*nginx_cmd, "-t", "-q", "-g", f"pid {runtime / 'nginx.pid'};"],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode:
            raise TopologyError(f"nginx -t failed:\n{check.stderr}")
        self._spawn(
            "nginx", [*nginx_cmd, "-g", f"daemon off; pid {runtime / 'nginx.pid'};"], env={}
        )

        for port, name in [(p, f"app{i}") for i, p in enumerate(self.app_ports, 1)]:
            self._wait_http(f"http://127.0.0.1:{port}/", name, timeout=60)
        self._wait_http(self.base_url + "/", "nginx", timeout=20)
        self.log(f"up: nginx at {self.base_url} -> app servers on ports {self.app_ports}")

    def close(self) -> None:
        # nginx first (stop taking requests), then the app servers, then the worker
        for proc in sorted(self.procs, key=lambda p: 0 if p.name == "nginx" else 1):
            sig = signal.SIGQUIT if proc.name == "nginx" else signal.SIGTERM
            try:
                stop_group(proc, sig)
            except Exception as exc:  # keep stopping the others
                self.log(f"stopping {proc.name}: {exc}")
        self.procs.clear()
        if self.db_name:
            with contextlib.suppress(Exception):
                self._admin_sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        if self.cache_prefix:
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis.from_url(self.redis_url)
                keys = list(client.scan_iter(match=f"{self.cache_prefix}:*", count=500))
                if keys:
                    client.delete(*keys)
        if self.tmp and not os.environ.get("TOPOLOGY_KEEP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers
    def _admin_sql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.pg_url.rstrip('/')}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def _run_python(self, code: str, *, name: str) -> None:
        assert self.tmp
        log = self.tmp / "logs" / f"{name}.log"
        with log.open("w") as out:
            done = subprocess.run(
                [sys.executable, "-c", code],
                env=self.env(),
                cwd=self.tmp,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=180,
            )
        if done.returncode:
            raise TopologyError(f"{name} failed:\n{log.read_text()[-3000:]}")

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Proc:
        assert self.tmp
        log = self.tmp / "logs" / f"{name}.log"
        out = log.open("w")
        popen = subprocess.Popen(
            argv,
            env=self.env() if env is None else {"PATH": os.environ.get("PATH", "")},
            cwd=self.tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as one
        )
        out.close()
        proc = Proc(name, popen, log, argv=list(argv), env=env)
        self.procs.append(proc)
        return proc

    def proc(self, name: str) -> Proc:
        return next(p for p in self.procs if p.name == name)

    def respawn(self, name: str) -> Proc:
        """Start ``name`` again as it was first started (after it was stopped or killed);
        the earlier run's log is kept beside the new one."""
        old = self.proc(name)
        self.procs.remove(old)
        runs = len(list(old.log.parent.glob(f"{name}.*log")))
        old.log.rename(old.log.with_name(f"{name}.{runs}.log"))  # kept: the run before
        return self._spawn(name, old.argv, env=old.env)

    def wait_http(self, url: str, name: str, timeout: float = 60) -> None:
        self._wait_http(url, name, timeout)

    def _wait_http(self, url: str, name: str, timeout: float) -> None:
        proc = next((p for p in self.procs if p.name == name), None)
        deadline = time.monotonic() + timeout
        parts = urllib.parse.urlsplit(url)
        while time.monotonic() < deadline:
            if proc is not None and not proc.alive():
                raise TopologyError(f"{name} exited early:\n{proc.tail()}")
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
                conn.request("GET", parts.path or "/", headers={"Host": HOST_NAME})
                status = conn.getresponse().status
                conn.close()
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TopologyError(f"{name} did not answer at {url} within {timeout}s")

    def check_alive(self) -> None:
        dead = [p for p in self.procs if not p.alive()]
        if dead:
            raise TopologyError(
                "; ".join(f"{p.name} exited ({p.popen.returncode}):\n{p.tail()}" for p in dead)
            )


@contextlib.contextmanager
def topology(**kwargs: Any) -> Iterator[Topology]:
    topo = Topology(**kwargs)
    try:
        topo.start()
        yield topo
    finally:
        topo.close()


# --- The smoke path ---------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class Client:
    """HTTP/1.1 to nginx with Host: midas.test; never follows redirects."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.requests = 0

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = {"Host": HOST_NAME, "User-Agent": "midas-topology-smoke"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=all_headers)
            raw = conn.getresponse()
            response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
        finally:
            conn.close()
        self.requests += 1
        return response

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> Response:
        return self.request("POST", path, body=body, **kwargs)


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise TopologyError(message)


def wait_for_mail(
    topo: Topology, to: str, subject_prefix: str = "", timeout: float = 20
) -> tuple[str, str]:
    """The newest mailbox message to `to` (the worker delivered it from the outbox)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = topo.query(
            "SELECT subject, body_text FROM notifications_mailboxmessage "
            "WHERE recipient = %s AND subject LIKE %s ORDER BY id DESC LIMIT 1",
            (to, subject_prefix + "%"),
        )
        if rows:
            return rows[0]
        topo.check_alive()
        time.sleep(0.25)
    raise TopologyError(
        f"no email {subject_prefix!r} to {to} within {timeout}s (is the worker up?)"
    )


def register_customer(topo: Topology, client: Client) -> tuple[str, dict[str, str]]:
    """A new customer registered through the API, verified by the link the worker mailed,
    signed in: (email, the Authorization header)."""
    email = f"smoke-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(16)
    registered = client.post(
        "/api/v1/auth/register",
        {
            "email": email,
            "password": password,
            "first_name": "Topology",
            "last_name": "Smoke",
            "date_of_birth": "1985-04-12",
        },
    )
    expect(registered.status == 201, f"register: {registered.status} {registered.body[:300]!r}")
    _, body = wait_for_mail(topo, email)
    match = re.search(re.escape(SITE_URL) + r"(/[a-z/-]*verify/[^\s/]+/)", body)
    expect(match is not None, f"verification email without a link:\n{body[:500]}")
    verify = client.get(match.group(1))
    expect(verify.status in {200, 302}, f"verify: {verify.status}")
    token = client.post("/api/v1/auth/token", {"email": email, "password": password})
    expect(token.status == 200, f"token: {token.status} {token.body[:300]!r}")
    return email, {"Authorization": f"Bearer {token.json()['token']}"}


def smoke(topo: Topology, log: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """Walk a customer's path through nginx; returns what was seen; raises TopologyError."""
    client = Client(topo.base_url)
    report: dict[str, Any] = {"steps": []}

    def step(name: str, **details: Any) -> None:
        report["steps"].append({"step": name, **details})
        log(f"  ok  {name} {json.dumps(details) if details else ''}")

    # 1. Home page, twice from each side of the balancer at least
    home = client.get("/", headers={"X-Request-ID": "topology-smoke-home"})
    expect(home.status == 200, f"home: {home.status} {home.body[:300]!r}")
    expect(b"<html" in home.body.lower(), "home: not HTML")
    expect(
        home.header("x-request-id") == "topology-smoke-home",
        f"home: X-Request-ID not passed back ({home.header('x-request-id')!r})",
    )
    expect("max-age=31536000" in home.header("strict-transport-security"), "home: no HSTS")
    step("home", status=home.status)

    gz = client.get("/", headers={"Accept-Encoding": "gzip"})
    expect(gz.header("content-encoding") == "gzip", "home: nginx did not gzip the page")
    step("gzip", encoding="gzip")

    # 2. An instant-book asset from the API that needs no driving licence (the API has no
    # profile endpoint to add one), its page; 3. a quote for three days
    listing = client.get("/api/v1/assets?limit=100")
    expect(listing.status == 200, f"assets: {listing.status} {listing.body[:300]!r}")
    candidates = [
        a
        for a in listing.json()["items"]
        if a["booking_mode"] == "instant" and a["category"] not in {"cars"}
    ]
    expect(bool(candidates), "no instant-book asset without a licence rule in the collection")
    offset = 40 + secrets.randbelow(300)  # a fresh range: the demo may hold some dates
    start = time.strftime("%Y-%m-%d", time.gmtime(time.time() + offset * 86400))
    end = time.strftime("%Y-%m-%d", time.gmtime(time.time() + (offset + 3) * 86400))
    asset, quote = None, None
    for candidate in candidates:
        quote = client.post(
            "/api/v1/quotes", {"asset": candidate["slug"], "start": start, "end": end}
        )
        if quote.status == 200 and quote.json()["available"] is True:
            asset = candidate
            break
    expect(asset is not None and quote is not None, f"no quote: {quote and quote.body[:300]!r}")
    assert asset is not None and quote is not None
    step(
        "quote", asset=asset["slug"], total=quote.json()["total"], currency=quote.json()["currency"]
    )
    page = client.get(f"/assets/{asset['slug']}/")
    expect(page.status == 200, f"asset page: {page.status}")
    expect(asset["name"].encode() in page.body, "asset page: the asset's name is missing")
    step("asset page", slug=asset["slug"])

    # 4. Register; the worker delivers the verification email; open the link; a token
    email, auth = register_customer(topo, client)
    step("register + verify", via="worker -> mailbox")
    step("token")

    # 5. Book (a hold) and pay with the sandbox's 4242 card
    booked = client.post(
        "/api/v1/bookings",
        {"asset": asset["slug"], "start": start, "end": end, "accept_terms": True},
        headers={**auth, "Idempotency-Key": f"topology-{secrets.token_hex(6)}"},
    )
    expect(booked.status == 201, f"book: {booked.status} {booked.body[:300]!r}")
    reference = booked.json()["reference"]
    expect(
        booked.json()["total"] == quote.json()["total"],
        f"book: total {booked.json()['total']} differs from the quote {quote.json()['total']}",
    )
    step("book", reference=reference, status=booked.json()["status"])

    paid = client.post(f"/api/v1/bookings/{reference}/pay", {"card_number": VISA}, headers=auth)
    expect(paid.status == 200, f"pay: {paid.status} {paid.body[:300]!r}")
    expect(paid.json()["status"] == "succeeded", f"pay: {paid.json()['status']}")
    state = client.get(f"/api/v1/bookings/{reference}", headers=auth).json()["status"]
    expect(state == "confirmed", f"booking is {state}, not confirmed")
    subject, _ = wait_for_mail(topo, email, "Confirmed:")
    step("pay (sandbox 4242)", status=state, email=subject)

    # 6. Static files from disk: hashed names cached for a year, gzip from .gz files
    manifest = json.loads((topo.static_root / "staticfiles.json").read_text())["paths"]
    css = min(
        (name for name in manifest if name.endswith(".css")),
        key=lambda name: (name.startswith("admin/"), name),  # Midas's own stylesheet first
    )
    hashed = client.get(f"/static/{manifest[css]}", headers={"Accept-Encoding": "gzip"})
    expect(hashed.status == 200, f"static {manifest[css]}: {hashed.status}")
    cache_control = hashed.header("cache-control")
    expect(
        cache_control == "public, max-age=31536000, immutable",
        f"static hashed: Cache-Control {cache_control!r}",
    )
    expect(hashed.header("content-encoding") == "gzip", "static: not served gzipped")
    expect("text/css" in hashed.header("content-type"), "static: not text/css")
    plain = client.get(f"/static/{css}")
    expect(plain.status == 200, f"static {css}: {plain.status}")
    expect("immutable" not in plain.header("cache-control"), "unhashed static marked immutable")
    missing = client.get("/static/no-such-file.css")
    expect(missing.status == 404, f"missing static: {missing.status}")
    # nginx writes a request's log line after the response has gone out: under load the
    # client can be faster than the line, so read the log until all three are there (5 s).
    deadline = time.monotonic() + 5
    while (static_hits := len(topo.static_log.read_text().splitlines())) < 3:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    expect(static_hits >= 3, "static requests reached the app servers")
    step("static", file=manifest[css], cache_control=cache_control)

    # 7. Both app servers served: $upstream_addr in nginx's access log
    for _ in range(6):
        client.get("/about/")
    served: Counter[str] = Counter()
    for line in topo.access_log.read_text().splitlines():
        entry = json.loads(line)
        for address in filter(None, (a.strip() for a in entry["upstream_addr"].split(","))):
            served[address] += 1
    expected = {f"127.0.0.1:{port}" for port in topo.app_ports}
    expect(
        expected <= {a for a, n in served.items() if n},
        f"not every app server served requests: {dict(served)} (expected {sorted(expected)})",
    )
    step("load balanced", upstreams=dict(served))

    topo.check_alive()
    report["requests"] = client.requests
    report["upstreams"] = dict(served)
    report["booking"] = reference
    return report


# --- CLI --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["smoke", "up"])
    parser.add_argument("--json", action="store_true", help="print the smoke report as JSON")
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per app server")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.monotonic()
    topo = Topology(app_servers=args.app_servers, gunicorn_workers=args.workers, log=say)
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C, so close() still runs
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        topo.start()
        if args.command == "up":
            say(f"Midas is up at {topo.base_url}/ (send Host: {HOST_NAME}); Ctrl-C stops it")
            say(f"logs: {topo.tmp}/logs and {topo.tmp}/nginx/logs")
            while True:
                time.sleep(1)
                topo.check_alive()
        report = smoke(topo, log=say)
        report["ok"] = True
        report["database"] = topo.db_name
        report["pids"] = {proc.name: proc.popen.pid for proc in topo.procs}
        report["seconds"] = round(time.monotonic() - started, 1)
        if args.json:
            print(json.dumps(report))
        else:
            say(f"smoke passed in {report['seconds']}s ({report['requests']} requests)")
        return 0
    except TopologyError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc)}))
        say(f"FAILED: {exc}")
        for proc in topo.procs:
            say(f"--- {proc.name} (last lines)\n{proc.tail(15)}")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        topo.close()


if __name__ == "__main__":
    sys.exit(main())
