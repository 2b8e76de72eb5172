"""Live chat under load: 200 open streams on the stream process do not starve page requests,
and a line said through the WSGI server reaches the stream process's browser in time.

    .venv/bin/python benchmarks/chat_bench.py                       # SQLite: the poll bus
    .venv/bin/python benchmarks/chat_bench.py --redis-url redis://127.0.0.1:6379/15
    .venv/bin/python benchmarks/chat_bench.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/chat_bench.py --wsgi --streams 12   # no stream process

1. A scratch site (``MIDAS_ENV=production``; SQLite, or a scratch PostgreSQL database):
   migrate, the demo collection, static files, ``live_chat`` on, one member of staff on duty,
   ``--streams`` anonymous conversations (each with its visitor's token).
2. Starts gunicorn as ``midas serve`` does (gthread, 1 worker per core, min 2, x 4 threads) and the
   stream process, ``midas chat-stream`` (uvicorn, one event loop), on free ports.
3. Pages alone: ``--clients`` threads request the home and an asset page for ``--duration``
   seconds; p50/p95/p99 and requests/s.
4. Opens ``--streams`` SSE connections to the stream process (one per conversation, each
   with its visitor's cookie), waits until each has its first events, and measures the pages
   again with the streams open.
5. Delivery: while the pages are loaded again, ``--messages`` lines are posted as the
   visitors (``POST /chat/<id>/say`` to gunicorn, one conversation after another, ~10/s);
   each line's time from the POST to its arrival on its stream (the other process) is
   recorded: p50/p95/max, and any line that never arrives.

Figures only; nothing is asserted. The load generator shares the machine (2 cores here).
Results are printed and written as JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.http_bench import (  # noqa: E402
    HOST,
    RESULTS,
    child_env,
    free_port,
    stop,
    tail,
    wait_until_up,
)
from benchmarks.scratch import create_database, drop_database  # noqa: E402

HTTP_BENCH = REPO / "benchmarks" / "http_bench.py"
PG_SCRATCH_PREFIX = "midas_chat_bench"  # + a random suffix (benchmarks/scratch.py)


# --- The child: prepare the site ------------------------------------------------------------


def prepare(out: Path, streams: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from midas.accounts.models import User
    from midas.catalog.models import Asset
    from midas.concierge.chat.services import chat_start, duty_on
    from midas.demo import load_demo
    from midas.flags.services import flag_write

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    call_command("collectstatic", interactive=False, verbosity=0)
    flag_write(key="live_chat", state="on")
    staff = User.objects.create_user(
        "bench-staff@midas.example", "x" * 20, is_staff=True, first_name="Bench"
    )
    duty_on(user=staff)
    asset = Asset.objects.active().first()
    conversations = []
    for n in range(streams):
        conversation, token = chat_start(
            name=f"Visitor {n}", email=f"v{n}@example.com", body="Hello", page="/"
        )
        conversations.append({"id": conversation.pk, "token": token})
    out.write_text(
        json.dumps(
            {
                "pages": ["/", asset.get_absolute_url() if asset else "/about/"],
                "conversations": conversations,
            }
        )
    )


# --- Page load ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load_pages(port: int, pages: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        n = i
        while time.monotonic() < stop_at:
            path = pages[n % len(pages)]
            n += 1
            began = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            took = time.perf_counter() - began
            with lock:
                if ok:
                    latencies.append(took * 1000)
                else:
                    errors += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


# --- The streams ----------------------------------------------------------------------------


class Streams:
    """``count`` SSE connections in one event loop of a thread of their own; each message's
    arrival time (perf_counter) by id."""

    def __init__(self, port: int, conversations: list[dict]) -> None:
        self.port = port
        self.conversations = conversations
        self.arrived: dict[int, float] = {}
        self.ready = 0
        self.failed: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.tasks = [self.loop.create_task(self._one(c)) for c in self.conversations]
        with contextlib.suppress(Exception):
            self.loop.run_until_complete(asyncio.gather(*self.tasks, return_exceptions=True))

    async def _one(self, conversation: dict) -> None:
        """One visitor's EventSource: reconnects after the stream's ``retry`` with the last
        id it saw (a stream ends after CHAT_STREAM_MAX_SECONDS, or at once when a WSGI
        process's streams are all taken)."""
        last, retry, counted = 0, 2.0, False
        while True:
            try:
                reader, writer = await asyncio.open_connection(HOST, self.port)
                writer.write(
                    (
                        f"GET /chat/events/{conversation['id']} HTTP/1.1\r\n"
                        f"Host: {HOST}:{self.port}\r\nAccept: text/event-stream\r\n"
                        f"Last-Event-ID: {last}\r\nConnection: close\r\n"
                        f"Cookie: midas_chat={conversation['token']}\r\n\r\n"
                    ).encode()
                )
                await writer.drain()
                status_line = await reader.readline()
                if b" 200 " not in status_line:
                    self.failed.append(status_line.decode(errors="replace").strip())
                    return
                while True:
                    line = await reader.readline()
                    if not line:
                        break
                    if line.startswith(b"retry: "):
                        retry = int(line[7:]) / 1000
                    if line.startswith(b"event: status") and not counted:
                        counted = True
                        self.ready += 1
                    if line.startswith(b'data: {"id"'):
                        now = time.perf_counter()
                        message_id = json.loads(line[6:])["id"]
                        last = max(last, message_id)
                        self.arrived.setdefault(message_id, now)
                writer.close()
            except (OSError, asyncio.IncompleteReadError) as exc:
                self.failed.append(repr(exc))
                return
            await asyncio.sleep(retry)

    def close(self) -> None:
        for task in self.tasks:
            self.loop.call_soon_threadsafe(task.cancel)
        self.thread.join(10)


def csrf_token(port: int, token: str) -> str:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/chat/state", headers={"Cookie": f"midas_chat={token}"})
    response = conn.getresponse()
    response.read()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("csrftoken="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise RuntimeError(f"no CSRF cookie from /chat/state ({response.status})")


def deliver(port: int, streams: Streams, conversations: list[dict], count: int) -> dict:
    sent: dict[int, float] = {}
    failures = 0
    targets = [conversations[i % len(conversations)] for i in range(count)]
    tokens = {c["id"]: csrf_token(port, c["token"]) for c in {c["id"]: c for c in targets}.values()}
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for n, conversation in enumerate(targets):
        body = json.dumps({"body": f"line {n}"})
        csrf = tokens[conversation["id"]]
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": csrf,
            "Cookie": f"midas_chat={conversation['token']}; csrftoken={csrf}",
        }
        began = time.perf_counter()
        conn.request("POST", f"/chat/{conversation['id']}/say", body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 201:
            failures += 1
            print(f"  POST say: {response.status} {answer[:200]!r}")
            continue
        sent[json.loads(answer)["id"]] = began
        time.sleep(0.1)
    conn.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(m in streams.arrived for m in sent):
        time.sleep(0.05)
    latencies = [(streams.arrived[m] - t) * 1000 for m, t in sent.items() if m in streams.arrived]
    return {
        "sent": len(sent),
        "post_failures": failures,
        "lost": sum(1 for m in sent if m not in streams.arrived),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.mean(latencies), 1) if latencies else None,
    }


# --- The run --------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="midas-chat-bench-"))
    web = stream = None
    pg_created = ""  # the scratch database this run made
    try:
        if args.database_url:
            pg_created, database_url = create_database(args.database_url, PG_SCRATCH_PREFIX)
        else:
            database_url = f"sqlite:///{scratch / 'midas.sqlite3'}"
        env = child_env(args, scratch, database_url)
        env["RATE_LIMITS_ENABLED"] = "false"  # one address posts every visitor's lines
        env["SITE_URL"] = "https://midas.example"  # the stream command's system checks want it
        bus = "redis" if args.redis_url else ("postgres" if args.database_url else "poll")
        print(f"scratch {scratch}; bus {bus}; preparing ({args.streams} conversations)...")
        data_file = scratch / "chat.json"
        subprocess.run(
            [sys.executable, __file__, "_prepare", str(data_file), str(args.streams)],
            env=env,
            cwd=scratch,
            check=True,
            timeout=600,
        )
        data = json.loads(data_file.read_text())
        web_port, stream_port = free_port(), free_port()
        web_log, stream_log = scratch / "web.log", scratch / "stream.log"
        with web_log.open("wb") as log:
            web = subprocess.Popen(
                [sys.executable, str(HTTP_BENCH), "_serve", str(web_port), "--threads", "4"],
                env=env,
                cwd=scratch,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if args.wsgi:  # the embedded default: gunicorn serves the streams, a thread each
            stream_port, stream_log = web_port, web_log
        else:
            with stream_log.open("wb") as log:
                stream = subprocess.Popen(
                    [sys.executable, "-m", "midas", "chat-stream", "--port", str(stream_port)],
                    env=env,
                    cwd=scratch,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        wait_until_up(f"http://{HOST}:{web_port}/", web, web_log)
        if stream is not None:
            wait_until_up(f"http://{HOST}:{stream_port}/healthz", stream, stream_log)
        pages = data["pages"]
        where = (
            "gunicorn itself (CHAT_STREAM_PORT=0)" if args.wsgi else f"chat-stream :{stream_port}"
        )
        print(f"gunicorn :{web_port}, streams on {where}; pages {pages}")

        results: dict = {
            "bus": bus,
            "streams": args.streams,
            "streams_on": "wsgi" if args.wsgi else "chat-stream",
            "machine": platform.machine(),
        }
        load_pages(web_port, pages, args.clients, 2)  # warm-up: every worker, every cache
        results["pages_alone"] = load_pages(web_port, pages, args.clients, args.duration)
        print(f"pages alone ({args.clients} clients):          {results['pages_alone']}")

        streams = Streams(stream_port, data["conversations"])
        began = time.monotonic()
        streams.start()
        while streams.ready + len(streams.failed) < args.streams and time.monotonic() - began < 60:
            time.sleep(0.1)
        results["streams_open"] = {
            "ready": streams.ready,
            "failed": len(streams.failed),
            "seconds_to_open": round(time.monotonic() - began, 2),
        }
        print(f"streams: {results['streams_open']}")
        if streams.failed:
            print(f"  first failures: {streams.failed[:3]}\n{tail(stream_log, 20)}")

        results["pages_with_streams"] = load_pages(web_port, pages, args.clients, args.duration)
        print(f"pages with {streams.ready} streams open:     {results['pages_with_streams']}")

        loaded: dict = {}
        pages_thread = threading.Thread(
            target=lambda: loaded.update(
                load_pages(web_port, pages, args.clients, args.messages * 0.1 + 2)
            )
        )
        pages_thread.start()
        try:
            results["delivery"] = deliver(web_port, streams, data["conversations"], args.messages)
        except (OSError, RuntimeError) as exc:  # the WSGI default, its threads all streaming
            results["delivery"] = {"error": repr(exc)}
        pages_thread.join()
        results["pages_during_delivery"] = loaded
        print(f"delivery across processes ({bus} bus):   {results['delivery']}")
        print(f"pages meanwhile:                         {results['pages_during_delivery']}")
        streams.close()

        RESULTS.mkdir(parents=True, exist_ok=True)
        label = f"{bus}-wsgi" if args.wsgi else bus
        output = args.output or RESULTS / f"chat-{label}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        output.write_text(json.dumps(results, indent=2))
        print(f"written to {output}")
        return 0
    finally:
        stop(stream)
        stop(web)
        if pg_created:
            drop_database(args.database_url, pg_created)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8, help="page-load threads (default 8)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page measure")
    parser.add_argument("--database-url", help="a PostgreSQL server to make a scratch DB on")
    parser.add_argument("--redis-url", help="Redis for the cache and the chat's bus")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: 1 per core, min 2)")
    parser.add_argument(
        "--wsgi",
        action="store_true",
        help="no stream process: gunicorn serves the streams (the embedded default)",
    )
    parser.add_argument("--output", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "_prepare":
        prepare(Path(argv[1]), int(argv[2]))
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return bench(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
