"""What first-party analytics cost: recording per request, and the metric query at 1M views.

    .venv/bin/python benchmarks/insights_bench.py record [--requests 20000] [--database-url ...]
    .venv/bin/python benchmarks/insights_bench.py metrics [--views 1000000]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

``record``: the page-view middleware called directly (Django's request objects, a rendered
200 ``text/html`` response, an anonymous browser with a referrer and UTM tags), against the
same chain without it: the difference is the cost added to a request, with the batched
writes (one ``bulk_create`` per ``INSIGHTS_FLUSH_SIZE`` views) counted in and apart.

``metrics``: a scratch database seeded with ``--views`` raw page views over 30 days (about
4 views per session, a third of sessions bouncing, mixed devices, cities and categories),
rolled up day by day (timed), then the dashboard's metric query over the month compared
with the month before (``selectors.period_metrics``), timed over 20 runs — unfiltered and
filtered by city and category. On SQLite (a temporary file) and, with ``--database-url``,
PostgreSQL (a scratch database ``midas_insights_bench_<pid>``, dropped afterwards): one
database per run.
Figures are printed and written to ``benchmarks/results/insights_<mode>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def setup(database_url: str | None) -> None:
    scratch = tempfile.mkdtemp(prefix="midas-insights-bench-")
    os.environ.update(
        MIDAS_VAR_DIR=scratch,
        DJANGO_SETTINGS_MODULE="midas.settings",
        LOG_LEVEL="ERROR",
        INSIGHTS_AUTO_FLUSH="true",
    )
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_record(requests: int) -> dict:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from midas.insights.middleware import PageViewMiddleware
    from midas.insights.models import PageView
    from midas.insights.recorder import RECORDER

    page = HttpResponse(b"<!doctype html><title>x</title>", content_type="text/html")
    factory = RequestFactory()
    match = resolve("/")

    def make(i: int):
        request = factory.get(
            "/",
            {"utm_source": "news", "utm_medium": "email"},
            HTTP_USER_AGENT=PHONE,
            HTTP_REFERER="https://www.google.com/",
            REMOTE_ADDR=f"198.51.{i % 200}.{i % 250}",
        )
        request.user = AnonymousUser()
        request.resolver_match = match
        return request

    bare = lambda request: page  # noqa: E731 - the chain without the middleware
    recorded = PageViewMiddleware(bare)
    batch = [make(i) for i in range(2000)]

    def run(handler) -> float:
        """Fresh request objects each time (nothing parsed or cached on them yet)."""
        fresh = [make(i) for i in range(requests)]
        started = time.perf_counter()
        for request in fresh:
            handler(request)
        return (time.perf_counter() - started) / requests * 1000

    recorded(batch[0])  # the day's salt, read once
    RECORDER.flush()
    base = min(run(bare) for _ in range(3))
    RECORDER.flush()
    PageView.objects.all().delete()
    connection.queries_log.clear()
    with_flushes = min(run(recorded) for _ in range(3))
    written = PageView.objects.count()
    from django.conf import settings

    settings.INSIGHTS_AUTO_FLUSH = False
    without_flushes = min(run(recorded) for _ in range(3))
    RECORDER.clear()
    # the batched write alone, per view
    from midas.insights.middleware import build_view

    views = [build_view(batch[i % len(batch)]) for i in range(settings.INSIGHTS_FLUSH_SIZE)]
    started = time.perf_counter()
    for _ in range(5):
        for view in views:
            RECORDER.add_view(view)
        RECORDER.flush()
    flush_per_view = (time.perf_counter() - started) / (5 * len(views)) * 1000
    figures = {
        "requests": requests,
        "database": connection.vendor,
        "chain_without_ms": round(base, 5),
        "added_in_request_ms": round(without_flushes - base, 5),
        "added_with_batched_writes_ms": round(with_flushes - base, 5),
        "flush_per_view_ms": round(flush_per_view, 5),
        "views_written": written,
        "flush_size": settings.INSIGHTS_FLUSH_SIZE,
    }
    print(f"recording, {requests} requests on {connection.vendor}:")
    print(f"  added in the request (buffer append):        {figures['added_in_request_ms']:.4f} ms")
    print(
        f"  added with the batched writes amortised:     "
        f"{figures['added_with_batched_writes_ms']:.4f} ms"
    )
    print(f"  one batched write, per view:                 {flush_per_view:.4f} ms")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["record", "metrics"])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--views", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.insights_metrics_bench import drop_database, run_metrics, scratch_database

    if args.mode == "record":
        url, name = scratch_database(args.database_url) if args.database_url else ("", "")
        setup(url or None)
        try:
            figures = bench_record(args.requests)
        finally:
            if url:
                from django.db import connection

                connection.close()
                drop_database(args.database_url, name)
    else:
        figures = run_metrics(args, setup)
    suffix = "_" + figures["database"]
    (RESULTS / f"insights_{args.mode}{suffix}.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
