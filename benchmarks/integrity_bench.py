"""What the data-integrity rollback trigger costs as reservations pile up.

    .venv/bin/python benchmarks/integrity_bench.py [--sizes 100000,1000000] [--recent 1000]
    .venv/bin/python benchmarks/integrity_bench.py --database-url postgres://postgres@127.0.0.1:5432/postgres

A scratch database (SQLite in a temporary directory, or on the given PostgreSQL server a
database ``midas_integrity_bench_<random>``, dropped at the end: benchmarks/scratch.py), the demo
collection, a fleet of 1,000 assets and the reservation
table filled as ``availability_bench.py`` fills it. All rows are then dated as written two
days ago except ``--recent`` random ones written now. It times each check of
``midas.launch.response.integrity`` as the trigger runs it every minute (reservations written in the
last 24 h against all others) and the full overlap pass of
``midas launch triggers --integrity-full``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--recent", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--skip-full", action="store_true", help="not the full overlap pass")
    args = parser.parse_args()
    if not args.database_url:
        return measure(args, "")
    from benchmarks.scratch import create_database, drop_database

    name, url = create_database(args.database_url, "midas_integrity_bench")
    try:
        return measure(args, url)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(args.database_url, name)


def measure(args: argparse.Namespace, database_url: str) -> int:
    os.environ.update(
        MIDAS_VAR_DIR=tempfile.mkdtemp(prefix="midas-integrity-bench-"),
        DJANGO_SETTINGS_MODULE="midas.settings",
        LOG_LEVEL="ERROR",
    )
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from benchmarks.availability_bench import analyse, fill_reservations, grow_fleet
    from midas.bookings.models import Reservation
    from midas.catalog.models import Asset
    from midas.demo import load_demo
    from midas.launch.response import integrity

    call_command("migrate", verbosity=0)
    load_demo()
    vendor = connection.vendor
    templates = list(Asset.objects.active().order_by("pk"))
    fleet = list(Asset.objects.order_by("pk").only("pk", "turnaround_minutes"))
    now = timezone.now()
    span_start = now.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=365)
    for size in [int(s) for s in args.sizes.split(",")]:
        grow_fleet(templates, fleet, 1000)
        fill_reservations(vendor, fleet[:1000], size, 1, span_start)
        Reservation.objects.update(updated_at=now - dt.timedelta(days=2))
        recent = list(Reservation.objects.order_by("?").values_list("pk", flat=True)[: args.recent])
        Reservation.objects.filter(pk__in=recent).update(updated_at=now)
        analyse(vendor)
        since = now - dt.timedelta(hours=24)
        for name, check in integrity.CHECKS.items():
            began = time.perf_counter()
            found = check(since=since) if name == "reservation_overlap" else check()
            ms = (time.perf_counter() - began) * 1000
            print(f"{vendor:<10} {size:>9,} rows  {name:<22} {ms:9.1f} ms  {len(found)} found")
        if not args.skip_full:
            began = time.perf_counter()
            integrity.reservation_overlap()
            ms = (time.perf_counter() - began) * 1000
            print(f"{vendor:<10} {size:>9,} rows  {'overlap, every row':<22} {ms:9.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
