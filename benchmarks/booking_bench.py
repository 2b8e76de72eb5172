"""Bookings under load: 200 customers on distinct slots and 200 customers on one slot, booked
and paid through the real HTTP path, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/booking_bench.py                 # SQLite
    .venv/bin/python benchmarks/booking_bench.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/booking_bench.py --quick         # one round, fewer customers

What it does, in order:

1. a scratch site as ``http_bench.py`` makes it (``MIDAS_ENV=production``; a SQLite file in a
   temporary directory, or a scratch PostgreSQL database ``midas_booking_bench_<random>``,
   dropped at the end): migrate, the demo collection, and ``--customers`` verified customers
   (2 per round plus the contended ones), each with its own API bearer token;
2. the production server (``midas serve``'s configuration: gunicorn gthread, preload) on a
   free loopback port, in its own process group;
3. one trial booking per instant-book asset far ahead, which keeps the assets the API books
   (201) and warms every worker; then the bare-view ceiling (``/bench/ceiling/``) at the
   same concurrency, for the machine's state;
4. **distinct**: each customer books its own slot (``POST /api/v1/bookings``, with an
   ``Idempotency-Key`` and ``accept_terms``), all at once through ``--connections``
   keep-alive connections; then each pays it (``POST /api/v1/bookings/<ref>/pay``, sandbox
   card 4242...); ``--rounds`` times with fresh slots;
5. **contended**: ``--customers`` other customers book the same slot at once: exactly one
   201, the others 409 ``slot_unavailable``; the winner pays;
6. checks in the database that the contended slot holds one active booking and that every
   booking written has its outbox message (same transaction), and prints writes/s, p50/p95/
   p99, errors and winners; the figures also go to ``benchmarks/results/booking-*.json``.

An error is any answer other than 201 (and, contended, 409); a 5xx or a dropped connection is
an error, never a "loser". The load generator runs on the same cores as the server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.http_bench import (  # noqa: E402
    CEILING_PATH,
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
PG_SCRATCH_PREFIX = "midas_booking_bench"
CARD = "4242424242424242"  # the sandbox's test card that succeeds
UNITS = {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}
UNITS["night"] = UNITS["day"]


# --- The children: prepare the site, check it afterwards ------------------------------------


def prepare(out: Path, customers: int) -> None:
    """Migrate, load the demo, make the customers and their tokens, and list each
    instant-book asset's free slots; all to ``out`` as JSON."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from midas.accounts.authentication import api_token_issue
    from midas.accounts.models import User
    from midas.bookings.selectors import is_free
    from midas.catalog.models import Asset
    from midas.demo import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    now = timezone.now()
    password = make_password(None)  # unusable: these customers only use their tokens
    User.objects.bulk_create(
        User(
            email=f"bench-{i}@example.com",
            first_name="Bench",
            last_name=f"Customer {i}",
            date_of_birth=dt.date(1985, 4, 12),
            licence_number=f"B{i:07d}",
            licence_country="AE",
            licence_expiry=now.date() + dt.timedelta(days=3 * 365),
            email_verified_at=now,
            password=password,
        )
        for i in range(customers)
    )
    users = User.objects.filter(email__startswith="bench-").order_by("id")
    tokens = [api_token_issue(user=user, name="booking bench")[1] for user in users]

    assets = []
    for asset in (
        Asset.objects.active()
        .filter(booking_mode="instant", pricing_unit__in=list(UNITS))
        .select_related("home_location")
        .order_by("id")
    ):
        if asset.jet_profile is not None:
            continue  # a jet by flight time books a route, not a window
        length = UNITS[asset.pricing_unit] * max(asset.min_duration, 1)
        step = length + dt.timedelta(minutes=asset.turnaround_minutes) + dt.timedelta(days=1)
        first = (now + dt.timedelta(hours=asset.min_notice_hours) + dt.timedelta(days=3)).date()
        last = (now + dt.timedelta(days=asset.max_advance_days - 3)).date()
        tz = asset.home_location.tz
        start = dt.datetime.combine(first, dt.time(10))
        slots = []
        while start.date() < last:
            end = start + length
            if is_free(asset, start.replace(tzinfo=tz), end.replace(tzinfo=tz)):  # not the demo's
                slots.append(
                    [start.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")]
                )
            start = dt.datetime.combine((start + step).date() + dt.timedelta(days=1), dt.time(10))
        assets.append({"slug": asset.slug, "slots": slots})
    out.write_text(json.dumps({"tokens": tokens, "assets": assets}))


def check(out: Path, contended_asset: str, references: list[str]) -> None:
    """After the run: the active bookings on the contended slot (its customers' idempotency
    keys are ``c-<i>``), how many of the acknowledged references exist, and the outbox rows."""
    import django

    django.setup()
    from midas.bookings.models import Booking
    from midas.notifications.models import OutboxMessage

    active = ("requested", "held", "confirmed", "in_progress")
    contended = Booking.objects.filter(
        asset__slug=contended_asset, status__in=active, idempotency_key__startswith="c-"
    ).count()
    found = Booking.objects.filter(reference__in=references).count()
    outbox = OutboxMessage.objects.count()
    out.write_text(
        json.dumps({"contended_active": contended, "written": found, "outbox_rows": outbox})
    )


# --- Load -----------------------------------------------------------------------------------


@dataclass
class Phase:
    database: str
    scenario: str
    requests: int = 0
    seconds: float = 0.0
    per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    winners: int | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    load_avg: float = 0.0


def pct(samples: list[float], p: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def drive(port: int, jobs: list[dict], connections: int) -> list[tuple[int, float, bytes]]:
    """Send every job (method, path, body, headers) through ``connections`` keep-alive
    connections, all released at once; (status, seconds, body) per job, in job order. A
    status 0 is a failed connection."""
    todo: queue.Queue[int] = queue.Queue()
    for i in range(len(jobs)):
        todo.put(i)
    results: list[tuple[int, float, bytes]] = [(0, 0.0, b"")] * len(jobs)
    go = threading.Barrier(connections)

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.connect()
        go.wait()
        while True:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                break
            job = jobs[i]
            body = json.dumps(job["body"]).encode() if "body" in job else None
            headers = {"Content-Type": "application/json", **job.get("headers", {})}
            began = time.perf_counter()
            try:
                conn.request(job["method"], job["path"], body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
                results[i] = (response.status, time.perf_counter() - began, content)
            except (OSError, http.client.HTTPException):
                results[i] = (0, time.perf_counter() - began, b"")
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def measure(
    database: str,
    scenario: str,
    port: int,
    jobs: list[dict],
    connections: int,
    ok: set[int],
) -> tuple[Phase, list[tuple[int, float, bytes]]]:
    began = time.perf_counter()
    results = drive(port, jobs, min(connections, len(jobs)))
    seconds = time.perf_counter() - began
    latencies = [r[1] * 1000 for r in results]
    statuses: dict[str, int] = {}
    for status, _, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    phase = Phase(
        database=database,
        scenario=scenario,
        requests=len(jobs),
        seconds=round(seconds, 3),
        per_s=round(len(jobs) / seconds, 1),
        p50_ms=round(pct(latencies, 50), 2),
        p95_ms=round(pct(latencies, 95), 2),
        p99_ms=round(pct(latencies, 99), 2),
        errors=sum(1 for r in results if r[0] not in ok),
        statuses=statuses,
        load_avg=round(os.getloadavg()[0], 2),
    )
    return phase, results


def booking_job(token: str, key: str, asset: str, slot: list[str]) -> dict:
    return {
        "method": "POST",
        "path": "/api/v1/bookings",
        "body": {"asset": asset, "start": slot[0], "end": slot[1], "accept_terms": True},
        "headers": {"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    }


def pay_job(token: str, reference: str) -> dict:
    return {
        "method": "POST",
        "path": f"/api/v1/bookings/{reference}/pay",
        "body": {"card_number": CARD},
        "headers": {"Authorization": f"Bearer {token}"},
    }


def print_table(phases: list[Phase], out=sys.stdout) -> None:
    header = (
        f"{'database':<10} {'scenario':<22} {'requests':>8} {'per s':>8} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'winners':>7} {'load':>5}"
    )
    out.write(header + "\n" + "-" * len(header) + "\n")
    for p in phases:
        winners = "" if p.winners is None else str(p.winners)
        out.write(
            f"{p.database:<10} {p.scenario:<22} {p.requests:>8} {p.per_s:>8.1f} {p.p50_ms:>8.2f} "
            f"{p.p95_ms:>8.2f} {p.p99_ms:>8.2f} {p.errors:>6} {winners:>7} {p.load_avg:>5.1f}\n"
        )
    out.flush()


# Issue 14's targets for bookings on distinct slots, per database; every phase: p99 and no
# error; the contended slot: exactly one winner.
TARGET_WRITES_PER_S = {"SQLite": 300.0, "PostgreSQL": 500.0}
TARGET_P99_MS = 100.0


def verdicts(phases: list[Phase]) -> list[tuple[str, str, bool]]:
    """(what, measured, met) for each target, from the phases of one run."""
    rows = []
    for p in phases:
        if p.scenario == "book, distinct slots" and p.database in TARGET_WRITES_PER_S:
            want = TARGET_WRITES_PER_S[p.database]
            rows.append(
                (f"{p.database} bookings/s >= {want:.0f}", f"{p.per_s:.1f}", p.per_s >= want)
            )
        rows.append(
            (
                f"{p.scenario}: p99 <= {TARGET_P99_MS:.0f} ms, 0 errors",
                f"{p.p99_ms:.1f} ms, {p.errors} error(s)",
                p.p99_ms <= TARGET_P99_MS and not p.errors,
            )
        )
        if p.winners is not None:
            rows.append(("one slot: exactly one winner", str(p.winners), p.winners == 1))
    return rows


def print_verdicts(rows: list[tuple[str, str, bool]], out=sys.stdout) -> None:
    out.write("\ntargets (issue 14):\n")
    for what, measured, met in rows:
        out.write(f"  {what:<48} {measured:<24} {'met' if met else 'NOT MET'}\n")


# --- Orchestration --------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="midas-booking-bench-"))
    server: subprocess.Popen | None = None
    pg_created = ""  # the scratch database this run made
    log = scratch / "server.log"
    n = args.customers
    try:
        if args.database_url:
            pg_created, database_url = create_database(args.database_url, PG_SCRATCH_PREFIX)
        else:
            database_url = f"sqlite:///{scratch / 'midas.sqlite3'}"
        env = child_env(args, scratch, database_url)
        label = "PostgreSQL" if args.database_url else "SQLite"
        print(
            f"commit {commit()}; load {os.getloadavg()[0]:.2f}; scratch {scratch}; "
            f"database {label}; preparing..."
        )
        site_file = scratch / "site.json"
        began = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                __file__,
                "_prepare",
                str(site_file),
                str(n * (args.rounds + 1) + 100),
            ],
            env=env,
            cwd=scratch,
            check=True,
            timeout=900,
        )
        site = json.loads(site_file.read_text())
        tokens: list[str] = site["tokens"]
        print(f"prepared in {time.monotonic() - began:.1f} s")

        port = free_port()
        command = [sys.executable, str(HTTP_BENCH), "_serve", str(port)]
        command += ["--threads", str(args.threads)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                command,
                env=env,
                cwd=scratch,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(f"http://{HOST}:{port}{CEILING_PATH}", server, log)

        # Trial bookings (far ahead, one warm-up customer each): the assets the API books.
        candidates = [a for a in site["assets"] if len(a["slots"]) > 4]
        trials = [
            booking_job(tokens.pop(), f"trial-{a['slug']}", a["slug"], a["slots"][-1])
            for a in candidates
        ]
        answers = drive(port, trials, min(4, len(trials)))
        bookable = []
        for trial, answer in zip(trials, answers, strict=True):
            if answer[0] == 201:
                bookable.append(next(a for a in candidates if a["slug"] == trial["body"]["asset"]))
            elif args.verbose:
                print(f"  not bookable: {trial['body']['asset']} {answer[0]} {answer[2][:160]!r}")
        if not bookable:
            raise RuntimeError(f"no asset could be booked:\n{answers[:3]}\n{tail(log)}")
        print(f"server pid {server.pid} on port {port}; {len(bookable)} instant-book assets")

        phases: list[Phase] = []
        ceiling, _ = measure(
            label,
            "ceiling (GET bare view)",
            port,
            [{"method": "GET", "path": CEILING_PATH}] * (n * 5),
            args.connections,
            {200},
        )
        phases.append(ceiling)

        # Distinct slots: customer i takes slot (asset i % A, window i // A + round offset).
        written: list[str] = []
        slot_index = 0
        for round_ in range(args.rounds):
            customers = tokens[round_ * n : (round_ + 1) * n]
            jobs = []
            for i, token in enumerate(customers):
                asset = bookable[(slot_index + i) % len(bookable)]
                window = (slot_index + i) // len(bookable)
                jobs.append(
                    booking_job(token, f"d{round_}-{i}", asset["slug"], asset["slots"][window])
                )
            slot_index += n
            created, results = measure(
                label, "book, distinct slots", port, jobs, args.connections, {201}
            )
            phases.append(created)
            refs = [
                (token, json.loads(r[2])["reference"])
                for token, r in zip(customers, results, strict=True)
                if r[0] == 201
            ]
            written += [ref for _, ref in refs]
            paid, _ = measure(
                label,
                "pay, distinct slots",
                port,
                [pay_job(token, ref) for token, ref in refs],
                args.connections,
                {200},
            )
            phases.append(paid)

        # Contended: n more customers on one slot, all at once.
        rivals = tokens[args.rounds * n : (args.rounds + 1) * n]
        target = bookable[0]
        slot = target["slots"][-2]
        jobs = [booking_job(t, f"c-{i}", target["slug"], slot) for i, t in enumerate(rivals)]
        contended, results = measure(
            label, "book, one slot", port, jobs, args.connections, {201, 409}
        )
        winners = [(t, r) for t, r in zip(rivals, results, strict=True) if r[0] == 201]
        contended.winners = len(winners)
        phases.append(contended)
        written += [json.loads(r[2])["reference"] for _, r in winners]
        if server.poll() is not None:
            raise RuntimeError(f"the server died during the run:\n{tail(log)}")

        check_file = scratch / "check.json"
        subprocess.run(
            [sys.executable, __file__, "_check", str(check_file), target["slug"], *written],
            env=env,
            cwd=scratch,
            check=True,
            timeout=300,
        )
        checked = json.loads(check_file.read_text())

        print()
        print_table(phases)
        print(
            f"\ncontended slot: {contended.winners} winner(s) over HTTP, "
            f"{checked['contended_active']} active booking(s) on it in the database; "
            f"{checked['written']} of "
            f"{len(written)} acknowledged bookings found; outbox rows {checked['outbox_rows']}"
        )
        targets = verdicts(phases)
        print_verdicts(targets)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        result = {
            "benchmark": "booking",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "commit": commit(),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
            "config": {
                "database": label,
                "customers": n,
                "rounds": args.rounds,
                "connections": args.connections,
                "threads": args.threads,
                "workers": args.workers,
                "bookable_assets": len(bookable),
            },
            "results": [asdict(p) for p in phases],
            "check": checked,
            "targets": [{"target": w, "measured": m, "met": ok} for w, m, ok in targets],
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = args.output or RESULTS / f"booking-{label.lower()}-{stamp}.json"
        Path(out).write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {out}")
        errors = sum(p.errors for p in phases)
        if errors:
            print(f"{errors} error(s): see the statuses in {out}")
        return 1 if errors or contended.winners != 1 else 0
    finally:
        stop(server)
        if pg_created:
            drop_database(args.database_url, pg_created)
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200, help="per scenario (200)")
    parser.add_argument("--rounds", type=int, default=3, help="distinct-slot rounds (3)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (1 per core, min 2)"
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (scratch DB)")
    parser.add_argument("--redis-url", default="", help="Redis for the cache and rate limits")
    parser.add_argument("--quick", action="store_true", help="1 round (a smoke run)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--output", help="the JSON file (default: benchmarks/results/)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds = 1
    return args


def main(argv: list[str]) -> int:
    if argv[:1] == ["_prepare"]:
        prepare(Path(argv[1]), int(argv[2]))
        return 0
    if argv[:1] == ["_check"]:
        check(Path(argv[1]), argv[2], argv[3:])
        return 0
    return bench(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
