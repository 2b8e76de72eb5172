"""SLO figures against numbers computed by hand from recorded rows."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.slo.selectors import figures, probe_days, quantile_ms, window_figures
from tests.slo.conftest import add_minute, add_probe

M = dt.timedelta(minutes=1)
pytestmark = pytest.mark.django_db


def test_quantile_interpolates_inside_the_bucket():
    # 100 requests: 50 in (0, 50], 40 in (50, 100], 10 in (100, 250].
    # rank 95 lies 5 into the third bucket of 10: 100 + 150 * 5/10 = 175 ms.
    assert quantile_ms(0.95, [50, 40, 10, 0, 0, 0, 0, 0, 0]) == pytest.approx(175.0)
    # rank 50 ends the first bucket exactly: its upper bound
    assert quantile_ms(0.5, [50, 40, 10, 0, 0, 0, 0, 0, 0]) == pytest.approx(50.0)
    # first bucket starts at 0: 20 requests, rank 19 -> 50 * 19/20
    assert quantile_ms(0.95, [20, 0, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(47.5)
    # the +Inf bucket answers the highest finite bound
    assert quantile_ms(0.95, [1, 0, 0, 0, 0, 0, 0, 0, 19]) == 10000.0
    assert quantile_ms(0.95, [0] * 9) is None


def test_figures_over_recorded_minutes(t0):
    # two processes in minute 0, one in minute 1, one minute outside the window
    add_minute(t0, process="a:1", le_50=50, le_100=40, errors=1, duration_ms_sum=4000)
    add_minute(t0, process="b:2", le_250=10, errors=1, duration_ms_sum=2000)
    add_minute(t0 + M, process="a:1", le_5000=100, errors=0, duration_ms_sum=300_000)
    add_minute(t0 - M, process="a:1", le_inf=999, errors=999)
    fig = figures(t0, t0 + 2 * M)
    assert fig.requests == 200
    assert fig.errors == 2
    assert fig.error_rate_pct == pytest.approx(1.0)  # 2 / 200
    assert fig.avg_ms == pytest.approx(1530.0)  # (4000 + 2000 + 300000) / 200
    # cumulative: 50, 90, 100, ..., 200 in (2500, 5000]; rank 190 is 90 into 100 there:
    # 2500 + 2500 * 90/100 = 4750
    assert fig.p95_ms == pytest.approx(4750.0)
    assert fig.uptime_pct is None  # no probes: no data, not 100 %
    assert fig.passes() == {"uptime": None, "avg": True, "error_rate": False}


def test_an_empty_window_has_no_figures(t0):
    add_minute(t0 - dt.timedelta(hours=2), le_50=10)
    fig = figures(t0, t0 + dt.timedelta(hours=1))
    assert (fig.requests, fig.errors) == (0, 0)
    assert fig.error_rate_pct is fig.avg_ms is fig.p95_ms is fig.uptime_pct is None
    assert fig.passes() == {"uptime": None, "avg": None, "error_rate": None}


def test_uptime_with_a_partial_outage(t0):
    # 60 minutes of probes, 2 components; website fails in minutes 10-12 (3 minutes),
    # booking fails in minute 12 and 13; minutes 50-59 have no probes at all.
    for i in range(50):
        at = t0 + i * M + dt.timedelta(seconds=7)
        add_probe(at, "website", ok=not 10 <= i <= 12)
        add_probe(at, "booking", ok=i not in (12, 13))
    fig = figures(t0, t0 + dt.timedelta(hours=1))
    # any failing probe makes the minute down: minutes 10, 11, 12, 13 -> 46 up of 50
    assert (fig.minutes_with_data, fig.minutes_up) == (50, 46)
    assert fig.uptime_pct == pytest.approx(92.0)
    site = figures(t0, t0 + dt.timedelta(hours=1), component="website")
    assert site.uptime_pct == pytest.approx(100 * 47 / 50)
    assert site.passes()["uptime"] is False


def test_window_figures_end_at_now(t0):
    now = t0 + dt.timedelta(hours=2, seconds=30)
    add_minute(t0 + dt.timedelta(hours=2), le_100=3)  # the current, partial minute counts
    add_minute(t0 + dt.timedelta(minutes=115), le_100=1, errors=1)  # overlaps the 5 min
    add_minute(t0 + dt.timedelta(minutes=114), le_100=6)  # in 1h, not in 5m
    assert window_figures("5m", now=now).requests == 4
    assert window_figures("5m", now=now).error_rate_pct == pytest.approx(25.0)
    assert window_figures("1h", now=now).requests == 10
    assert window_figures("24h", now=now).requests == 10
    assert window_figures("7d", now=now).avg_ms == pytest.approx(100.0)


def test_probe_days_for_the_status_page(t0):
    now = t0 + dt.timedelta(hours=1)  # 2027-01-04 13:00
    yesterday = t0 - dt.timedelta(days=1)
    for i in range(10):
        add_probe(yesterday + i * M, ok=i != 3, latency=3000.0 if i in (5, 6) else 40.0)
    add_probe(t0, ok=True)
    add_probe(t0, "booking", ok=False)  # another component does not count
    days = probe_days("website", days=3, now=now)
    assert [d.date for d in days] == [
        dt.date(2027, 1, 2),
        dt.date(2027, 1, 3),
        dt.date(2027, 1, 4),
    ]
    assert days[0].no_data and days[0].up_minutes == 0
    assert (days[1].up_minutes, days[1].down_minutes, days[1].degraded_minutes) == (7, 1, 2)
    assert not days[1].no_data
    assert (days[2].up_minutes, days[2].down_minutes) == (1, 0)
