"""The middleware buffers requests per minute and writes one row per minute and process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from midas.slo.models import RequestMinute
from midas.slo.recorder import RECORDER, MinuteRecorder, bucket_index, process_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorder(settings):
    settings.SLO_FLUSH_SECONDS = 3600  # nothing flushes by itself during the test
    RECORDER.flush()
    RequestMinute.objects.all().delete()
    yield RECORDER
    RECORDER.flush()


def slo_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "slo_requestminute" in q["sql"]]


def test_bucket_bounds_are_inclusive():
    assert bucket_index(0) == 0
    assert bucket_index(50) == 0
    assert bucket_index(50.01) == 1
    assert bucket_index(10_000) == 7
    assert bucket_index(10_000.1) == 8


def test_requests_are_buffered_then_written_once_per_minute(client, recorder):
    with CaptureQueriesContext(connection) as during:
        for _ in range(5):
            assert client.get("/robots.txt").status_code == 200
        client.get("/no-such-page/")
    assert slo_writes(during.captured_queries) == []  # no write per request
    assert RequestMinute.objects.count() == 0

    rows_touched = recorder.flush()
    assert rows_touched >= 1
    rows = RequestMinute.objects.filter(process=process_name())
    assert sum(r.count for r in rows) == 6
    assert sum(r.errors for r in rows) == 0
    assert sum(r.le_50 + r.le_100 + r.le_250 + r.le_500 for r in rows) >= 1
    assert sum(r.duration_ms_sum for r in rows) > 0


def test_minutes_and_increments(recorder):
    local = MinuteRecorder()
    t = dt.datetime(2027, 1, 4, 12, 0, 10, tzinfo=dt.UTC)
    for seconds, ms, status in [(0, 30, 200), (20, 70, 200), (49, 20_000, 503), (61, 400, 500)]:
        local.record(at=t + dt.timedelta(seconds=seconds), duration_ms=ms, status=status)
    assert local.flush() == 2
    first = RequestMinute.objects.get(minute=t.replace(second=0))
    second = RequestMinute.objects.get(minute=t.replace(minute=1, second=0))
    assert (first.count, first.errors, first.le_50, first.le_100, first.le_inf) == (3, 1, 1, 1, 1)
    assert first.duration_ms_sum == pytest.approx(20_100)
    assert (second.count, second.errors, second.le_500) == (1, 1, 1)

    # a later flush for the same minute adds to the same row (F() increments)
    local.record(at=t, duration_ms=30, status=200)
    with CaptureQueriesContext(connection) as flushing:
        local.flush()
    writes = slo_writes(flushing.captured_queries)
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE")
    first.refresh_from_db()
    assert (first.count, first.le_50) == (4, 2)
    assert RequestMinute.objects.count() == 2


def test_a_failed_flush_keeps_the_figures(recorder, monkeypatch):
    local = MinuteRecorder()
    t = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
    local.record(at=t, duration_ms=10, status=200)

    def broken(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr("midas.slo.recorder.write_minute", broken)
    assert local.flush() == 0
    assert local.pending()[t].count == 1
    monkeypatch.undo()
    local.record(at=t, duration_ms=10, status=200)
    assert local.flush() == 1
    assert RequestMinute.objects.get(minute=t).count == 2


def test_flushes_by_itself_after_the_interval(client, settings, recorder):
    client.get("/robots.txt")
    assert not RequestMinute.objects.exists()  # the test environment: no flush by itself
    settings.SLO_AUTO_FLUSH = True
    settings.SLO_FLUSH_SECONDS = 0
    client.get("/robots.txt")
    assert RequestMinute.objects.filter(process=process_name()).exists()


def test_the_flush_waits_until_the_response_is_sent(rf, settings, recorder):
    """The minute's write happens when the server closes the response (after sending it),
    so the customer whose request falls due never waits for it."""
    from midas.slo.middleware import RequestMetricsMiddleware

    settings.SLO_AUTO_FLUSH = True
    settings.SLO_FLUSH_SECONDS = 0
    middleware = RequestMetricsMiddleware(lambda request: HttpResponse("ok"))
    response = middleware(rf.get("/robots.txt"))
    assert not RequestMinute.objects.exists()
    request_finished.disconnect(close_old_connections)  # as the test client does
    try:
        response.close()  # what gunicorn does once the body is written
    finally:
        request_finished.connect(close_old_connections)
    assert RequestMinute.objects.get(process=process_name()).count == 1


def own_requests(route: str, status: str) -> float:
    from midas.slo.prometheus import REQUESTS

    value = REQUESTS.get_sample_value(
        "midas_own_http_requests_total", {"route": route, "status": status}
    )
    return value or 0.0


def test_our_own_traffic_is_counted_apart_never_in_the_slo(client, recorder, settings):
    """Health, readiness, metrics and anything with the synthetic pass (probes, smoke)."""
    from midas.core.synthetic import synthetic_pass

    before = own_requests("ops:healthz", "200")
    assert client.get("/healthz").status_code == 200
    client.get("/readyz")
    client.get("/metrics")  # loopback: allowed
    assert client.get("/", headers=synthetic_pass()).status_code == 200  # a probe's request
    recorder.flush()
    assert not RequestMinute.objects.filter(process=process_name()).exists()
    assert own_requests("ops:healthz", "200") == before + 1
    assert client.get("/").status_code == 200  # a customer's
    recorder.flush()
    assert sum(r.count for r in RequestMinute.objects.filter(process=process_name())) == 1


def test_a_forged_pass_is_a_customer_request(client, recorder):
    assert client.get("/", headers={"X-Smoke-Token": "not-a-pass"}).status_code == 200
    recorder.flush()
    assert sum(r.count for r in RequestMinute.objects.filter(process=process_name())) == 1


def test_planned_maintenance_is_not_an_error_in_the_slo(client, recorder):
    from midas.ops.services import maintenance_disable, maintenance_enable

    maintenance_enable(message="Polishing the fleet", retry_after=120)
    assert client.get("/").status_code == 503
    maintenance_disable()
    recorder.flush()
    rows = RequestMinute.objects.filter(process=process_name())
    assert (sum(r.count for r in rows), sum(r.errors for r in rows)) == (1, 0)
