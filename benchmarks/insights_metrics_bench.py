"""The metric-query half of ``insights_bench.py`` (see its docstring): seed, roll up, time."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

CITIES = ["dubai", "washington-dc", "houston", "atlanta", "maryland", "northern-virginia"]
CATEGORIES = ["cars", "yachts", "jets", "villas"]
DEVICES = ["mobile"] * 6 + ["desktop"] * 3 + ["tablet"]
KINDS = ["home", "listing", "asset", "asset", "quote", "checkout", "page"]
SOURCES = [("", ""), ("www.google.com", ""), ("", "newsletter"), ("instagram.com", "")]


def scratch_database(url: str) -> tuple[str, str]:
    """A fresh database on the server of ``url`` (a random name): (its URL, its name)."""
    from benchmarks.scratch import create_database

    name, scratch_url = create_database(url, "midas_insights_bench")
    return scratch_url, name


def drop_database(url: str, name: str) -> None:
    """Drop the scratch database this run made (refuses any other name)."""
    from benchmarks.scratch import drop_database as drop

    drop(url, name)


def seed(views: int, start: dt.date, days: int, rng: random.Random) -> float:
    from midas.insights.models import PageView
    from midas.insights.recorder import write_rows

    per_day = views // days
    started = time.perf_counter()
    for d in range(days):
        day = start + dt.timedelta(days=d)
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        rows, n, visitor = [], 0, 0
        while n < per_day:
            visitor += 1
            vid = f"{d:04x}{visitor:012x}"
            device = rng.choice(DEVICES)
            at = midnight + dt.timedelta(seconds=rng.randrange(0, 80_000))
            referrer, utm = rng.choice(SOURCES)
            city, category = rng.choice(CITIES), rng.choice(CATEGORIES)
            length = 1 if rng.random() < 0.33 else rng.randint(2, 8)
            for _ in range(min(length, per_day - n)):
                kind = rng.choice(KINDS)
                rows.append(
                    (at, day, vid, None, "", f"/{kind}/{rng.randrange(50)}/", kind,
                     category if kind == "listing" else "", city if kind == "listing" else "",
                     device, referrer, utm, "", "")
                )  # fmt: skip
                at += dt.timedelta(seconds=rng.randint(20, 400))
                n += 1
        for i in range(0, len(rows), 20_000):
            write_rows(PageView, rows[i : i + 20_000])
    return time.perf_counter() - started


def run_metrics(args, setup) -> dict:
    url, name = ("", "")
    if args.database_url:
        url, name = scratch_database(args.database_url)
    setup(url or None)
    from django.db import connection

    from midas.insights.selectors import Period, period_metrics
    from midas.insights.services import rollup_day

    rng = random.Random(12)
    days = 30
    start = dt.date(2027, 3, 1)
    try:
        seeded = seed(args.views, start, days, rng)
        print(f"{connection.vendor}: seeded {args.views:,} page views over {days} days "
              f"in {seeded:.1f} s")  # fmt: skip
        started = time.perf_counter()
        for d in range(days):
            rollup_day(day=start + dt.timedelta(days=d))
        rolled = time.perf_counter() - started
        print(f"  rollup: {rolled:.1f} s for {days} days ({rolled / days * 1000:.0f} ms a day)")
        month = Period(start, start + dt.timedelta(days=days))
        timings = {}
        for label, period in [
            ("month vs the month before", month),
            ("filtered: one city", Period(month.start, month.end, city="dubai")),
            ("filtered: city and category", Period(month.start, month.end, "dubai", "cars")),
        ]:
            period_metrics(period)  # warm
            runs = []
            for _ in range(20):
                t0 = time.perf_counter()
                period_metrics(period)
                runs.append((time.perf_counter() - t0) * 1000)
            runs.sort()
            timings[label] = {
                "median_ms": round(statistics.median(runs), 2),
                "max_ms": round(runs[-1], 2),
            }
            print(f"  metrics, {label}: median {statistics.median(runs):.1f} ms, "
                  f"max {runs[-1]:.1f} ms")  # fmt: skip
        return {
            "database": connection.vendor,
            "views": args.views,
            "seed_s": round(seeded, 1),
            "rollup_s": round(rolled, 1),
            "metrics": timings,
        }
    finally:
        if url:
            connection.close()
            drop_database(args.database_url, name)
