"""In-process CPU per request of the page cache's hits next to the bare ceiling view.

    .venv/bin/python benchmarks/page_hit_profile.py                 # ms of CPU, queries, ratio
    .venv/bin/python benchmarks/page_hit_profile.py --profile home  # + cProfile top 40
    .venv/bin/python benchmarks/page_hit_profile.py --src /tmp/old/src   # another checkout's code

The HTTP benchmark compares cached pages with ``/bench/ceiling/`` (``benchmarks.bench_urls``:
a fixed response through the same middleware stack); what a hit costs beyond the ceiling is
the page cache's hit path and whatever else runs for a page but not for the ceiling. A
scratch SQLite database (migrated, demo collection loaded), the production settings with the
benchmark's URLs, the Django test client as a browser that accepts gzip and Brotli, anonymous
visitors; each page warmed (a miss, then hits) before it is timed. The best of ``--rounds``
rounds of ``--repeat`` requests; CPU time is ``time.process_time()`` of this process, so the
load on the machine matters less than for wall time; still, say ``uptime`` with any figure.
"""

from __future__ import annotations

import argparse
import cProfile
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
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5, help="the best of this many rounds")
    parser.add_argument("--profile", default="", help="a page name to profile")
    parser.add_argument("--callers", default="", help="with --profile: callers of these")
    parser.add_argument("--dump", type=Path, help="with --profile: write the pstats file here")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="the code to measure")
    args = parser.parse_args(argv)

    scratch = tempfile.mkdtemp(prefix="midas-page-hit-profile-")
    use_scratch(scratch, args.src, settings_module="benchmarks.bench_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from midas.catalog.models import Asset
    from midas.demo import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    call_command("collectstatic", interactive=False, verbosity=0)
    asset = Asset.objects.active().order_by("-is_featured", "-base_rate_minor", "name").first()
    assert asset is not None
    pages = {
        "ceiling": "/bench/ceiling/",
        "home": "/",
        "listing": "/collection/cars/",
        "asset": asset.get_absolute_url(),
    }
    client = Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    print(f"code: {args.src}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    print(f"{'page':<10} {'CPU ms':>8} {'queries':>8} {'of ceiling':>11}  X-Cache")
    ceiling = 0.0
    for name, url in pages.items():
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
        state = response.get("X-Cache", "-")
        assert name == "ceiling" or state == "hit", (name, state)
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        best = float("inf")
        for _ in range(args.rounds):
            started = time.process_time()
            for _ in range(args.repeat):
                client.get(url)
            best = min(best, (time.process_time() - started) / args.repeat * 1000)
        ceiling = ceiling or best
        share = f"{ceiling / best:11.0%}"
        print(f"{name:<10} {best:8.3f} {len(queries):8d} {share}  {state}")
        if name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                client.get(url)
            profiler.disable()
            stats = pstats.Stats(profiler)
            if args.dump:
                stats.dump_stats(args.dump)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
            if args.callers:
                stats.print_callers(args.callers)
    connection.close()
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
