"""How fast availability reads stay as reservations pile up, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/availability_bench.py                       # SQLite only
    .venv/bin/python benchmarks/availability_bench.py \
        --database-url postgres://postgres@127.0.0.1:5432/postgres          # SQLite, then PG
    .venv/bin/python benchmarks/availability_bench.py --quick               # 10k and 100k rows

For each database it makes a scratch database (a SQLite file in a temporary directory; on
PostgreSQL a scratch database ``midas_availability_bench_<random>`` created on the given server
and dropped at the end, benchmarks/scratch.py),
migrates and loads the demo collection (``midas.demo.load_demo``). The fleet is the
demo's assets plus generated copies of them, spread evenly over every category and city, up
to ``--assets`` (default 1,000; or, with ``--per-asset N``, a fleet that grows with the
table). For each size (10k, 100k, 1M by default) the reservation table is emptied and
refilled: the rows spread evenly over the fleet, back to back over ~3 years (from a year ago
to two years ahead), so the denser the calendar the shorter the rentals; no two active rows
of one asset overlap (turnaround included); ~10% are blocks, ~5% released (cancelled) rows
that may overlap. Rows go in with ``bulk_create`` in batches on SQLite and ``COPY`` on
PostgreSQL; then ``ANALYZE`` (``VACUUM ANALYZE`` on PostgreSQL, as autovacuum would).

At each size it times, after a warm-up, ``--queries`` calls (default 500) of

* ``free_assets(category + city, start, end)`` for random 1-7 day ranges in the span, and
* ``busy_periods(asset, month)`` for a random asset and a random month of the span,

and prints p50/p95/p99 in milliseconds, with the plan of the occupancy query (``EXPLAIN
QUERY PLAN`` / ``EXPLAIN (ANALYZE, BUFFERS)``) at the largest size. The target is p95 under
20 ms at 1M rows. Results also go to ``benchmarks/results/availability-<time>.json``.

Each database is measured in its own child process (Django reads its settings once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.scratch import create_database, drop_database  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
PG_SCRATCH_PREFIX = "midas_availability_bench"  # + a random suffix (benchmarks/scratch.py)
TARGET_P95_MS = 20.0
SPAN_DAYS = 3 * 365


# --- The worker: one database, every size --------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        # nearest-rank
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return round(ordered[rank - 1] * 1000, 3)

    return {"p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_ms": pct(100)}


def reservation_rows(
    rng: random.Random, count: int, turnaround_minutes: int, span_start: dt.datetime
) -> list[tuple]:
    """``count`` rows (kind, status, start, end, occupied_until) for one asset over ~3 years:
    back to back with random lengths and gaps, so the denser the calendar, the shorter the
    rentals (at 1,000 rows per asset a rental lasts ~16 h on average). No two active rows
    overlap, turnaround included; ~5% are released (cancelled) rows that may overlap."""
    buffer = dt.timedelta(minutes=turnaround_minutes)
    cycle = dt.timedelta(days=SPAN_DAYS) / max(1, count)
    usable = max(dt.timedelta(hours=1), cycle - buffer)
    t = span_start + rng.random() * usable
    out: list[tuple] = []
    while len(out) < count:
        length = max(dt.timedelta(minutes=30), usable * rng.uniform(0.2, 1.0))
        start, end = t, t + length
        if rng.random() < 0.05:  # a cancelled booking, released: may overlap anything
            out.append(("booking", "released", start, end, end + buffer))
            continue
        kind = "booking" if rng.random() >= 0.1 else rng.choice(["maintenance", "owner_use"])
        until = end + (buffer if kind == "booking" else dt.timedelta(0))
        out.append((kind, "active", start, end, until))
        t = until + usable * rng.uniform(0, 0.8)
    return out


def grow_fleet(templates: list, fleet: list, wanted: int) -> None:
    """Append generated assets (copies of the demo's, every category in every city) until
    the fleet has ``wanted`` assets."""
    from midas.catalog.models import Asset, Location

    if len(fleet) >= wanted:
        return
    locations = list(Location.objects.all())
    by_category: dict[int, list] = {}
    for asset in templates:
        by_category.setdefault(asset.category_id, []).append(asset)
    categories = sorted(by_category)
    new = []
    for n in range(len(fleet), wanted):
        category = categories[n % len(categories)]
        location = locations[(n // len(categories)) % len(locations)]
        source = by_category[category][n % len(by_category[category])]
        copy = Asset(
            **{
                f.attname: getattr(source, f.attname)
                for f in Asset._meta.concrete_fields
                if not f.primary_key
            }
        )
        copy.slug = f"bench-{n}"
        copy.name = f"{source.name} #{n}"
        copy.home_location_id = location.pk
        copy.currency = location.currency
        copy.is_featured = False
        new.append(copy)
    Asset.objects.bulk_create(new, batch_size=500)
    fleet.extend(
        Asset.objects.filter(slug__in=[a.slug for a in new])
        .order_by("pk")
        .only("pk", "turnaround_minutes")
    )


def insert_rows(vendor: str, batch: list[tuple]) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from midas.bookings.models import Reservation

    now = timezone.now()
    if vendor == "postgresql":
        columns = (
            'asset_id, kind, status, start, "end", occupied_until, reference, note, '
            "released_at, created_at, updated_at"
        )
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY bookings_reservation ({columns}) FROM STDIN") as copy,
        ):
            for asset_id, ref, kind, status, start, end, until in batch:
                released = now if status == "released" else None
                copy.write_row(
                    (asset_id, kind, status, start, end, until, ref, "", released, now, now)
                )
        return
    objects = [
        Reservation(
            asset_id=asset_id,
            kind=kind,
            status=status,
            start=start,
            end=end,
            occupied_until=until,
            reference=ref,
            released_at=now if status == "released" else None,
        )
        for asset_id, ref, kind, status, start, end, until in batch
    ]
    with transaction.atomic():
        Reservation.objects.bulk_create(objects, batch_size=2000)


def fill_reservations(
    vendor: str, fleet: list, size: int, seed: int, span_start: dt.datetime
) -> None:
    """Empty the table, then spread ``size`` rows evenly over ``fleet``, inserted in the
    order they would have been booked."""
    from django.db import connection

    from midas.bookings.models import Reservation

    # a scratch database: rows that point at reservations (bookings) go too
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("TRUNCATE bookings_reservation CASCADE")
        else:
            for relation in Reservation._meta.related_objects:
                relation.related_model._base_manager.all().delete()
            cursor.execute("DELETE FROM bookings_reservation")
    each, extra = divmod(size, len(fleet))
    rows: list[tuple] = []
    for index, asset in enumerate(fleet):
        rng = random.Random(f"{seed}:{size}:{index}")
        calendar = reservation_rows(
            rng, each + (index < extra), asset.turnaround_minutes, span_start
        )
        # booked some days before it starts: the key the table is filled in, so that as in
        # real life one asset's rows are scattered over the heap, not side by side
        rows.extend(
            (
                row[2] - dt.timedelta(hours=rng.randrange(24 * 90)),
                asset.pk,
                f"BN-{asset.pk}-{k}",
                *row,
            )
            for k, row in enumerate(calendar)
        )
    rows.sort(key=lambda row: row[0])
    for at in range(0, len(rows), 50_000):
        insert_rows(vendor, [row[1:] for row in rows[at : at + 50_000]])


def analyse(vendor: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE bookings_reservation")
            cursor.execute("ANALYZE catalog_asset")
        else:
            cursor.execute("ANALYZE")


def explain_last_query(vendor: str, call) -> str:
    """The plan of the last SQL statement ``call()`` runs, exactly as the selector sent it
    (so the plan follows the code, whatever it becomes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    sql = captured.captured_queries[-1]["sql"]
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    if vendor == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(" | ".join(str(c) for c in r) for r in rows)


def measure(vendor: str, queries: int, rng: random.Random, span_start: dt.datetime) -> dict:
    from django.db import connection, reset_queries

    from midas.bookings.models import Reservation
    from midas.bookings.selectors import busy_periods, free_assets, month_bounds
    from midas.catalog.models import Asset

    assets = list(Asset.objects.active().select_related("home_location"))
    groups: dict[tuple[int, int], list[int]] = {}
    for asset in assets:
        groups.setdefault((asset.category_id, asset.home_location_id), []).append(asset.pk)
    pairs = sorted(groups)
    last_start = SPAN_DAYS - 8

    def a_range() -> tuple[dt.datetime, dt.datetime]:
        start = span_start + dt.timedelta(days=rng.randrange(last_start), hours=rng.randrange(24))
        return start, start + dt.timedelta(days=rng.randint(1, 7))

    def a_month(asset) -> tuple[dt.datetime, dt.datetime]:
        day = (span_start + dt.timedelta(days=rng.randrange(SPAN_DAYS - 31))).date()
        return month_bounds(day.year, day.month, asset.home_location.tz)

    def time_free() -> float:
        category, location = rng.choice(pairs)
        start, end = a_range()
        began = time.perf_counter()
        free_assets(
            Asset.objects.active().filter(category_id=category, home_location_id=location),
            start,
            end,
        )
        return time.perf_counter() - began

    def time_busy() -> float:
        asset = rng.choice(assets)
        start, end = a_month(asset)
        began = time.perf_counter()
        busy_periods(asset, start, end)
        return time.perf_counter() - began

    for _ in range(max(20, queries // 10)):  # warm caches and connections
        time_free()
        time_busy()
    reset_queries()
    free = [time_free() for _ in range(queries)]
    busy = [time_busy() for _ in range(queries)]

    # the plans of the occupancy queries behind both, for the largest group
    category, location = max(pairs, key=lambda p: len(groups[p]))
    start, end = a_range()
    plan_free = explain_last_query(
        vendor,
        lambda: free_assets(
            Asset.objects.active().filter(category_id=category, home_location_id=location),
            start,
            end,
        ),
    )
    asset = rng.choice(assets)
    m_start, m_end = a_month(asset)
    plan_busy = explain_last_query(vendor, lambda: busy_periods(asset, m_start, m_end))
    connection.close()
    sizes = sorted(len(ids) for ids in groups.values())
    return {
        "rows": Reservation.objects.count(),
        "active_rows": Reservation.objects.filter(status="active").count(),
        "assets": len(assets),
        "groups": len(pairs),
        "assets_per_group": {"min": sizes[0], "median": sizes[len(sizes) // 2], "max": sizes[-1]},
        "free_assets": percentiles(free),
        "busy_periods": percentiles(busy),
        "plan_free_assets": plan_free,
        "plan_busy_periods": plan_busy,
    }


def worker(
    result_file: Path, sizes: list[int], queries: int, assets: int, per_asset: int | None, seed: int
) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from midas.bookings.models import Reservation
    from midas.catalog.models import Asset
    from midas.demo import load_demo

    vendor = connection.vendor
    label = "PostgreSQL" if vendor == "postgresql" else "SQLite"
    call_command("migrate", interactive=False, verbosity=0)
    demo_assets = load_demo()
    demo_rows = Reservation.objects.count()
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    span_start = today - dt.timedelta(days=365)
    templates = list(Asset.objects.active().order_by("pk"))
    fleet = list(Asset.objects.order_by("pk").only("pk", "turnaround_minutes"))
    rng = random.Random(seed)
    out = {
        "database": label,
        "server_version": _server_version(vendor),
        "demo_assets": demo_assets,
        "demo_reservations_replaced": demo_rows,
        "fleet": f"{per_asset} rows per asset" if per_asset else f"{assets} assets",
        "span": [span_start.isoformat(), (span_start + dt.timedelta(days=SPAN_DAYS)).isoformat()],
        "sizes": [],
    }
    for size in sizes:
        wanted = math.ceil(size / per_asset) if per_asset else assets
        wanted = max(wanted, len(templates))
        began = time.perf_counter()
        grow_fleet(templates, fleet, wanted)
        fill_reservations(vendor, fleet[:wanted], size, seed, span_start)
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        analyse(vendor)
        analysed = time.perf_counter() - began
        result = measure(vendor, queries, rng, span_start)
        result.update({"size": size, "load_s": round(loaded, 1), "analyse_s": round(analysed, 1)})
        out["sizes"].append(result)
        f, b = result["free_assets"], result["busy_periods"]
        print(
            f"[{label}] {result['rows']:>9,} rows, {result['assets']:>5} assets "
            f"(loaded in {loaded:.0f} s): free_assets p95 {f['p95_ms']:.2f} ms, "
            f"busy_periods p95 {b['p95_ms']:.2f} ms",
            flush=True,
        )
        result_file.write_text(json.dumps(out, indent=2))


def _server_version(vendor: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if vendor == "postgresql" else "SELECT sqlite_version()")
        return str(cursor.fetchone()[0]).split(" on ")[0]


# --- Orchestration --------------------------------------------------------------------------


def run_database(args: argparse.Namespace, label: str, scratch: Path) -> dict | None:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "midas.settings",
            "MIDAS_VAR_DIR": str(scratch),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("REDIS_URL", None)
    created = ""
    if label == "PostgreSQL":
        created, env["DATABASE_URL"] = create_database(args.database_url, PG_SCRATCH_PREFIX)
    else:
        env["DATABASE_URL"] = f"sqlite:///{scratch / 'availability.sqlite3'}"
    result_file = scratch / f"{label}.json"
    command = [
        sys.executable,
        __file__,
        "_worker",
        str(result_file),
        "--sizes",
        ",".join(map(str, args.sizes)),
        "--queries",
        str(args.queries),
        "--assets",
        str(args.assets),
        *(["--per-asset", str(args.per_asset)] if args.per_asset else []),
        "--seed",
        str(args.seed),
    ]
    try:
        child = subprocess.run(command, env=env, cwd=scratch, check=False)
        if child.returncode != 0:
            print(f"[{label}] the worker failed ({child.returncode})", file=sys.stderr)
        return json.loads(result_file.read_text()) if result_file.exists() else None
    finally:
        if created:
            drop_database(args.database_url, created)


def print_table(databases: list[dict], out=sys.stdout) -> None:
    header = (
        f"{'database':<11} {'rows':>10} {'assets':>6} {'per group':>9}  {'query':<13} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  {'p95 < 20 ms':>11}"
    )
    out.write(header + "\n" + "-" * len(header) + "\n")
    for db in databases:
        for size in db["sizes"]:
            for query in ("free_assets", "busy_periods"):
                p = size[query]
                ok = "yes" if p["p95_ms"] < TARGET_P95_MS else "NO"
                out.write(
                    f"{db['database']:<11} {size['rows']:>10,} {size['assets']:>6} "
                    f"{size['assets_per_group']['median']:>9}  {query:<13} {p['p50_ms']:>8.2f} "
                    f"{p['p95_ms']:>8.2f} {p['p99_ms']:>8.2f}  {ok:>11}\n"
                )
    out.flush()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[10_000, 100_000, 1_000_000],
        help="comma-separated table sizes, ascending (default 10000,100000,1000000)",
    )
    parser.add_argument("--queries", type=int, default=500, help="timed calls of each (500)")
    parser.add_argument(
        "--assets", type=int, default=1000, help="the fleet, demo included (default 1000)"
    )
    parser.add_argument(
        "--per-asset",
        type=int,
        help="instead of a fixed fleet, grow it with the table: this many rows per asset",
    )
    parser.add_argument("--seed", type=int, default=20270104)
    parser.add_argument("--database-url", help="a PostgreSQL server to make a scratch DB on")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--quick", action="store_true", help="10k and 100k rows, 200 queries")
    parser.add_argument("--output", type=Path, help="JSON file (default benchmarks/results/)")
    if argv and argv[0] == "_worker":
        parser.add_argument("result_file", type=Path)
        args = parser.parse_args(argv[1:])
        worker(args.result_file, args.sizes, args.queries, args.assets, args.per_asset, args.seed)
        return 0
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = [s for s in args.sizes if s <= 100_000] or args.sizes[:1]
        args.queries = min(args.queries, 200)
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL")
    args.sizes = sorted(args.sizes)
    labels = ([] if args.no_sqlite else ["SQLite"]) + (["PostgreSQL"] if args.database_url else [])
    if not labels:
        parser.error("nothing to measure: --no-sqlite needs --database-url")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    scratch = Path(tempfile.mkdtemp(prefix="midas-availability-bench-"))
    databases = []
    try:
        for label in labels:
            print(f"== {label}: sizes {', '.join(f'{s:,}' for s in args.sizes)}", flush=True)
            result = run_database(args, label, scratch)
            if result:
                databases.append(result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not databases:
        return 1
    print()
    print_table(databases)
    for db in databases:
        largest = db["sizes"][-1]
        print(f"\n{db['database']} at {largest['rows']:,} rows: plan of free_assets' query")
        print(largest["plan_free_assets"])
        print(f"{db['database']}: plan of busy_periods' query")
        print(largest["plan_busy_periods"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.output or RESULTS / f"availability-{stamp}.json"
    Path(out).write_text(
        json.dumps(
            {
                "benchmark": "availability",
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "queries": args.queries,
                "databases": databases,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {out}")
    return 0 if len(databases) == len(labels) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
