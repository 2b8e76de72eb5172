"""In-process CPU per request (and queries) of the dynamic public pages, optionally profiled.

    .venv/bin/python benchmarks/pages_profile.py                 # ms of CPU and queries per page
    .venv/bin/python benchmarks/pages_profile.py --profile listing-dates   # + cProfile top 40
    .venv/bin/python benchmarks/pages_profile.py --src /tmp/old/src        # another checkout's code

A scratch SQLite database in a temporary directory (migrated, demo collection loaded), the
Django test client with the production settings' middleware, anonymous visitors. Pages that
the page cache could serve are requested with ``PAGE_CACHE_SECONDS=0`` semantics: each
request bypasses the page cache by changing nothing but a throwaway query parameter the
views ignore (``_n``), so the figures are what a miss or a live page costs. CPU time is
``time.process_time()`` of this process, so the load on the machine matters less than for
wall time; still, say ``uptime`` with any figure.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
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
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5, help="the best of this many rounds")
    parser.add_argument("--profile", default="", help="a page name to profile")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="the code to measure")
    args = parser.parse_args(argv)

    scratch = tempfile.mkdtemp(prefix="midas-pages-profile-")
    use_scratch(scratch, args.src)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from midas.catalog.models import Asset
    from midas.demo import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    call_command("collectstatic", interactive=False, verbosity=0)
    asset = (
        Asset.objects.active()
        .select_related("category", "home_location")
        .filter(category__slug="cars")
        .order_by("-is_featured", "-base_rate_minor", "name")
        .first()
    )
    assert asset is not None
    day = timezone.localdate() + dt.timedelta(days=30)
    dates = f"start={day:%Y-%m-%d}&end={day + dt.timedelta(days=3):%Y-%m-%d}"
    city = asset.home_location.slug
    pages = {
        "listing-city-dates": f"/collection/cars/?city={city}&{dates}",
        "listing-dates": f"/collection/?{dates}",
        "listing": "/collection/?_n={n}",
        "asset": f"{asset.get_absolute_url()}?_n={{n}}",
    }
    client = Client()
    # as the server's master does before it forks (midas.server): what setting up made is
    # out of the collector's reach, or a full collection every few hundred requests walks it
    gc.collect()
    gc.freeze()
    print(f"code: {args.src}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    print(f"{'page':<22} {'CPU ms':>8} {'queries':>8}")
    for name, path in pages.items():
        for n in range(3):  # warm
            assert client.get(path.format(n=f"w{n}")).status_code == 200, path
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path.format(n="q"))
        rounds = []  # the best round: the least disturbed by the other processes
        for r in range(args.rounds):
            started = time.process_time()
            for n in range(args.repeat):
                client.get(path.format(n=f"{r}-{n}"))
            rounds.append((time.process_time() - started) / args.repeat * 1000)
        cpu = min(rounds)
        print(f"{name:<22} {cpu:8.2f} {len(queries):8d}")
        if name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for n in range(args.repeat):
                client.get(path.format(n=f"p{n}"))
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
        reset_queries()
    connection.close()
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
