"""``condition_held``: true only when the condition held at every minute of the span."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.slo.selectors import condition_held, minute_values
from tests.slo.conftest import add_minute, add_probe

M = dt.timedelta(minutes=1)
pytestmark = pytest.mark.django_db


def _error_minutes(t0, rates: list[int]) -> None:
    """One minute per entry, 1000 requests each, ``rate`` of them 5xx (per thousand)."""
    for i, errors in enumerate(rates):
        add_minute(t0 + i * M, le_100=1000, errors=errors)


def test_error_rate_above_one_percent_for_ten_minutes(t0):
    _error_minutes(t0, [20] * 10)  # 2 % in minutes 0..9
    # now in minute 10: the ten complete minutes before are 0..9
    assert condition_held("error_rate", ">", 1, 10, now=t0 + 10 * M + dt.timedelta(seconds=5))
    # a minute earlier only nine minutes of data lie in the span (minute -1 has none)
    assert not condition_held("error_rate", ">", 1, 10, now=t0 + 9 * M + dt.timedelta(seconds=59))
    # nine minutes is not ten, but nine is nine
    assert condition_held("error_rate", ">", 1, 9, now=t0 + 9 * M)


def test_one_minute_below_the_threshold_breaks_the_run(t0):
    _error_minutes(t0, [20, 20, 20, 20, 10, 20, 20, 20, 20, 20])  # minute 4 exactly 1 %
    now = t0 + 10 * M
    assert not condition_held("error_rate", ">", 1, 10, now=now)
    assert condition_held("error_rate", ">=", 1, 10, now=now)
    assert condition_held("error_rate", ">", 1, 5, now=now)  # minutes 5..9


def test_a_minute_without_traffic_is_not_an_error(t0):
    _error_minutes(t0, [20] * 3)
    add_minute(t0 + 3 * M, le_100=0)  # a row, but no requests
    assert not condition_held("error_rate", ">", 1, 4, now=t0 + 4 * M)
    assert minute_values("error_rate", t0, t0 + 4 * M) == {
        t0: 2.0,
        t0 + M: 2.0,
        t0 + 2 * M: 2.0,
    }


def test_down_for_five_minutes(t0):
    for i in range(7):  # the site fails from minute 2 on
        add_probe(t0 + i * M + dt.timedelta(seconds=3), ok=i < 2)
        add_probe(t0 + i * M + dt.timedelta(seconds=3), "booking", ok=True)
    assert not condition_held("down", ">=", 1, 5, now=t0 + 6 * M)  # minutes 1..5
    assert condition_held("down", ">=", 1, 5, now=t0 + 7 * M)  # minutes 2..6
    assert not condition_held("down", ">=", 1, 6, now=t0 + 7 * M)
    # probes stopped: no data is not downtime
    assert not condition_held("down", ">=", 1, 5, now=t0 + 9 * M)


def test_average_and_p95_conditions(t0):
    for i in range(3):
        add_minute(t0 + i * M, le_5000=10)  # 5 s each
    assert condition_held("avg_ms", ">", 2500, 3, now=t0 + 3 * M)
    assert condition_held("p95_ms", ">", 2500, 3, now=t0 + 3 * M)
    assert not condition_held("avg_ms", "<", 2500, 3, now=t0 + 3 * M)


def test_bad_arguments(t0):
    with pytest.raises(ValueError, match="unknown metric"):
        condition_held("nonsense", ">", 1, 1, now=t0)
    with pytest.raises(ValueError, match="at least 1"):
        condition_held("error_rate", ">", 1, 0, now=t0)
    with pytest.raises(KeyError):
        condition_held("error_rate", "~", 1, 1, now=t0)
