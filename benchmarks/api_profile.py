"""In-process CPU per request (and queries) of the quote API and the assets API.

    .venv/bin/python benchmarks/api_profile.py                  # ms of CPU and queries
    .venv/bin/python benchmarks/api_profile.py --profile quote  # + cProfile top 40
    .venv/bin/python benchmarks/api_profile.py --src /tmp/old/src   # another checkout's code

A scratch SQLite database in a temporary directory (migrated, demo collection loaded), the
Django test client with the production settings' middleware, anonymous callers; the warm
figure after three warming requests (the catalogue version does not move in between). CPU
time is ``time.process_time()`` of this process, so the load on the machine matters less
than for wall time; still, say ``uptime`` with any figure.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--profile", default="", help="a request's name (quote, assets, ...)")
    parser.add_argument("--callers", default="", help="with --profile: callers of these")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="the code to measure")
    args = parser.parse_args(argv)

    scratch = tempfile.mkdtemp(prefix="midas-api-profile-")
    use_scratch(scratch, args.src)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from midas.catalog.display_prices import display_rates
    from midas.catalog.models import Asset
    from midas.demo import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    asset = (
        Asset.objects.active()
        .filter(category__slug="cars")
        .order_by("-is_featured", "-base_rate_minor", "name")
        .first()
    )
    assert asset is not None
    day = timezone.localdate() + dt.timedelta(days=30)
    body = json.dumps(
        {"asset": asset.slug, "start": f"{day}T10:00", "end": f"{day + dt.timedelta(days=3)}T10:00"}
    )
    client = Client()
    # as the server's master does before it forks (midas.server): what setting up made is
    # out of the collector's reach, or a full collection every few hundred requests walks it
    gc.collect()
    gc.freeze()

    def quote() -> int:
        return client.post("/api/v1/quotes", body, content_type="application/json").status_code

    def assets() -> int:
        return client.get("/api/v1/assets?limit=50").status_code

    currency = next(iter(sorted(display_rates())), "USD")
    filtered = f"/api/v1/assets?limit=50&category=cars&currency={currency}&sort=price"
    dated = f"/api/v1/assets?limit=50&city=dubai&start={day}&end={day + dt.timedelta(days=3)}"

    def assets_filtered() -> int:
        return client.get(filtered).status_code

    def assets_dates() -> int:
        return client.get(dated).status_code

    print(f"code: {args.src}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    print(f"{'request':<16} {'CPU ms':>8} {'queries':>8}")
    calls = {
        "quote": quote,
        "assets": assets,
        "assets-filtered": assets_filtered,
        "assets-dates": assets_dates,
    }
    for name, call in calls.items():
        for _ in range(3):
            assert call() == 200, name
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call()
        started = time.process_time()
        for _ in range(args.repeat):
            call()
        cpu = (time.process_time() - started) / args.repeat * 1000
        print(f"{name:<16} {cpu:8.2f} {len(queries):8d}")
        if name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                call()
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
            if args.callers:
                stats.print_callers(args.callers)
    connection.close()
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
