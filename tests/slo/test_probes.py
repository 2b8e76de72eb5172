"""The probe job, with the site served in-process by Django's test client."""

from __future__ import annotations

import json

import pytest
from django.http import JsonResponse
from django.urls import path

from midas.slo.models import ProbeResult
from midas.slo.probes import run_probes
from midas.slo.selectors import latest_probe
from midas.slo.tasks import slo_probe, slo_retention
from tests.factories import make_asset

pytestmark = pytest.mark.django_db


def _readyz(request):
    state = request.GET.get("state") or READYZ["state"]
    body = {
        "status": state,
        "checks": {
            "database": [{"status": READYZ.get("database", "pass")}],
            "outbox": [{"status": READYZ["outbox"]}],
        },
    }
    return JsonResponse(body, status=503 if state == "fail" else 200)


def _home(request):
    if READYZ.get("home") == "broken":
        raise RuntimeError("template exploded")
    from midas.web.views import home

    return home(request)


READYZ: dict[str, str] = {}


@pytest.fixture
def site(settings):
    """The real URLs plus a stand-in /readyz whose answer the test chooses."""
    from midas import urls

    module = type(urls)("slo_probe_urls")
    module.urlpatterns = [path("readyz", _readyz), path("", _home), *urls.urlpatterns]
    import sys

    sys.modules["slo_probe_urls"] = module
    settings.ROOT_URLCONF = "slo_probe_urls"
    settings.SITE_URL = "http://testserver"
    READYZ.clear()
    READYZ.update(state="pass", outbox="pass")
    make_asset()
    yield
    del sys.modules["slo_probe_urls"]


def by_component(rows) -> dict[tuple[str, str], ProbeResult]:
    return {(r.target, r.component): r for r in rows}


def test_probe_job_records_every_target(site):
    slo_probe.call()
    rows = by_component(ProbeResult.objects.all())
    assert set(rows) == {
        ("home", "website"),
        ("asset", "website"),
        ("quote", "booking"),
        ("quote", "api"),
        ("readyz", "payments"),
        ("readyz", "email"),
    }
    for row in rows.values():
        assert row.ok, row
        assert row.status == 200
        assert row.latency_ms > 0
        assert row.minute == row.at.replace(second=0, microsecond=0)
    assert latest_probe("email").target == "readyz"


def test_failures_are_recorded_per_component(site):
    READYZ.update(state="warn", outbox="fail")
    rows = by_component(run_probes())
    assert rows[("readyz", "payments")].ok
    assert not rows[("readyz", "email")].ok
    assert rows[("readyz", "email")].detail == "outbox: fail"
    READYZ.update(state="fail", outbox="pass", database="fail")
    rows = by_component(run_probes())
    assert rows[("readyz", "payments")].status == 503
    assert not rows[("readyz", "payments")].ok
    assert rows[("readyz", "email")].ok  # its own check passed


def test_readyz_without_named_checks_decides_by_its_status(site, monkeypatch):
    from midas.slo import probes

    monkeypatch.setattr(probes, "_readyz_check", lambda body, *words: None)
    READYZ.update(state="fail")
    rows = by_component(run_probes())
    assert not rows[("readyz", "payments")].ok and not rows[("readyz", "email")].ok


def test_a_broken_page_is_down(site):
    READYZ["home"] = "broken"
    rows = by_component(run_probes())
    assert not rows[("home", "website")].ok
    assert rows[("home", "website")].status == 500
    assert "template exploded" in rows[("home", "website")].detail
    assert rows[("asset", "website")].ok


def test_retention_deletes_old_rows(site):
    import datetime as dt

    from django.utils import timezone

    from tests.slo.conftest import add_minute, add_probe

    now = timezone.now().replace(second=0, microsecond=0)
    add_minute(now - dt.timedelta(days=40), le_50=1)
    add_minute(now - dt.timedelta(days=30), le_50=1)
    add_probe(now - dt.timedelta(days=93))
    add_probe(now - dt.timedelta(days=89))
    assert slo_retention.call() == 2
    assert json.dumps(sorted(ProbeResult.objects.values_list("component", flat=True)))
    assert ProbeResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_http_mode_fetches_site_url(site, live_server, settings):
    settings.SLO_PROBE_MODE = "http"
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    rows = by_component(run_probes())
    assert rows[("home", "website")].ok, rows[("home", "website")].detail
    assert rows[("quote", "api")].status in (200, 422)
    assert rows[("readyz", "payments")].ok

    settings.SITE_URL = "http://127.0.0.1:9"  # nothing listens: no answer is down
    settings.SLO_PROBE_TIMEOUT = 2
    rows = by_component(run_probes())
    assert not rows[("home", "website")].ok
    assert rows[("home", "website")].status == 0
    assert rows[("home", "website")].detail


def test_the_jobs_are_scheduled():
    from midas.jobs.schedule import discover

    jobs = discover()
    assert jobs["slo_probe"].every.total_seconds() == 60
    assert jobs["slo_retention"].every.total_seconds() == 3600


def test_planned_maintenance_is_recorded_as_maintenance_not_down(site):
    from midas.ops.services import maintenance_enable

    maintenance_enable(message="Upgrading", retry_after=120)
    rows = by_component(run_probes())
    for key in [("home", "website"), ("asset", "website"), ("quote", "booking"), ("quote", "api")]:
        row = rows[key]
        assert row.maintenance and not row.ok and row.status == 503, row
        assert str(row).startswith(f"{row.component}/{row.target} maintenance")
    for key in [("readyz", "payments"), ("readyz", "email")]:  # /readyz stays open
        assert rows[key].ok and not rows[key].maintenance


def test_a_503_without_the_maintenance_mark_is_down(site):
    READYZ.update(state="fail", database="fail")
    rows = by_component(run_probes())
    assert not rows[("readyz", "payments")].ok
    assert not rows[("readyz", "payments")].maintenance  # a 503 we did not choose


@pytest.mark.django_db(transaction=True)
def test_http_mode_sees_the_maintenance_header(site, live_server, settings):
    from midas.ops.services import maintenance_enable

    settings.SLO_PROBE_MODE = "http"
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    maintenance_enable(message="Upgrading")  # the live server's thread shares this process
    rows = by_component(run_probes())
    assert rows[("home", "website")].maintenance and rows[("home", "website")].status == 503
    assert rows[("quote", "api")].maintenance
    assert rows[("readyz", "payments")].ok and not rows[("readyz", "payments")].maintenance
