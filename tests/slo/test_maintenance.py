"""Planned maintenance in the SLO: probes that met the maintenance page
(``ProbeResult.maintenance``) are neither up nor down. A minute of nothing else has no
data for uptime, the status page's day bars and the ``down`` condition; ``midas slo`` says
how many minutes were under maintenance."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from midas.slo.models import Component
from midas.slo.selectors import (
    condition_held,
    figures,
    maintenance_minutes,
    minute_values,
    probe_days,
    uptime_minutes,
)
from tests.slo.conftest import add_probe, probe_minute

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def maintenance_probe(at: dt.datetime, component: str = "website", target: str = "home"):
    return add_probe(at, component, target=target, maintenance=True)


@pytest.fixture
def window(t0):
    """Two good minutes, six minutes of maintenance from t0, two good minutes."""
    for i in range(-2, 8):
        probe_minute(t0 + i * M + dt.timedelta(seconds=5), maintenance=0 <= i < 6)
    return t0, t0 + 6 * M


def test_uptime_is_not_reduced(window, t0):
    start, end = t0 - 2 * M, t0 + 8 * M
    assert uptime_minutes(start, end) == (10, 10)  # /readyz measured every minute
    assert uptime_minutes(start, end, Component.WEBSITE) == (4, 4)  # six minutes: no data
    fig = figures(start, end)
    assert fig.uptime_pct == 100.0 and fig.minutes_maintenance == 6
    assert figures(start, end, component=Component.PAYMENTS).minutes_maintenance == 0
    assert maintenance_minutes(start, end, Component.API) == 6


def test_a_minute_of_maintenance_only_has_no_data(t0):
    maintenance_probe(t0)
    maintenance_probe(t0 + dt.timedelta(seconds=30), Component.API, "quote")
    assert uptime_minutes(t0, t0 + M) == (0, 0)
    assert figures(t0, t0 + M).uptime_pct is None
    assert minute_values("down", t0, t0 + M) == {}


def test_a_real_failure_beside_maintenance_is_still_down(t0):
    maintenance_probe(t0)
    add_probe(t0, Component.PAYMENTS, ok=False)
    assert uptime_minutes(t0, t0 + M) == (1, 0)
    assert minute_values("down", t0, t0 + M) == {t0: 1.0}


def test_the_down_condition_does_not_hold_through_a_window(window, t0):
    assert set(minute_values("down", t0, t0 + 6 * M).values()) == {0.0}
    assert not condition_held("down", ">=", 1, 5, now=t0 + 6 * M)
    assert not condition_held("down", ">=", 1, 1, now=t0 + 3 * M)


def test_day_bars_do_not_show_maintenance_red(window, t0):
    today = probe_days(Component.WEBSITE, days=2, now=t0 + 10 * M)[-1]
    assert (today.up_minutes, today.down_minutes, today.no_data) == (4, 0, False)
    maintenance_probe(t0 - dt.timedelta(days=1))  # a day with nothing but maintenance
    yesterday = probe_days(Component.WEBSITE, days=2, now=t0 + 10 * M)[0]
    assert yesterday.no_data and yesterday.down_minutes == 0


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("slo", *args, stdout=out)
    return out.getvalue()


def test_midas_slo_says_how_many_minutes_were_under_maintenance(window):
    args = ("--start", "2027-01-04T11:58", "--end", "2027-01-04T12:08")
    [row] = json.loads(run(*args, "--json"))["windows"]
    assert row["minutes_maintenance"] == 6
    assert row["uptime_pct"] == 100.0 and row["pass"]["uptime"] is True
    table = run(*args)
    assert "maintenance" in table and "6 min" in table


def test_the_spool_keeps_the_maintenance_mark(settings, tmp_path, t0):
    """A result spooled while the database was away comes back still marked."""
    from midas.slo import spool
    from midas.slo.models import ProbeResult

    settings.VAR_DIR = tmp_path
    marked = ProbeResult(
        component="website", target="home", ok=False, status=503, latency_ms=9.0,
        at=t0, minute=t0, maintenance=True,
    )  # fmt: skip
    spool.append([marked])
    [back] = spool.recent(since=t0)
    assert back.maintenance
    assert spool.drain() == 1
    assert ProbeResult.objects.get().maintenance
