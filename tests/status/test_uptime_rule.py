"""The uptime bar rule on hand-made days (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.status.probes import DayUptime
from midas.status.selectors import MAJOR_DOWN_MINUTES, day_bar, uptime_share

D = dt.date(2027, 1, 4)


@pytest.mark.parametrize(
    ("up", "down", "degraded", "state"),
    [
        (1440, 0, 0, "operational"),
        (1000, 0, 440, "operational"),  # degraded counts as up
        (1439, 1, 0, "partial_outage"),  # one down minute
        (1440 - 29, 29, 0, "partial_outage"),
        (1440 - MAJOR_DOWN_MINUTES, MAJOR_DOWN_MINUTES, 0, "major_outage"),
        (0, 1440, 0, "major_outage"),
        (0, 0, 0, "no_data"),
    ],
)
def test_day_state(up, down, degraded, state):
    assert day_bar(DayUptime(D, up, down, degraded, up + down + degraded == 0)).state == state


def test_no_data_flag_wins():
    bar = day_bar(DayUptime(D, 10, 5, 0, True))
    assert bar.state == "no_data"
    assert bar.uptime is None
    assert "no data" in bar.label


def test_day_uptime_and_label():
    bar = day_bar(DayUptime(D, 1380, 45, 15, False))
    assert bar.uptime == pytest.approx(1395 / 1440)
    assert bar.label == "04 Jan 2027: 96.88% up, 45 min down, 15 min degraded"


def test_uptime_share_over_days_with_data_only():
    bars = [
        day_bar(DayUptime(D, 1440, 0, 0, False)),
        day_bar(DayUptime(D, 1430, 10, 0, False)),
        day_bar(DayUptime(D, 0, 0, 0, True)),
    ]
    assert uptime_share(bars) == pytest.approx(1 - 10 / 2880)
    assert uptime_share([day_bar(DayUptime(D, 0, 0, 0, True))]) is None
