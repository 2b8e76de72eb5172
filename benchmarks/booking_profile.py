"""In-process CPU and queries of one booking and one payment through the API.

    .venv/bin/python benchmarks/booking_profile.py                   # ms of CPU and queries
    .venv/bin/python benchmarks/booking_profile.py --profile booking # + cProfile top 40
    .venv/bin/python benchmarks/booking_profile.py --profile pay
    .venv/bin/python benchmarks/booking_profile.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/booking_profile.py --src /tmp/old/src    # another checkout's code

A scratch SQLite database in a temporary directory (or, with ``--database-url``, a scratch
PostgreSQL database ``midas_booking_profile_<random>`` on that server, dropped at the end):
migrated, the demo collection loaded, ``--bookings`` verified customers each with an API
bearer token (the booking rate limit is per customer, as in ``booking_bench.py``). Then each
customer books its own slot of one instant-book asset (``POST /api/v1/bookings`` with an
``Idempotency-Key`` and ``accept_terms``) and pays it (``POST /api/v1/bookings/<ref>/pay``,
the sandbox's card 4242...), through the Django test client and the production settings'
middleware. The first three of each are warm-up; the figure is the mean of the rest. CPU
time is ``time.process_time()`` of this process (the database server's own CPU is not in it
on PostgreSQL); say ``uptime`` with any figure.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.inprocess import use_scratch  # noqa: E402

CARD = "4242424242424242"
WARM = 3


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=60, help="measured, after 3 warm-up")
    parser.add_argument("--profile", default="", help="booking or pay")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (admin URL)")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="the code to measure")
    parser.add_argument("--queries", action="store_true", help="print one request's SQL")
    parser.add_argument("--callees", default="", help="with --profile: whom this function calls")
    args = parser.parse_args(argv)

    scratch = tempfile.mkdtemp(prefix="midas-booking-profile-")
    pg_name = ""
    database_url = f"sqlite:///{scratch}/db.sqlite3"
    if args.database_url:
        from benchmarks.scratch import create_database

        pg_name, database_url = create_database(args.database_url, "midas_booking_profile")
    use_scratch(scratch, args.src, database_url=database_url)
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if pg_name:
            from benchmarks.scratch import drop_database

            drop_database(args.database_url, pg_name)
        shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from midas.accounts.authentication import api_token_issue
    from midas.accounts.models import User
    from midas.bookings.selectors import is_free
    from midas.catalog.models import Asset
    from midas.demo import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    count = args.bookings + WARM
    now = timezone.now()
    password = make_password(None)
    User.objects.bulk_create(
        User(
            email=f"profile-{i}@example.com",
            first_name="Profile",
            last_name=f"Customer {i}",
            date_of_birth=dt.date(1985, 4, 12),
            licence_number=f"P{i:07d}",
            licence_country="AE",
            licence_expiry=now.date() + dt.timedelta(days=3 * 365),
            email_verified_at=now,
            password=password,
        )
        for i in range(count)
    )
    users = User.objects.filter(email__startswith="profile-").order_by("id")
    tokens = [api_token_issue(user=user, name="booking profile")[1] for user in users]
    asset = (
        Asset.objects.active()
        .filter(booking_mode="instant", pricing_unit="day", jet__isnull=True)
        .select_related("home_location")
        .order_by("id")
        .first()
    )
    assert asset is not None, "no instant-book asset priced by the day in the demo"
    length = dt.timedelta(days=max(asset.min_duration, 1))
    step = length + dt.timedelta(minutes=asset.turnaround_minutes) + dt.timedelta(days=2)
    first = (now + dt.timedelta(hours=asset.min_notice_hours) + dt.timedelta(days=3)).date()
    tz = asset.home_location.tz
    last = (now + dt.timedelta(days=asset.max_advance_days - 3)).date()
    slots: list[tuple[str, str]] = []
    start = dt.datetime.combine(first, dt.time(10))
    while len(slots) < count and start.date() < last:
        end = start + length
        if is_free(asset, start.replace(tzinfo=tz), end.replace(tzinfo=tz)):  # not the demo's
            slots.append((start.isoformat(timespec="minutes"), end.isoformat("T", "minutes")))
        start = dt.datetime.combine((start + step).date(), dt.time(10))
    assert len(slots) == count, "too many bookings for the asset's window: lower --bookings"
    client = Client()

    def book(i: int) -> str:
        body = {"asset": asset.slug, "start": slots[i][0], "end": slots[i][1], "accept_terms": True}
        answer = client.post(
            "/api/v1/bookings",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[i]}", "Idempotency-Key": f"p-{i}"},
        )
        assert answer.status_code == 201, (answer.status_code, answer.content[:300])
        return answer.json()["reference"]

    def pay(i: int, reference: str) -> None:
        answer = client.post(
            f"/api/v1/bookings/{reference}/pay",
            json.dumps({"card_number": CARD}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )
        assert answer.status_code == 200, (answer.status_code, answer.content[:300])

    references = [book(i) for i in range(WARM)]
    for i, ref in enumerate(references):
        pay(i, ref)

    queries: list[str] = []

    def log(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    print(f"code: {args.src}")
    print(f"database: {connection.vendor}; asset {asset.slug}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    print(f"{'request':<10} {'CPU ms':>8} {'queries':>8}")
    measured = range(WARM, count)
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall

    with connection.execute_wrapper(log):
        references = {WARM: book(WARM)}
    booking_queries = list(queries)
    queries.clear()
    if args.profile == "booking" and profiler:
        profiler.enable()
    started = time.process_time()
    for i in measured[1:]:
        references[i] = book(i)
    booking_cpu = (time.process_time() - started) / (len(measured) - 1) * 1000
    if profiler:
        profiler.disable()
    print(f"{'booking':<10} {booking_cpu:8.2f} {len(booking_queries):8d}")

    with connection.execute_wrapper(log):
        pay(WARM, references[WARM])
    pay_queries = list(queries)
    if args.profile == "pay" and profiler:
        profiler.enable()
    started = time.process_time()
    for i in measured[1:]:
        pay(i, references[i])
    pay_cpu = (time.process_time() - started) / (len(measured) - 1) * 1000
    if profiler:
        profiler.disable()
    print(f"{'payment':<10} {pay_cpu:8.2f} {len(pay_queries):8d}")

    if args.queries:
        for name, sqls in (("booking", booking_queries), ("payment", pay_queries)):
            print(f"\n-- {name}: {len(sqls)} queries")
            for sql in sqls:
                print("  ", sql[:200])
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        if args.callees:
            stats.sort_stats("cumulative").print_callees(args.callees)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
