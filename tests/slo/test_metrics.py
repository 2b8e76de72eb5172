"""``GET /metrics``: access rules, and the exposition parsed with prometheus_client."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from midas.bookings.models import BookingStatus
from midas.bookings.services import booking_expire_holds
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment
from tests.factories import NOW, make_booking, make_paid_booking

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    families = text_string_to_metric_families(response.content.decode())
    return {family.name: family for family in families}


def samples(family, name: str | None = None) -> dict[tuple, float]:
    return {
        tuple(sorted(s.labels.items())): s.value
        for s in family.samples
        if name is None or s.name == name
    }


def test_loopback_only_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 200
    far = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert far.status_code == 403
    assert far.json()["error"]["code"] == "metrics_loopback_only"
    proxied = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 403


def test_bearer_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert missing.json()["error"]["code"] == "metrics_token_required"
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    ok = client.get(
        "/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token", REMOTE_ADDR="203.0.113.9"
    )
    assert ok.status_code == 200


def test_request_metrics_by_route_name(client, settings):
    settings.METRICS_TOKEN = ""
    client.get("/robots.txt")
    client.get("/robots.txt")
    client.get("/assets/no-such-asset/")
    families = scrape(client)
    requests = samples(families["midas_http_requests"], "midas_http_requests_total")
    robots = requests[(("method", "GET"), ("route", "web:robots"), ("status", "200"))]
    assert robots >= 2
    assert (("method", "GET"), ("route", "web:asset"), ("status", "404")) in requests
    assert not any("no-such-asset" in dict(k)["route"] for k in requests)  # never raw paths
    latency = families["midas_http_request_duration_seconds"]
    assert latency.type == "histogram"
    buckets = {
        dict(k)["le"]
        for k in samples(latency, "midas_http_request_duration_seconds_bucket")
        if dict(k)["route"] == "web:robots"
    }
    assert {"0.05", "2.5", "+Inf"} <= buckets


def test_business_figures_from_the_database(client, settings):
    settings.METRICS_TOKEN = ""
    make_paid_booking()
    make_booking()  # held
    booking_expire_holds(now=NOW + dt.timedelta(days=1))  # the hold expires
    families = scrape(client)

    states = samples(families["midas_bookings"])
    assert states[(("state", "confirmed"),)] == 1
    assert states[(("state", "expired"),)] == 1
    assert states[(("state", "cancelled"),)] == 0  # every state present, zeros included
    assert families["midas_hold_expiries"].type == "counter"
    assert samples(families["midas_hold_expiries"])[()] == 1

    payments = samples(families["midas_payments"])
    expected = {}
    for kind, status in Payment.objects.values_list("kind", "status"):
        key = (("kind", kind), ("status", status))
        expected[key] = expected.get(key, 0) + 1
    assert payments == expected and expected

    backlog = samples(families["midas_outbox_backlog"])
    pending = OutboxMessage.objects.filter(status="pending").count()
    assert backlog[(("status", "pending"),)] == pending
    assert backlog[(("status", "sending"),)] == 0
    assert samples(families["midas_outbox_failed"])[()] == 0
    assert BookingStatus.EXPIRED in {dict(k)["state"] for k in states}


def test_job_lag_is_the_oldest_ready_job(client, settings):
    settings.METRICS_TOKEN = ""
    families = scrape(client)
    assert samples(families["midas_job_lag_seconds"])[()] == 0
    from midas.slo.tasks import slo_retention

    slo_retention.enqueue()
    DBTaskResult.objects.update(enqueued_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=120))
    families = scrape(client)
    assert samples(families["midas_jobs_ready"])[()] == 1
    assert 119 <= samples(families["midas_job_lag_seconds"])[()] < 200


def test_multiprocess_mode_sums_every_process(client, settings, tmp_path, monkeypatch):
    """With PROMETHEUS_MULTIPROC_DIR a scrape reads the files every process writes."""
    from prometheus_client import CollectorRegistry, Counter, values

    settings.METRICS_TOKEN = ""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    before = values.ValueClass
    try:
        for pid in (101, 102):  # two app processes, each counting one request
            values.ValueClass = values.MultiProcessValue(lambda pid=pid: pid)
            counter = Counter(
                "midas_http_requests",
                "HTTP requests",
                ["route", "method", "status"],
                registry=CollectorRegistry(),
            )
            counter.labels(route="web:home", method="GET", status="200").inc()
    finally:
        values.ValueClass = before
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    families = scrape(client)
    requests = samples(families["midas_http_requests"], "midas_http_requests_total")
    assert requests[(("method", "GET"), ("route", "web:home"), ("status", "200"))] == 2
    assert "midas_bookings" in families  # the database figures come along
