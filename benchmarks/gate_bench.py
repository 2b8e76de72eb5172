"""What the launch's access gate and feature flags cost per request, in-process.

    .venv/bin/python benchmarks/gate_bench.py [--requests 3000]

A scratch SQLite database in a temporary directory (migrated, demo collection loaded); the
home page requested through Django's test client (the whole middleware stack, page cache on)
by returning visitors, in four gate states:

* wide open (public, 100 %, no cap): the gate returns at once;
* public at 50 % (each visitor carries its signed cookie: bucket and last answer);
* public at 50 % with a capacity cap of 10,000 active visitors;
* beta only, anonymous visitors turned away (the opening-soon page).

For each it prints requests/s, mean and p95 in milliseconds and the database queries per
request, then the cost of one ``flag_enabled`` read (warm per-process memo). No network.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="midas-gate-bench-")
    os.environ.update(
        MIDAS_VAR_DIR=scratch,
        DJANGO_SETTINGS_MODULE="midas.settings",
        RATE_LIMITS_ENABLED="false",
        STATIC_MANIFEST="false",
        LOG_LEVEL="ERROR",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from midas.demo import load_demo
    from midas.flags import selectors as flags
    from midas.launch import actors
    from midas.launch.state import services
    from midas.launch.state.selectors import forget

    call_command("migrate", verbosity=0)
    load_demo()
    system = actors.system("bench")
    visitors = [Client() for _ in range(50)]
    for client in visitors:  # each gets its visitor cookie once
        client.get("/")
        client.get("/")

    def measure(label: str) -> None:
        forget()
        for client in visitors:  # the new state is remembered; cookies catch up
            client.get("/")
        timings, queries = [], 0
        started = time.perf_counter()
        for i in range(args.requests):
            client = visitors[i % len(visitors)]
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get("/")
                timings.append((time.perf_counter() - t0) * 1000)
            queries += len(captured)
        elapsed = time.perf_counter() - started
        timings.sort()
        rate, mean = args.requests / elapsed, statistics.mean(timings)
        p95, per_request = timings[int(len(timings) * 0.95)], queries / args.requests
        print(
            f"{label:<36} {rate:6.0f} req/s  mean {mean:5.2f} ms  p95 {p95:5.2f} ms"
            f"  {per_request:4.2f} q/req  (last status {response.status_code})"
        )

    measure("wide open (public 100%, no cap)")
    services.ramp_set(percent=50, actor=system, reason="bench")
    measure("public 50% (returning visitors)")
    services.capacity_set(sessions=10_000, actor=system, reason="bench")
    measure("public 50%, capacity cap 10,000")
    services.capacity_set(sessions=None, actor=system, reason="bench")
    services.gate_set(mode="beta", actor=system, reason="bench")
    measure("beta only (anonymous turned away)")

    flags.flag_enabled("booking")
    n = 200_000
    t0 = time.perf_counter()
    for _ in range(n):
        flags.flag_enabled("booking")
    per = (time.perf_counter() - t0) / n * 1e6
    print(f"flag_enabled('booking'), warm memo: {per:.2f} µs per read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
