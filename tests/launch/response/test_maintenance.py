"""Planned maintenance fires no rollback trigger: the probes that meet the maintenance page
are no downtime, and the customers' 503s during it are no errors."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.launch.models import TriggerFiring
from midas.launch.response.services import triggers_evaluate
from midas.launch.response.triggers import read_downtime, read_error_rate
from midas.launch.state.selectors import forget
from midas.ops.services import maintenance_window_schedule
from midas.slo.models import ProbeResult, RequestMinute
from midas.slo.recorder import RECORDER, process_name
from tests.factories import NOW
from tests.pinned import pin_now
from tests.slo.conftest import probe_minute

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def team(settings):
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    forget()
    yield
    forget()


def test_a_six_minute_window_is_no_downtime():
    for i in range(6):  # the probes' rows, as the worker records them during the window
        probe_minute(NOW + i * M + dt.timedelta(seconds=5), maintenance=True)
    reading = read_downtime(NOW + 6 * M)
    assert not reading.holding
    assert reading.details == {"down_minutes": 0, "components": []}
    triggers_evaluate(now=NOW + 6 * M)
    assert not TriggerFiring.objects.filter(trigger="downtime").exists()


def test_maintenance_rows_alone_are_no_data_not_downtime():
    for i in range(6):
        probe_minute(NOW + i * M, maintenance=True)
    ProbeResult.objects.filter(maintenance=False).delete()  # /readyz unprobed too
    assert not read_downtime(NOW + 6 * M).holding


def test_the_same_failures_unmarked_are_downtime():
    """The contrast: the very rows without the maintenance mark fire the trigger."""
    for i in range(6):
        probe_minute(NOW + i * M, maintenance=True)
    ProbeResult.objects.update(maintenance=False)
    reading = read_downtime(NOW + 6 * M)
    assert reading.holding
    assert reading.components == ("api", "booking", "website")


def test_spooled_maintenance_is_no_downtime_either(settings, tmp_path):
    """Results kept on disk while the database was away keep their mark: the alert the
    worker sends from the spool does not count them."""
    from midas.launch.response import outage
    from midas.slo import spool

    settings.VAR_DIR = tmp_path
    spool.append(
        [
            ProbeResult(
                component="website",
                target="home",
                ok=False,
                status=503,
                latency_ms=4.0,
                at=NOW + i * M,
                minute=NOW + i * M,
                maintenance=True,
            )
            for i in range(6)
        ]
    )
    assert outage.down_minutes(NOW + 6 * M) == ([], [])


@pytest.fixture
def recorder(settings):
    settings.SLO_FLUSH_SECONDS = 3600  # nothing flushes by itself during the test
    RECORDER.flush()
    RequestMinute.objects.all().delete()
    yield RECORDER
    RECORDER.flush()


def test_customers_503s_during_a_window_are_no_error_rate(client, recorder, monkeypatch):
    pinned = pin_now(monkeypatch, NOW)
    maintenance_window_schedule(starts_at=NOW, ends_at=NOW + 15 * M, message="Upgrading")
    for i in range(12):  # twelve minutes of customers held back by the maintenance page
        pinned.set(NOW + i * M + dt.timedelta(seconds=10))
        for path in ("/", "/api/v1/assets"):
            assert client.get(path).status_code == 503
    recorder.flush()
    rows = RequestMinute.objects.filter(process=process_name())
    assert (sum(r.count for r in rows), sum(r.errors for r in rows)) == (24, 0)
    reading = read_error_rate(NOW + 12 * M)
    assert not reading.holding
    assert reading.details["last_minute_pct"] == 0.0
    triggers_evaluate(now=NOW + 12 * M)
    assert not TriggerFiring.objects.exists()
