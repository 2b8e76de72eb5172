"""Prometheus metrics: request counters by route, and business figures read at scrape time.

Two kinds of metric:

- **per process** (``midas_http_requests_total``, ``midas_http_request_duration_seconds``),
  counted in the process that served the request;
- **from the database** (bookings by state, payments by kind and status, outbox backlog and
  failures, hold expiries, job lag), computed by ``DatabaseCollector`` on every scrape, so
  any process gives the same answer.
- **the cache** (``midas_cache_fallback``: 1 while Redis is unreachable and the scraped
  process serves the cache from its own memory), read by ``CacheCollector`` on every scrape.

Several app processes (docs/explanation/slo.md): with ``PROMETHEUS_MULTIPROC_DIR`` set
(to an empty directory, before the processes start) prometheus_client keeps the per-process
metrics in files there and a scrape of any process sums them all (``MultiProcessCollector``).
Without it, each process reports only its own requests: scrape every process (one target
per process/port) and sum in PromQL.
"""

from __future__ import annotations

import os

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from midas.core.cache import breakers
from midas.insights.prometheus import InsightsCollector

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = CollectorRegistry(auto_describe=True)
REQUEST_COUNT = Counter(
    "midas_http_requests",
    "HTTP requests served, by route (URL pattern name), method and status",
    ["route", "method", "status"],
    registry=REQUESTS,
)
OWN_REQUEST_COUNT = Counter(
    "midas_own_http_requests",
    "Our own requests (health, readiness, metrics, probes, smoke), kept out of the SLO",
    ["route", "status"],
    registry=REQUESTS,
)
REQUEST_LATENCY = Histogram(
    "midas_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and status",
    ["route", "status"],
    buckets=LATENCY_BUCKETS,
    registry=REQUESTS,
)


def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_COUNT.labels(route=route, method=method, status=str(status)).inc()
    REQUEST_LATENCY.labels(route=route, status=str(status)).observe(seconds)


def observe_own(*, route: str, status: int) -> None:
    OWN_REQUEST_COUNT.labels(route=route, status=str(status)).inc()


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class DatabaseCollector(Collector):
    """Business figures counted in the database at scrape time (a few indexed COUNTs)."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult, get_date_max

        from midas.backups.selectors import verified_state
        from midas.bookings.models import Booking, BookingStatus
        from midas.notifications.models import OutboxMessage, OutboxStatus
        from midas.payments.models import Payment

        bookings = GaugeMetricFamily("midas_bookings", "Bookings by state", labels=["state"])
        counts = dict(Booking.objects.values_list("status").annotate(n=Count("pk")))
        for state in BookingStatus.values:
            bookings.add_metric([state], counts.get(state, 0))
        yield bookings

        yield CounterMetricFamily(
            "midas_hold_expiries",
            "Holds and requests that expired unpaid (bookings in state expired)",
            value=counts.get(BookingStatus.EXPIRED, 0),
        )

        payments = GaugeMetricFamily(
            "midas_payments", "Payment rows by kind and status", labels=["kind", "status"]
        )
        rows = Payment.objects.values_list("kind", "status").annotate(n=Count("pk"))
        for kind, status, n in rows.order_by("kind", "status"):
            payments.add_metric([kind, status], n)
        yield payments

        outbox = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("pk")))
        backlog = GaugeMetricFamily(
            "midas_outbox_backlog", "Outbox messages waiting for delivery", labels=["status"]
        )
        for status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
            backlog.add_metric([status], outbox.get(status, 0))
        yield backlog
        yield GaugeMetricFamily(
            "midas_outbox_failed",
            "Outbox messages given up after the last attempt",
            value=outbox.get(OutboxStatus.FAILED, 0),
        )

        ready = DBTaskResult.objects.ready()
        now = timezone.now()
        oldest = ready.filter(run_after=get_date_max()).aggregate(t=Min("enqueued_at"))["t"]
        due = ready.exclude(run_after=get_date_max()).aggregate(t=Min("run_after"))["t"]
        since = min((t for t in (oldest, due) if t is not None), default=None)
        yield GaugeMetricFamily(
            "midas_jobs_ready", "Background jobs ready to run", value=ready.count()
        )
        yield GaugeMetricFamily(
            "midas_job_lag_seconds",
            "Age of the oldest job ready to run (0 when none waits)",
            value=max(0.0, (now - since).total_seconds()) if since else 0.0,
        )

        backups = verified_state(now)
        if backups.age_seconds is not None:  # never verified: no sample (alert on absent())
            yield GaugeMetricFamily(
                "midas_backup_last_verified_age_seconds",
                "Age of the newest backup verification that passed",
                value=backups.age_seconds,
            )
        yield GaugeMetricFamily(
            "midas_backup_verify_failed",
            "1 when the newest backup's latest verification failed",
            value=1.0 if backups.failed else 0.0,
        )
        yield GaugeMetricFamily(
            "midas_backup_offsite_failed",
            "1 when the newest backup's latest copy to (or check in) S3 failed",
            value=1.0 if backups.offsite_failed else 0.0,
        )


class CacheCollector(Collector):
    """This process's view of Redis (``midas.core.cache``), read at scrape time: every
    process shares the one Redis, so the scraped process speaks for the others."""

    def collect(self):
        fallback = GaugeMetricFamily(
            "midas_cache_fallback",
            "1 while this process serves the cache from its own memory (Redis unreachable)",
            labels=["cache"],
        )
        lost = CounterMetricFamily(
            "midas_cache_fallback_opened",
            "Times this process lost Redis and turned to its own memory",
            labels=["cache"],
        )
        for breaker in breakers():
            fallback.add_metric([breaker.name], 1.0 if breaker.is_open else 0.0)
            lost.add_metric([breaker.name], breaker.outages)
        yield fallback
        yield lost


def render() -> bytes:
    """The whole exposition: request metrics (this process, or all of them in
    multiprocess mode) followed by the database figures."""
    directory = multiprocess_dir()
    if directory:
        from prometheus_client import multiprocess

        per_process = CollectorRegistry()
        multiprocess.MultiProcessCollector(per_process, path=directory)
    else:
        per_process = REQUESTS
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    database.register(CacheCollector())
    database.register(InsightsCollector())  # the analytics' headline gauges (7 days)
    return generate_latest(per_process) + generate_latest(database)
